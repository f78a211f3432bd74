import Foundation
import KeyscopeTestSupport
import Testing

/// A git repository with the example policies at HEAD~1 and a change at HEAD, plus a key pair.
func fixtureRepository() throws -> URL {
    let dir = try TestPaths.temporaryDirectory("keyscope-diff")
    let fixture = TestPaths.fixtures.appendingPathComponent("diff")
    try FileManager.default.copyItem(
        at: fixture.appendingPathComponent("before"), to: dir.appendingPathComponent("policies"))
    TestProcess.run(["git", "init", "-q", "."], in: dir)
    TestProcess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", "add", "-A"], in: dir)
    TestProcess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "before"], in: dir)
    try FileManager.default.removeItem(at: dir.appendingPathComponent("policies"))
    try FileManager.default.copyItem(
        at: fixture.appendingPathComponent("after"), to: dir.appendingPathComponent("policies"))
    TestProcess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", "add", "-A"], in: dir)
    TestProcess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "after"], in: dir)
    try TestPaths.installVectorKey(in: dir, name: "key")
    return dir
}

let compileFlags = [
    "--now", "2026-11-27", "--issued-at", "1767225600", "--signing-key", "key.pem", "--revision", "fixture",
]

@Suite(.serialized) struct DiffCommandTests {
    static let expected = TestPaths.fixtures.appendingPathComponent("diff/expected")

    @Test(arguments: ["text", "markdown", "json"])
    func gitRevisionDiffGolden(format: String) throws {
        let dir = try fixtureRepository()
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try KeyscopeCommand.run(
            ["diff", "--from", "git:HEAD~1", "--to", "git:HEAD", "--now", "2026-11-27", "--format", format], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        if let failure = Snapshot.compare(result.stdout, golden: Self.expected.appendingPathComponent("diff.\(format)"))
        {
            Issue.record(Comment(rawValue: failure))
        }
    }

    @Test func workingTreeIsTheDefaultTarget() throws {
        let dir = try fixtureRepository()
        defer { try? FileManager.default.removeItem(at: dir) }
        let head = try KeyscopeCommand.run(
            ["diff", "--from", "git:HEAD~1", "--now", "2026-11-27", "--color", "never"], in: dir)
        let explicit = try KeyscopeCommand.run(
            ["diff", "--from", "git:HEAD~1", "--to", "git:HEAD", "--now", "2026-11-27", "--color", "never"], in: dir)
        // Past the two lines that name the states, the same diff.
        #expect(
            head.stdout.split(separator: "\n").dropFirst(2).elementsEqual(
                explicit.stdout.split(separator: "\n").dropFirst(2)))
        // The working tree and index are untouched.
        let status = Process()
        status.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        status.arguments = ["git", "status", "--porcelain"]
        status.currentDirectoryURL = dir
        let pipe = Pipe()
        status.standardOutput = pipe
        try status.run()
        status.waitUntilExit()
        let porcelain = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(!porcelain.contains("policies"), "\(porcelain)")
    }

