import Foundation
import KeyscopeTable
import KeyscopeTableTools
import KeyscopeTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A working directory with the vector key and tables of the example policy at several serials.
struct PublishFixture {
    let dir: URL

    init() throws {
        dir = try TestPaths.temporaryDirectory("keyscope-publish")
        try FileManager.default.copyItem(
            at: TestPaths.fixtures.appendingPathComponent("example"), to: dir.appendingPathComponent("policies"))
        try TestPaths.installVectorKey(in: dir)
    }

    /// Compiles the example policy with `serial` into `tables/<serial>/support-bot.kst`.
    @discardableResult
    func table(serial: UInt64) throws -> String {
        let out = "tables/\(serial)"
        let result = try KeyscopeCommand.run(
            [
                "compile", "policies", "--out", out, "--serial", String(serial), "--issued-at", "1767225600",
                "--valid-for", "3650d",
                "--now", "2026-11-27", "--signing-key", "signing-key.pem", "--revision", "r\(serial)",
            ], in: dir)
        guard result.status == 0 else { throw TestFailure("compile failed: \(result.stderr)") }
        return "\(out)/support-bot.kst"
    }

    func publish(
        _ table: String, extra: [String] = [], environment: [String: String] = [:], timeLimit: TimeInterval = 60
    ) throws -> CommandResult {
        try KeyscopeCommand.run(
            ["publish", table, "--to", "published", "--trusted-key", "signing-key.pub.pem", "--at", "1767225700"]
                + extra, in: dir, environment: environment, timeLimit: timeLimit)
    }

    func read(_ relative: String) -> Data? {
        FileManager.default.contents(atPath: dir.appendingPathComponent(relative).path)
    }

    /// Every file below `relative` with its bytes.
    func snapshot(_ relative: String = "published") -> [String: Data] {
        var files: [String: Data] = [:]
        let root = dir.appendingPathComponent(relative)
        guard let enumerator = FileManager.default.enumerator(atPath: root.path) else { return files }
        while let path = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(
                atPath: root.appendingPathComponent(path).path, isDirectory: &isDirectory), !isDirectory.boolValue
            {
                files[path] = FileManager.default.contents(atPath: root.appendingPathComponent(path).path)
            }
        }
        return files
    }

    func remove() { try? FileManager.default.removeItem(at: dir) }
}

@Suite(.serialized) struct PublishCommandTests {
    @Test func publishWritesHistoryCurrentAndMetadata() throws {
        let fixture = try PublishFixture()
        defer { fixture.remove() }
        let first = try fixture.publish(try fixture.table(serial: 5))
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("Published support-bot serial none → 5:"))
        #expect(fixture.read("published/support-bot/current.kst") == fixture.read("tables/5/support-bot.kst"))
        #expect(fixture.read("published/support-bot/5.kst") == fixture.read("tables/5/support-bot.kst"))
        let metadata = try #require(fixture.read("published/support-bot/current.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: metadata) as? [String: Any])
        #expect(json["serial"] as? String == "5", "serial is a string: JSON numbers are exact only to 2^53")
        #expect(json["signer"] as? String == "56475aa75463474c")
        #expect(json["revision"] as? String == "r5")
        #expect((json["sha256"] as? String)?.count == 64)
        let second = try fixture.publish(try fixture.table(serial: 6))
        #expect(second.status == 0)
        #expect(second.stdout.contains("serial 5 → 6: 0 changes"))
        #expect(
            try KeyscopeCommand.run(
                [
                    "verify", "published/support-bot/current.kst", "--trusted-key", "signing-key.pub.pem", "--at",
                    "1767225700", "--min-serial", "6",
                ], in: fixture.dir
            ).status == 0)
    }

    /// Serials only increase: one near the top of the range leaves no room for later tables.
    @Test func serialNearTheMaximumIsWarnedAbout() throws {
        let fixture = try PublishFixture()
        defer { fixture.remove() }
        func compile(_ serial: String) throws -> CommandResult {
            try KeyscopeCommand.run(
                [
                    "compile", "policies", "--out", "near", "--serial", serial, "--issued-at", "1767225600",
                    "--valid-for", "3650d", "--now", "2026-11-27", "--signing-key", "signing-key.pem",
                ], in: fixture.dir)
        }
        let near = try compile(String(UInt64.max - 5))
        #expect(near.status == 0, "\(near.stderr)")
        #expect(near.stderr.contains("within 2^32 of the largest serial"))
        let ordinary = try compile("1767225600")
        #expect(!ordinary.stderr.contains("largest serial"))
    }

    @Test func rollbackIsRefusedAndChangesNothing() throws {
        let fixture = try PublishFixture()
        defer { fixture.remove() }
        #expect(try fixture.publish(try fixture.table(serial: 10)).status == 0)
        let before = fixture.snapshot()
        // Issue 13.10: the very table again (a retried deploy job) succeeds and writes nothing.
        let retried = try fixture.publish(try fixture.table(serial: 10))
        #expect(retried.status == 0, "\(retried.stderr)")
        #expect(retried.stdout.contains("serial 10 is already current, byte for byte"), "\(retried.stdout)")
        #expect(fixture.snapshot() == before)
        // Another table with the same serial stays refused.
        let other = try KeyscopeCommand.run(
            [
                "compile", "policies", "--out", "other10", "--serial", "10", "--issued-at", "1767225600", "--valid-for",
                "3650d",
                "--now", "2026-11-27", "--signing-key", "signing-key.pem", "--revision", "another",
            ], in: fixture.dir)
        #expect(other.status == 0, "\(other.stderr)")
        let refused = try fixture.publish("other10/support-bot.kst")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("serial 10 is already published"), "\(refused.stderr)")
        #expect(fixture.snapshot() == before)
        for serial: UInt64 in [9, 1] {
            let result = try fixture.publish(try fixture.table(serial: serial))
            #expect(result.status == 1)
            #expect(
                result.stderr.contains(
                    "refusing to publish support-bot serial \(serial): serial 10 is already published"),
                "\(result.stderr)")
            #expect(fixture.snapshot() == before, "byte-for-byte the same directory")
        }
    }

    @Test func historyIsPruned() throws {
        let fixture = try PublishFixture()
        defer { fixture.remove() }
        for serial: UInt64 in 1...5 {
            #expect(try fixture.publish(try fixture.table(serial: serial), extra: ["--keep", "3"]).status == 0)
        }
        let names = fixture.snapshot().keys.filter { $0.hasSuffix(".kst") }.sorted()
        #expect(names == ["support-bot/3.kst", "support-bot/4.kst", "support-bot/5.kst", "support-bot/current.kst"])
        // A pruned serial stays refused: the floor is the newest history file.
        #expect(try fixture.publish(try fixture.table(serial: 2)).status == 1)
    }

    @Test func dryRunWritesNothing() throws {
        let fixture = try PublishFixture()
        defer { fixture.remove() }
        let result = try fixture.publish(try fixture.table(serial: 3), extra: ["--dry-run"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Would publish support-bot serial none → 3"))
        #expect(!FileManager.default.fileExists(atPath: fixture.dir.appendingPathComponent("published").path))
    }

    @Test func badTablesAreRefusedWithNothingWritten() throws {
        let fixture = try PublishFixture()
        defer { fixture.remove() }
        let good = try fixture.table(serial: 4)
        var tampered = try #require(fixture.read(good))
        tampered[400] ^= 0x40
        try tampered.write(to: fixture.dir.appendingPathComponent("tampered.kst"))
        try Data("not a table".utf8).write(to: fixture.dir.appendingPathComponent("garbage.kst"))
        let otherKey = try KeyscopeCommand.run(["keygen", "--out", "other"], in: fixture.dir)
        #expect(otherKey.status == 0)
        let foreign = try KeyscopeCommand.run(
            [
                "compile", "policies", "--out", "foreign", "--serial", "9", "--now", "2026-11-27", "--signing-key",
                "other/signing-key.pem",
            ], in: fixture.dir)
        #expect(foreign.status == 0)
        let cases: [(String, String)] = [
            ("tampered.kst", "does not verify"),
            ("garbage.kst", "malformed table"),
            ("foreign/support-bot.kst", "which is not trusted"),
            ("missing.kst", "cannot read missing.kst"),
        ]
        for (table, message) in cases {
            let result = try fixture.publish(table)
            #expect(result.status == 1, "\(table)")
            #expect(result.stderr.contains(message), "\(table): \(result.stderr)")
            #expect(
                !FileManager.default.fileExists(atPath: fixture.dir.appendingPathComponent("published").path),
                "\(table)")
        }
        // One bad table among good ones: nothing is published.
        let mixed = try KeyscopeCommand.run(
            [
                "publish", good, "tampered.kst", "--to", "published", "--trusted-key", "signing-key.pub.pem", "--at",
                "1767225700",
            ], in: fixture.dir)
        #expect(mixed.status == 1)
        #expect(!FileManager.default.fileExists(atPath: fixture.dir.appendingPathComponent("published").path))
        // An expired table is refused: a gateway would refuse it.
        let expired = try KeyscopeCommand.run(
            ["publish", good, "--to", "published", "--trusted-key", "signing-key.pub.pem", "--at", "2100000000"],
            in: fixture.dir)
        #expect(expired.status == 1)
        #expect(expired.stderr.contains("expired"))
    }

    @Test func unwritableDestinationIsAClearError() throws {
        let fixture = try PublishFixture()
        defer { fixture.remove() }
        let table = try fixture.table(serial: 2)
        try Data("a file".utf8).write(to: fixture.dir.appendingPathComponent("blocker"))
        let result = try KeyscopeCommand.run(
            [
                "publish", table, "--to", "blocker/published", "--trusted-key", "signing-key.pub.pem", "--at",
                "1767225700",
            ], in: fixture.dir)
        #expect(result.status == 1)
        #expect(result.stderr.contains("blocker exists and is not a directory"), "\(result.stderr)")
        if getuid() != 0 {
            try FileManager.default.createDirectory(
                at: fixture.dir.appendingPathComponent("readonly"), withIntermediateDirectories: true)
            chmod(fixture.dir.appendingPathComponent("readonly").path, 0o555)
            let denied = try KeyscopeCommand.run(
                ["publish", table, "--to", "readonly", "--trusted-key", "signing-key.pub.pem", "--at", "1767225700"],
                in: fixture.dir)
            #expect(denied.status == 1)
            #expect(denied.stderr.contains("Permission denied"))
        }
    }

    /// Disk full: a 64 KiB tmpfs cannot hold the history file and current.kst; the old state must survive.
    @Test func diskFullLeavesTheOldTable() throws {
        let fixture = try PublishFixture()
        defer { fixture.remove() }
        let mountPoint = fixture.dir.appendingPathComponent("small")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        let mounted = Process()
        mounted.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        mounted.arguments = ["mount", "-t", "tmpfs", "-o", "size=12k", "tmpfs", mountPoint.path]
        mounted.standardError = FileHandle.nullDevice
        mounted.standardOutput = FileHandle.nullDevice
        try mounted.run()
        mounted.waitUntilExit()
        guard mounted.terminationStatus == 0 else {
            // In CI nothing may skip: a runner that cannot mount fails this test.
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                Issue.record(
                    "cannot mount a tmpfs (needs root and mount permission), and CI=true: the disk-full test must run")
            } else {
                print("skipped: cannot mount a tmpfs here (needs root and mount permission)")
            }
            return
        }
        defer {
            let unmount = Process()
            unmount.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            unmount.arguments = ["umount", mountPoint.path]
            try? unmount.run()
            unmount.waitUntilExit()
        }
        let first = try KeyscopeCommand.run(
            [
                "publish", try fixture.table(serial: 1), "--to", "small", "--trusted-key", "signing-key.pub.pem",
                "--at", "1767225700",
            ], in: fixture.dir)
        #expect(first.status == 0, "\(first.stderr)")
        let before = fixture.read("small/support-bot/current.kst")
        // Fill the file system so the next publish runs out of space.
        let filler = mountPoint.appendingPathComponent("filler")
        _ = FileManager.default.createFile(atPath: filler.path, contents: nil)
        let handle = try FileHandle(forWritingTo: filler)
        for _ in 0..<64 { try? handle.write(contentsOf: Data(repeating: 0, count: 1024)) }
        try? handle.close()
        let second = try KeyscopeCommand.run(
            [
                "publish", try fixture.table(serial: 2), "--to", "small", "--trusted-key", "signing-key.pub.pem",
                "--at", "1767225700",
            ], in: fixture.dir)
        #expect(second.status == 1)
        #expect(second.stderr.contains("No space left on device"), "\(second.stderr)")
        #expect(fixture.read("small/support-bot/current.kst") == before)
        let leftovers = fixture.snapshot("small").keys.filter { $0.contains(".keyscope-tmp-") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }
}