    @Test func exitCodes() throws {
        let dir = try fixtureRepository()
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = ["diff", "--from", "git:HEAD~1", "--now", "2026-11-27"]
        #expect(try KeyscopeCommand.run(base, in: dir).status == 0)
        #expect(try KeyscopeCommand.run(base + ["--exit-code"], in: dir).status == 2)
        #expect(try KeyscopeCommand.run(base + ["--fail-on", "critical"], in: dir).status == 3)
        #expect(
            try KeyscopeCommand.run(base + ["--fail-on", "critical", "--exit-code"], in: dir).status == 3,
            "--fail-on is checked first")
        #expect(
            try KeyscopeCommand.run(["diff", "--from", "git:HEAD", "--now", "2026-11-27", "--exit-code"], in: dir)
                .status == 0, "no changes")
        #expect(try KeyscopeCommand.run(base + ["--fail-on", "low"], in: dir).status == 3, "low: any change")
        // Issue 13.14: --product narrows the diff; an unknown product is an error.
        let narrowed = try KeyscopeCommand.run(base + ["--product", "support-bot", "--format", "json"], in: dir)
        #expect(narrowed.status == 0)
        #expect(
            narrowed.stdout.contains("\"product\": \"support-bot\"") && !narrowed.stdout.contains("settings-weakened"),
            "\(narrowed.stdout.prefix(300))")
        let unknown = try KeyscopeCommand.run(base + ["--product", "nope"], in: dir)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no product `nope`"), "\(unknown.stderr)")
        #expect(
            try KeyscopeCommand.run(["diff", "--from", "git:HEAD", "--now", "2026-11-27", "--fail-on", "low"], in: dir)
                .status == 0)
    }

    @Test func tableAgainstPolicyAndPublishDirectory() throws {
        let dir = try fixtureRepository()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Compile the old policy from git into a table, and lay it out as a publish directory.
        TestProcess.run(["git", "worktree", "add", "-q", "old", "HEAD~1"], in: dir)
        let compile = try KeyscopeCommand.run(["compile", "old/policies", "--out", "tables"] + compileFlags, in: dir)
        #expect(compile.status == 0, "\(compile.stderr)")
        try FileManager.default.createDirectory(
            at: dir.appendingPathComponent("published/support-bot"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: dir.appendingPathComponent("tables/support-bot.kst"),
            to: dir.appendingPathComponent("published/support-bot/current.kst"))
        let fromGit = try KeyscopeCommand.run(
            ["diff", "--from", "git:HEAD~1", "--now", "2026-11-27", "--format", "json"], in: dir)
        let fromTable = try KeyscopeCommand.run(
            [
                "diff", "--from", "tables/support-bot.kst", "--trusted-key", "key.pub.pem", "--now", "2026-11-27",
                "--format", "json",
            ], in: dir)
        let fromPublished = try KeyscopeCommand.run(
            [
                "diff", "--from", "published:published", "--trusted-key", "key.pub.pem", "--now", "2026-11-27",
                "--format", "json",
            ], in: dir)
        #expect(fromTable.status == 0, "\(fromTable.stderr)")
        #expect(fromPublished.status == 0, "\(fromPublished.stderr)")
        // Same changes whichever way the old state was read (tables carry no Settings, so settings changes are absent
        // there).
        func changes(_ json: String) throws -> [String] {
            let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
            return ((object?["changes"] as? [[String: Any]]) ?? []).filter { ($0["product"] as? String) != nil }.map {
                "\($0["kind"]!) \($0["subject"]!)"
            }
        }
        #expect(try changes(fromTable.stdout) == changes(fromGit.stdout))
        #expect(try changes(fromPublished.stdout) == changes(fromGit.stdout))
        #expect(try !changes(fromGit.stdout).isEmpty)
    }

    @Test func tableStatesAreVerified() throws {
        let dir = try fixtureRepository()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(
            try KeyscopeCommand.run(["compile", "policies", "--out", "tables"] + compileFlags, in: dir).status == 0)
        let missingKey = try KeyscopeCommand.run(
            ["diff", "--from", "tables/support-bot.kst", "--now", "2026-11-27"], in: dir)
        #expect(missingKey.status == 64, "no trusted key is a usage error")
        var bytes = try Data(contentsOf: dir.appendingPathComponent("tables/support-bot.kst"))
        bytes[300] ^= 1
        try bytes.write(to: dir.appendingPathComponent("tampered.kst"))
        let tampered = try KeyscopeCommand.run(
            ["diff", "--from", "tampered.kst", "--trusted-key", "key.pub.pem", "--now", "2026-11-27"], in: dir)
        #expect(tampered.status == 1)
        #expect(tampered.stderr.contains("tampered.kst: signature by key"))
        #expect(tampered.stderr.split(separator: "\n").count == 1, "one-line error: \(tampered.stderr)")
        let skipped = try KeyscopeCommand.run(
            ["diff", "--from", "tables/support-bot.kst", "--insecure-skip-verify", "--now", "2026-11-27"], in: dir)
        #expect(skipped.status == 0)
        #expect(skipped.stderr.contains("NOT checked"))
        // A table can come through a pipe (`--from <(curl …)`, or stdin), and is verified all the same.
        let table = try Data(contentsOf: dir.appendingPathComponent("tables/support-bot.kst"))
        let piped = try KeyscopeCommand.run(
            [
                "diff", "--from", "/dev/stdin", "--to", "tables/support-bot.kst", "--trusted-key", "key.pub.pem",
                "--exit-code",
            ], in: dir, stdin: table)
        #expect(piped.status == 0, "\(piped.stderr)")
        var tamperedPipe = table
        tamperedPipe[300] ^= 1
        let pipedTampered = try KeyscopeCommand.run(
            ["diff", "--from", "/dev/stdin", "--to", "tables/support-bot.kst", "--trusted-key", "key.pub.pem"], in: dir,
            stdin: tamperedPipe)
        #expect(pipedTampered.status == 1)
        #expect(pipedTampered.stderr.contains("/dev/stdin: signature by key"), "\(pipedTampered.stderr)")
    }

    /// Issue 11.1: a table dropped into the policy root must not turn the review into a table diff.
    @Test func aTableInThePolicyRootIsRefusedNotFollowed() throws {
        let dir = try fixtureRepository()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(
            try KeyscopeCommand.run(["compile", "policies", "--out", "tables"] + compileFlags, in: dir).status == 0)
        try FileManager.default.createDirectory(
            at: dir.appendingPathComponent("policies/support-bot"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: dir.appendingPathComponent("tables/support-bot.kst"),
            to: dir.appendingPathComponent("policies/support-bot/current.kst"))
        for arguments in [
            ["diff", "--from", "git:HEAD", "--now", "2026-11-27"],
            ["diff", "--from", "policies", "--to", "git:HEAD", "--now", "2026-11-27"],
            ["validate", "policies", "--now", "2026-11-27"],
            ["compile", "policies", "--out", "tables2"] + compileFlags,
        ] {
            let result = try KeyscopeCommand.run(arguments, in: dir)
            #expect(result.status == 1, "\(arguments): \(result.stdout)")
            #expect(result.stderr.contains("policy root holds a compiled table"), "\(arguments): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("tables2").path))
    }

    /// Issues 13.4 and 13.5: a dirty tree is recorded as `<commit>-dirty`, and an already expired table is said loudly.
    @Test func compileSaysWhatItRecords() throws {
        let dir = try fixtureRepository()
        defer { try? FileManager.default.removeItem(at: dir) }
        let flags = ["--now", "2026-11-27", "--issued-at", "1767225600", "--signing-key", "key.pem"]
        let clean = try KeyscopeCommand.run(["compile", "policies", "--out", "clean"] + flags, in: dir)
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(!clean.stderr.contains("-dirty"))
        #expect(clean.stderr.contains("already expired"), "issued 2026-01-01 with 30 days of validity: \(clean.stderr)")
        try Data("local notes\n".utf8).write(to: dir.appendingPathComponent("policies/NOTES.txt"))
        let dirty = try KeyscopeCommand.run(
            ["compile", "policies", "--out", "dirty", "--valid-for", "36500d"] + flags, in: dir)
        #expect(dirty.stderr.contains("uncommitted changes"), "\(dirty.stderr)")
        #expect(!dirty.stderr.contains("already expired"))
        let inspect = try KeyscopeCommand.run(
            ["inspect", "dirty/support-bot.kst", "--trusted-key", "key.pub.pem", "--format", "json"], in: dir)
        #expect(inspect.stdout.contains("-dirty\""), "\(inspect.stdout.prefix(400))")
    }

    /// Issue 13.11: `check` says its reasons in the words of the docs.
    @Test func checkSaysWhy() throws {
        let dir = try fixtureRepository()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(
            try KeyscopeCommand.run(
                ["compile", "policies", "--out", "tables", "--valid-for", "36500d"] + compileFlags, in: dir
            ).status == 0)
        let base = ["check", "tables/support-bot.kst", "--trusted-key", "key.pub.pem", "--at", "1767225700"]
        let denied = try KeyscopeCommand.run(base + ["--key", "nobody", "--capability", "cap_faq"], in: dir)
        #expect(denied.status == 1)
        #expect(denied.stdout.contains("deny: unknown-key (no key of this name is in the table)"), "\(denied.stdout)")
        #expect(!denied.stdout.contains("unknownKey"))
    }

    @Test func badStatesAreOneLineErrors() throws {
        let dir = try fixtureRepository()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(
            at: dir.appendingPathComponent("empty-published"), withIntermediateDirectories: true)
        // A table filed under another product's directory.
        #expect(
            try KeyscopeCommand.run(["compile", "policies", "--out", "tables"] + compileFlags, in: dir).status == 0)
        try FileManager.default.createDirectory(
            at: dir.appendingPathComponent("mislabelled/other-product"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: dir.appendingPathComponent("tables/support-bot.kst"),
            to: dir.appendingPathComponent("mislabelled/other-product/current.kst"))
        let cases: [([String], String)] = [
            (
                ["--from", "published:mislabelled", "--trusted-key", "key.pub.pem"],
                "mislabelled/other-product/current.kst holds a table for product `support-bot`, not `other-product`"
            ),
            (["--from", "git:no-such-revision"], "unknown git revision `no-such-revision`"),
            (
                ["--from", "published:empty-published", "--trusted-key", "key.pub.pem"],
                "is not a publish directory: no empty-published/<product>/current.kst"
            ),
            (["--from", "missing.kst", "--trusted-key", "key.pub.pem"], "--from `missing.kst`: no such table file"),
        ]
        for (arguments, message) in cases {
            let result = try KeyscopeCommand.run(["diff", "--now", "2026-11-27"] + arguments, in: dir)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
    }

    @Test func httpStates() throws {
        let dir = try fixtureRepository()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(
            try KeyscopeCommand.run(["compile", "policies", "--out", "tables"] + compileFlags, in: dir).status == 0)
        let table = try Data(contentsOf: dir.appendingPathComponent("tables/support-bot.kst"))
        let server = try LoopbackHTTPServer(routes: ["/support-bot/current.kst": table])
        defer { server.stop() }
        let served = try KeyscopeCommand.run(
            [
                "diff", "--from", "http://127.0.0.1:\(server.port)/support-bot/current.kst", "--trusted-key",
                "key.pub.pem", "--now", "2026-11-27", "--exit-code",
            ], in: dir)
        #expect(served.status == 0, "the served table is the working tree's policy: \(served.stdout) \(served.stderr)")
        let notFound = try KeyscopeCommand.run(
            [
                "diff", "--from", "http://127.0.0.1:\(server.port)/nope.kst", "--trusted-key", "key.pub.pem", "--now",
                "2026-11-27",
            ], in: dir)
        #expect(notFound.status == 1)
        #expect(notFound.stderr.contains("HTTP 404"))
        let refused = try KeyscopeCommand.run(
            [
                "diff", "--from", "http://127.0.0.1:\(LoopbackHTTPServer.unusedPort())/t.kst", "--trusted-key",
                "key.pub.pem", "--now", "2026-11-27",
            ], in: dir)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("GET http://127.0.0.1"))
        let silent = try LoopbackHTTPServer(routes: [:], respond: false)
        defer { silent.stop() }
        let timedOut = try KeyscopeCommand.run(
            [
                "diff", "--from", "http://127.0.0.1:\(silent.port)/t.kst", "--trusted-key", "key.pub.pem", "--now",
                "2026-11-27", "--timeout", "1",
            ], in: dir, timeLimit: 30)
        #expect(timedOut.status == 1)
        #expect(timedOut.stderr.contains("GET http://127.0.0.1"), "\(timedOut.stderr)")
        // Issue 11.6: a body over the table size limit is refused, not buffered.
        let huge = try LoopbackHTTPServer(routes: ["/huge.kst": Data(count: (256 << 20) + 1)])
        defer { huge.stop() }
        let tooLarge = try KeyscopeCommand.run(
            [
                "diff", "--from", "http://127.0.0.1:\(huge.port)/huge.kst", "--trusted-key", "key.pub.pem", "--now",
                "2026-11-27",
            ], in: dir, timeLimit: 60)
        #expect(tooLarge.status == 1)
        #expect(
            tooLarge.stderr.contains("larger than") || tooLarge.stderr.contains("too large")
                || tooLarge.stderr.contains("limit"), "\(tooLarge.stderr)")
    }

    @Test func codeownersFollowsThePolicy() throws {
        let dir = try fixtureRepository()
        defer { try? FileManager.default.removeItem(at: dir) }
        let generated = try KeyscopeCommand.run(["codeowners"], in: dir)
        #expect(generated.status == 0)
        if let failure = Snapshot.compare(generated.stdout, golden: Self.expected.appendingPathComponent("CODEOWNERS"))
        {
            Issue.record(Comment(rawValue: failure))
        }
        try Data(generated.stdout.utf8).write(to: dir.appendingPathComponent("CODEOWNERS"))
        #expect(try KeyscopeCommand.run(["codeowners", "--check", "CODEOWNERS"], in: dir).status == 0)
        try Data("# stale\n".utf8).write(to: dir.appendingPathComponent("CODEOWNERS"))
        let stale = try KeyscopeCommand.run(["codeowners", "--check", "CODEOWNERS"], in: dir)
        #expect(stale.status == 1)
        #expect(stale.stderr.contains("CODEOWNERS is stale"))
    }

    /// CODEOWNERS paths are the repository's, whatever directory the command runs from
    /// (`codeowners ../policies` from `docs/` once wrote `/docs/../policies/…`).
    @Test func codeownersPathsAreRelativeToTheRepositoryRoot() throws {
        let dir = try fixtureRepository()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fromRoot = try KeyscopeCommand.run(["codeowners"], in: dir)
        try FileManager.default.createDirectory(
            at: dir.appendingPathComponent("docs"), withIntermediateDirectories: true)
        let fromDocs = try KeyscopeCommand.run(["codeowners", "../policies"], in: dir.appendingPathComponent("docs"))
        let fromPolicies = try KeyscopeCommand.run(["codeowners", "."], in: dir.appendingPathComponent("policies"))
        #expect(
            fromRoot.status == 0 && fromDocs.status == 0 && fromPolicies.status == 0,
            "\(fromDocs.stderr)\(fromPolicies.stderr)")
        #expect(fromDocs.stdout == fromRoot.stdout)
        #expect(fromPolicies.stdout == fromRoot.stdout)
        #expect(!fromDocs.stdout.contains(".."))
    }

    /// A missing state is named as missing, in the terms of its kind, before trusted keys are
    /// asked for; git: states follow the policy root in use (--to), wherever the command runs.
    @Test func missingStatesAndGitStatesFromASubdirectory() throws {
        let dir = try fixtureRepository()
        defer { try? FileManager.default.removeItem(at: dir) }
        let policy = try KeyscopeCommand.run(["diff", "--from", "nope"], in: dir)
        #expect(policy.status == 1)
        #expect(policy.stderr.contains("--from `nope`: no such policy directory"), "\(policy.stderr)")
        let table = try KeyscopeCommand.run(["diff", "--from", "nope.kst"], in: dir)
        #expect(table.stderr.contains("--from `nope.kst`: no such table file"), "\(table.stderr)")
        #expect(!table.stderr.contains("trusted"))
        let keysDirectory = dir.appendingPathComponent("policies/keys")
        let defaultTo = try KeyscopeCommand.run(
            ["diff", "--from", "git:HEAD~1", "--now", "2026-11-27"], in: keysDirectory)
        #expect(defaultTo.status == 1)
        #expect(defaultTo.stderr.contains("no policy directory here"), "\(defaultTo.stderr)")
        let fromSubdirectory = try KeyscopeCommand.run(
            ["diff", "--from", "git:HEAD~1", "--to", "..", "--now", "2026-11-27", "--format", "json"], in: keysDirectory
        )
        let fromRoot = try KeyscopeCommand.run(
            ["diff", "--from", "git:HEAD~1", "--to", "policies", "--now", "2026-11-27", "--format", "json"], in: dir)
        #expect(fromSubdirectory.status == 0, "\(fromSubdirectory.stderr)")
        #expect(fromSubdirectory.stdout.replacingOccurrences(of: "\"..\"", with: "\"policies\"") == fromRoot.stdout)
    }
}