@Suite(.serialized) struct PublishRecoveryTests {
    /// A publish killed after its history file was written can be run again: it completes instead of being refused.
    @Test func interruptedPublishCanBeRetried() throws {
        let fixture = try PublishFixture()
        defer { fixture.remove() }
        #expect(try fixture.publish(try fixture.table(serial: 1)).status == 0)
        let table = try fixture.table(serial: 2)
        let killed = try fixture.publish(table, environment: ["KEYSCOPE_FAULT_INJECTION": "renamed:2.kst"])
        #expect(killed.status != 0)
        #expect(fixture.read("published/support-bot/current.kst") == fixture.read("tables/1/support-bot.kst"))
        let retry = try fixture.publish(table)
        #expect(retry.status == 0, "\(retry.stderr)")
        #expect(fixture.read("published/support-bot/current.kst") == fixture.read(table))
        // A different table with the same serial is still refused.
        let other = try KeyscopeCommand.run(
            [
                "compile", "policies", "--out", "other", "--serial", "2", "--issued-at", "1767225601", "--valid-for",
                "3650d", "--now", "2026-11-27", "--signing-key", "signing-key.pem",
            ], in: fixture.dir)
        #expect(other.status == 0)
        #expect(try fixture.publish("other/support-bot.kst").status == 1)
    }

    /// Several tables: every product's serial is checked before anything is written.
    @Test func multiTablePublishIsAllOrNothing() throws {
        let fixture = try PublishFixture()
        defer { fixture.remove() }
        try TestPaths.write(
            [
                "second/all.yaml": """
                apiVersion: keyscope/v1
                kind: Product
                id: aaa-second
                name: Second
                capabilities: [{id: cap_x, name: X, owner: t}]
                ---
                apiVersion: keyscope/v1
                kind: Team
                id: t
                name: T
                ---
                apiVersion: keyscope/v1
                kind: KeySet
                product: aaa-second
                owners: [t]
                keys: [{name: k, audience: internal, capabilities: [cap_x]}]
                """
            ], under: fixture.dir)
        let second = try KeyscopeCommand.run(
            [
                "compile", "second", "--out", "second-out", "--serial", "5", "--issued-at", "1767225600", "--valid-for",
                "3650d", "--now", "2026-11-27", "--signing-key", "signing-key.pem",
            ], in: fixture.dir)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try fixture.publish(try fixture.table(serial: 9)).status == 0)
        let before = fixture.snapshot()
        // aaa-second sorts first and is new; support-bot's serial 8 is a rollback: nothing may be written.
        let mixed = try KeyscopeCommand.run(
            [
                "publish", "second-out/aaa-second.kst", try fixture.table(serial: 8), "--to", "published",
                "--trusted-key", "signing-key.pub.pem", "--at", "1767225700",
            ], in: fixture.dir)
        #expect(mixed.status == 1)
        #expect(
            fixture.snapshot().filter { !$0.key.hasSuffix(".lock") } == before.filter { !$0.key.hasSuffix(".lock") },
            "no product was published")
        let both = try KeyscopeCommand.run(
            [
                "publish", "second-out/aaa-second.kst", try fixture.table(serial: 10), "--to", "published",
                "--trusted-key", "signing-key.pub.pem", "--at", "1767225700",
            ], in: fixture.dir)
        #expect(both.status == 0, "\(both.stderr)")
        #expect(both.stdout.contains("Published aaa-second serial none → 5"))
        #expect(both.stdout.contains("Published support-bot serial 9 → 10"))
    }

    /// keygen never overwrites a key.
    @Test func keygenRefusesToOverwrite() throws {
        let fixture = try PublishFixture()
        defer { fixture.remove() }
        #expect(try KeyscopeCommand.run(["keygen", "--out", "k"], in: fixture.dir).status == 0)
        let key = fixture.read("k/signing-key.pem")
        let again = try KeyscopeCommand.run(["keygen", "--out", "k"], in: fixture.dir)
        #expect(again.status == 1)
        #expect(again.stderr.contains("already exists"))
        #expect(fixture.read("k/signing-key.pem") == key)
        let attributes = try FileManager.default.attributesOfItem(
            atPath: fixture.dir.appendingPathComponent("k/signing-key.pem").path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    /// `keygen --out keys/` names its files `keys/…` (not `keys//…`) and keeps private keys out of git.
    @Test func keygenPathsAndGitignore() throws {
        let fixture = try PublishFixture()
        defer { fixture.remove() }
        let result = try KeyscopeCommand.run(["keygen", "--out", "keys/"], in: fixture.dir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("wrote keys/signing-key.pem"))
        #expect(!result.stdout.contains("//"))
        let ignore = String(decoding: try #require(fixture.read("keys/.gitignore")), as: UTF8.self)
        #expect(ignore.contains("*.pem\n!*.pub.pem"))
        // A .gitignore the user wrote is left alone.
        let mine = fixture.dir.appendingPathComponent("mine")
        try FileManager.default.createDirectory(at: mine, withIntermediateDirectories: true)
        try Data("custom\n".utf8).write(to: mine.appendingPathComponent(".gitignore"))
        #expect(try KeyscopeCommand.run(["keygen", "--out", "mine"], in: fixture.dir).status == 0)
        #expect(fixture.read("mine/.gitignore") == Data("custom\n".utf8))
    }

    /// Issue 13.18: `diff --out plan.json` records what was reviewed; `publish --plan` publishes exactly that,
    /// over exactly the base it was reviewed against, and a retry of the same publish still succeeds.
    @Test func publishPublishesOnlyTheReviewedPlan() throws {
        let fixture = try PublishFixture()
        defer { fixture.remove() }
        let trust = ["--trusted-key", "signing-key.pub.pem"]
        #expect(try fixture.publish(try fixture.table(serial: 1)).status == 0)
        // The pull request: customer-b gains order lookup.
        let customers = fixture.dir.appendingPathComponent("policies/keys/customers.yaml")
        let original = try String(contentsOf: customers, encoding: .utf8)
        let changed = try ExampleEdit.grantingCustomerBOrderLookup(original)
        #expect(changed != original)
        try Data(changed.utf8).write(to: customers)
        let diff = try KeyscopeCommand.run(
            ["diff", "--from", "published:published", "--to", "policies", "--out", "plan.json", "--now", "2026-11-27"]
                + trust, in: fixture.dir)
        #expect(diff.status == 0, "\(diff.stderr)")
        let plan = try JSONSerialization.jsonObject(with: try #require(fixture.read("plan.json"))) as? [String: Any]
        #expect(plan?["schema"] as? String == "keyscope.plan/v1")
        #expect((plan?["diff"] as? [String: Any])?["schema"] as? String == "keyscope.diff/v1")
        let reviewed = try fixture.table(serial: 2)
        // A table of other contents (the unchanged policy, serial 3) is refused, nothing written.
        try Data(original.utf8).write(to: customers)
        let other = try fixture.table(serial: 3)
        let before = fixture.snapshot()
        let refused = try fixture.publish(other, extra: ["--plan", "plan.json"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("is not what was reviewed"), "\(refused.stderr)")
        #expect(fixture.snapshot() == before)
        // The reviewed table goes out; the same command run again (a retried job) is a no-op.
        let published = try fixture.publish(reviewed, extra: ["--plan", "plan.json"])
        #expect(published.status == 0, "\(published.stderr)")
        let retried = try fixture.publish(reviewed, extra: ["--plan", "plan.json"])
        #expect(retried.status == 0, "\(retried.stderr)")
        #expect(retried.stdout.contains("already current"))
        // A plan whose base is no longer deployed: reviewed against serial 2, but serial 3 went out meanwhile.
        let diff2 = try KeyscopeCommand.run(
            ["diff", "--from", "published:published", "--to", "policies", "--out", "plan2.json", "--now", "2026-11-27"]
                + trust, in: fixture.dir)
        #expect(diff2.status == 0, "\(diff2.stderr)")
        let third = original.replacingOccurrences(of: "Customer A - FAQ and order lookup", with: "Customer A - renamed")
        try Data(third.utf8).write(to: customers)
        #expect(try fixture.publish(try fixture.table(serial: 4)).status == 0)
        try Data(original.utf8).write(to: customers)
        let stale = try fixture.publish(try fixture.table(serial: 5), extra: ["--plan", "plan2.json"])
        #expect(stale.status == 1)
        #expect(stale.stderr.contains("is not the plan's base"), "\(stale.stderr)")
        // A plan between two policy directories: the policy's digest is the compiled table's.
        try FileManager.default.copyItem(
            at: fixture.dir.appendingPathComponent("policies"), to: fixture.dir.appendingPathComponent("base"))
        try Data(changed.utf8).write(to: customers)
        let diff3 = try KeyscopeCommand.run(
            ["diff", "--from", "base", "--to", "policies", "--out", "plan3.json", "--now", "2026-11-27"],
            in: fixture.dir)
        #expect(diff3.status == 0, "\(diff3.stderr)")
        let fresh = try KeyscopeCommand.run(
            ["publish", try fixture.table(serial: 6), "--to", "fresh", "--plan", "plan3.json", "--at", "1767225700"]
                + trust,
            in: fixture.dir)
        #expect(fresh.status == 1)
        #expect(fresh.stderr.contains("plan base sha256:"), "nothing deployed is not the base: \(fresh.stderr)")
        try Data(original.utf8).write(to: customers)
        #expect(
            try KeyscopeCommand.run(
                ["publish", try fixture.table(serial: 7), "--to", "fresh", "--at", "1767225700"] + trust,
                in: fixture.dir
            ).status == 0)
        try Data(changed.utf8).write(to: customers)
        let matched = try KeyscopeCommand.run(
            ["publish", try fixture.table(serial: 8), "--to", "fresh", "--plan", "plan3.json", "--at", "1767225700"]
                + trust,
            in: fixture.dir)
        #expect(matched.status == 0, "policy digests equal table digests: \(matched.stderr)")
        // A malformed plan is a named error.
        try Data("{\"schema\": \"other\"}".utf8).write(to: fixture.dir.appendingPathComponent("bad.json"))
        let bad = try fixture.publish(try fixture.table(serial: 9), extra: ["--plan", "bad.json"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("bad.json: not a keyscope plan"), "\(bad.stderr)")
    }

    /// Issue 13.9: one development key per repository, wherever compile runs; the warning names the public key;
    /// inspect, verify and check find it by themselves (loudly), publish never does.
    @Test func developmentKeyLivesAtTheRepositoryRoot() throws {
        let fixture = try PublishFixture()
        defer { fixture.remove() }
        #expect(TestProcess.run(["git", "init", "-q"], in: fixture.dir) == 0)
        let sub = fixture.dir.appendingPathComponent("policies/keys")
        let compile = ["compile", "..", "--out", "../../out", "--now", "2026-11-27", "--issued-at", "1767225600"]
        let first = try KeyscopeCommand.run(compile, in: sub)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(fixture.read(".keyscope/dev-signing-key.pem") != nil)
        #expect(fixture.read("policies/keys/.keyscope/dev-signing-key.pem") == nil)
        #expect(first.stderr.contains("--trusted-key ../../.keyscope/dev-signing-key.pub.pem"), "\(first.stderr)")
        #expect(
            fixture.read(".keyscope/.gitignore")
                == Data("# Written by `keyscope compile`: the development key never goes into git.\n*\n".utf8))
        // A second run from the root reuses the key: same key id in both warnings.
        let second = try KeyscopeCommand.run(
            ["compile", "policies", "--out", "out2", "--now", "2026-11-27", "--issued-at", "1767225600"],
            in: fixture.dir)
        #expect(second.status == 0, "\(second.stderr)")
        let keyID = { (text: String) in text.split(separator: "\n").first { $0.contains("key id") } }
        #expect(keyID(first.stderr)?.split(separator: "(").last == keyID(second.stderr)?.split(separator: "(").last)
        // inspect right after, from a subdirectory, trusts the development public key with a warning.
        let inspect = try KeyscopeCommand.run(["inspect", "../../out/support-bot.kst"], in: sub)
        #expect(inspect.status == 0, "\(inspect.stderr)")
        #expect(inspect.stderr.contains("trusting the DEVELOPMENT public key"))
        for command in [
            ["verify", "out/support-bot.kst"],
            ["check", "out/support-bot.kst", "--key", "customer-b", "--capability", "cap_faq"],
        ] {
            let result = try KeyscopeCommand.run(command, in: fixture.dir)
            #expect(result.stderr.contains("DEVELOPMENT public key"), "\(command): \(result.stderr)")
        }
        // publish asks for a key it was given.
        let publish = try KeyscopeCommand.run(["publish", "out/support-bot.kst", "--to", "published"], in: fixture.dir)
        #expect(publish.status != 0)
        #expect(publish.stderr.contains("no trusted keys"), "\(publish.stderr)")
    }
    /// Issue 11.10: a private key others can read is refused (like ssh), and a key file must be exactly one PEM block.
    @Test func signingKeysMustBePrivateAndUnambiguous() throws {
        let fixture = try PublishFixture()
        defer { fixture.remove() }
        let keyPath = fixture.dir.appendingPathComponent("signing-key.pem").path
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: keyPath)
        let open = try KeyscopeCommand.run(
            ["compile", "policies", "--out", "o1", "--now", "2026-11-27", "--signing-key", "signing-key.pem"],
            in: fixture.dir)
        #expect(open.status == 1)
        #expect(
            open.stderr.contains("readable by group or others") && open.stderr.contains("chmod 600 signing-key.pem"),
            "\(open.stderr)")
        #expect(!FileManager.default.fileExists(atPath: fixture.dir.appendingPathComponent("o1").path))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyPath)
        let pem = String(decoding: try Data(contentsOf: URL(fileURLWithPath: keyPath)), as: UTF8.self)
        let other = try SigningKey(seed: Array(repeating: 7, count: 32)).pemRepresentation
        for (name, text) in [
            ("two", pem + other), ("prose", "my key:\n" + pem), ("trailer", pem + "-----END PRIVATE KEY-----\n"),
        ] {
            let path = fixture.dir.appendingPathComponent("\(name).pem")
            #expect(
                FileManager.default.createFile(
                    atPath: path.path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]))
            let result = try KeyscopeCommand.run(
                ["compile", "policies", "--out", "o-\(name)", "--now", "2026-11-27", "--signing-key", "\(name).pem"],
                in: fixture.dir)
            #expect(result.status == 1, "\(name)")
            #expect(result.stderr.contains("exactly one PRIVATE KEY block"), "\(name): \(result.stderr)")
        }
    }

    /// Issue 11.9: what an attacker can plant in a publish directory: a `.lock` symlink, a FIFO as `current.kst`.
    @Test func plantedLockLinksAndFIFOsAreRefused() throws {
        let fixture = try PublishFixture()
        defer { fixture.remove() }
        let table = try fixture.table(serial: 3)
        let product = fixture.dir.appendingPathComponent("published/support-bot")
        try FileManager.default.createDirectory(at: product, withIntermediateDirectories: true)
        let target = fixture.dir.appendingPathComponent("elsewhere")
        try FileManager.default.createSymbolicLink(
            atPath: product.appendingPathComponent(".lock").path, withDestinationPath: target.path)
        let linked = try fixture.publish(table, timeLimit: 20)
        #expect(linked.status == 1)
        #expect(linked.stderr.contains("cannot open lock"), "\(linked.stderr)")
        #expect(!FileManager.default.fileExists(atPath: target.path), "the link's target was created")
        try FileManager.default.removeItem(at: product.appendingPathComponent(".lock"))

        #expect(mkfifo(product.appendingPathComponent("current.kst").path, 0o644) == 0)
        let fifo = try fixture.publish(table, timeLimit: 20)
        #expect(fifo.status == 1)
        #expect(fifo.stderr.contains("is not a regular file"), "\(fifo.stderr)")
        let diff = try KeyscopeCommand.run(
            [
                "diff", "--from", "published:published", "--to", "policies", "--trusted-key", "signing-key.pub.pem",
                "--now", "2026-11-27",
            ], in: fixture.dir, timeLimit: 20)
        #expect(diff.status == 1)
        #expect(diff.stderr.contains("is not a regular file"), "\(diff.stderr)")
    }
}

/// Issue 13.16: every key file the README names under `keys/` is one that `keyscope keygen --out keys` writes.
@Test func readmeNamesTheKeyFilesKeygenWrites() throws {
    let dir = try TestPaths.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let keygen = try KeyscopeCommand.run(["keygen", "--out", "keys"], in: dir)
    #expect(keygen.status == 0, "\(keygen.stderr)")
    let written = Set(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("keys").path))
    let readme = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
    let named = readme.matches(of: /keys\/([A-Za-z0-9._-]+\.pem)/).map { String($0.output.1) }
    #expect(!named.isEmpty)
    for name in named {
        #expect(written.contains(name), "README names keys/\(name); keygen writes \(written.sorted())")
    }
}
