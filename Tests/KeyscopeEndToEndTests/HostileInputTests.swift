import Foundation
import KeyscopePolicy
import KeyscopeTestSupport
import Testing

/// One hostile file: its bytes, and the finding it must produce.
struct HostileCase: CustomTestStringConvertible, Sendable {
    var name: String
    var file: String = "hostile.yaml"
    var bytes: [UInt8]
    var rule: String
    var line: Int

    init(_ name: String, file: String = "hostile.yaml", _ text: String, rule: String = "yaml-syntax", line: Int) {
        self.name = name
        self.file = file
        self.bytes = Array(text.utf8)
        self.rule = rule
        self.line = line
    }

    init(_ name: String, bytes: [UInt8], rule: String = "yaml-syntax", line: Int) {
        self.name = name
        self.bytes = bytes
        self.rule = rule
        self.line = line
    }

    var testDescription: String { name }
}

let header = "apiVersion: keyscope/v1\nkind: Team\nid: t\nname: T\n"

let hostileCases: [HostileCase] = {
    var cases: [HostileCase] = []
    var laughs = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
    for level in 1..<10 {
        let previous = Character(Unicode.Scalar(UInt8(ascii: "a") + UInt8(level - 1)))
        let name = Character(Unicode.Scalar(UInt8(ascii: "a") + UInt8(level)))
        laughs += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ",") + "]\n"
    }
    cases.append(HostileCase("billion laughs", laughs, line: 1))
    cases.append(
        HostileCase(
            "10,000-deep flow nesting",
            String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "\n", line: 1))
    var block = ""
    for depth in 0..<2_000 { block += String(repeating: " ", count: depth) + "k:\n" }
    cases.append(HostileCase("2,000-deep block nesting", block, line: 65))
    cases.append(
        HostileCase(
            "deep mapping in flow",
            String(repeating: "{a: ", count: 5_000) + "1" + String(repeating: "}", count: 5_000) + "\n", line: 1))
    cases.append(HostileCase("byte-order mark", "\u{FEFF}" + header, line: 1))
    cases.append(HostileCase("tab indentation", "apiVersion: keyscope/v1\nkind: Team\n\tid: t\n", line: 3))
    cases.append(HostileCase("tab after a key", "apiVersion: keyscope/v1\nkind:\tTeam\n", line: 2))
    cases.append(HostileCase("NUL byte", "apiVersion: keyscope/v1\nkind: Te\u{0}am\n", line: 2))
    cases.append(
        HostileCase("invalid UTF-8", bytes: Array("apiVersion: keyscope/v1\nkind: ".utf8) + [0xFF, 0xFE], line: 2))
    cases.append(
        HostileCase("overlong UTF-8", bytes: Array("apiVersion: keyscope/v1\n\nid: ".utf8) + [0xC0, 0x80], line: 3))
    cases.append(HostileCase("UTF-16 surrogate in UTF-8", bytes: Array("a: ".utf8) + [0xED, 0xA0, 0x80], line: 1))
    cases.append(HostileCase("truncated UTF-8", bytes: Array("a: b\nc: ".utf8) + [0xE2, 0x82], line: 2))
    cases.append(HostileCase("anchor", header + "reviewers: &r [\"@a\"]\n", line: 5))
    cases.append(HostileCase("alias", header + "description: *x\n", line: 5))
    cases.append(HostileCase("merge key", "apiVersion: keyscope/v1\nkind: Team\n<<: {id: t, name: T}\n", line: 3))
    cases.append(HostileCase("explicit !!str tag", header + "description: !!str hi\n", line: 5))
    cases.append(HostileCase("custom tag", header + "reviewers: !grant [\"@a\"]\n", line: 5))
    cases.append(HostileCase("%TAG directive", "%TAG !g! tag:evil.example,2024:\n---\n" + header, line: 1))
    cases.append(HostileCase("complex key", header + "? [a, b]\n: c\n", line: 5))
    cases.append(HostileCase("duplicate key", header + "name: Other\n", line: 5))
    cases.append(HostileCase("1,001 documents", String(repeating: "---\n" + header, count: 1_001), line: 5_001))
    cases.append(
        HostileCase(
            "unterminated flow sequence", "apiVersion: keyscope/v1\nkind: Team\nreviewers: [\"@a\"\nid: t\n", line: 4))
    cases.append(HostileCase("unterminated quoted string", "apiVersion: keyscope/v1\nkind: \"Team\nid: t\n", line: 4))
    cases.append(HostileCase("bad indentation", "apiVersion: keyscope/v1\nkind: Team\n  id: t\n", line: 3))
    cases.append(HostileCase("reserved indicator", "apiVersion: keyscope/v1\nkind: @Team\n", line: 2))
    cases.append(HostileCase("unsupported YAML version", "%YAML 2.0\n---\n" + header, line: 1))
    cases.append(HostileCase("document is a scalar", "just text\n", rule: "schema", line: 1))
    cases.append(HostileCase("document is a list", "- a\n- b\n", rule: "schema", line: 1))
    cases.append(HostileCase("unknown kind", "apiVersion: keyscope/v1\nkind: Policy\n", rule: "schema", line: 2))
    cases.append(
        HostileCase(
            "wrong apiVersion", "apiVersion: keyscope/v9\nkind: Team\nid: t\nname: T\n", rule: "schema", line: 1))
    cases.append(
        HostileCase(
            "yes is not a boolean",
            "apiVersion: keyscope/v1\nkind: KeySet\nproduct: p\nkeys:\n  - name: k\n    audience: internal\n    unscoped: yes\n",
            rule: "schema", line: 7))
    cases.append(
        HostileCase(
            "0755 is not a date",
            "apiVersion: keyscope/v1\nkind: KeySet\nproduct: p\nkeys:\n  - name: k\n    audience: internal\n    capabilities: [cap_a]\n    expires: 0755\n",
            rule: "schema", line: 8))
    cases.append(HostileCase("number where a list goes", header + "reviewers: 42\n", rule: "schema", line: 5))
    cases.append(
        HostileCase("terminal escape in a field name", header + "\"\\e]0;pwned\\a\": 1\n", rule: "schema", line: 5))
    cases.append(
        HostileCase(
            "bidi override in a value", "apiVersion: keyscope/v1\nkind: Team\nid: \"t\u{202E}x\"\nname: T\n",
            rule: "schema", line: 3))
    cases.append(
        HostileCase("forged workflow command", header + "\"x\\n::error file=a::forged\": 1\n", rule: "schema", line: 5))
    cases.append(
        HostileCase("long field name", header + String(repeating: "k", count: 1_000) + ": 1\n", rule: "schema", line: 5)
    )
    cases.append(HostileCase("megabyte-long key", header + String(repeating: "k", count: 1 << 20) + ": 1\n", line: 5))
    cases.append(
        HostileCase(
            "megabyte-long value", header + "description: " + String(repeating: "v", count: 1 << 20) + "\nbogus: 1\n",
            rule: "schema", line: 6))
    // SPEC §12 (issue 15): fingerprints and routes written to confuse.
    let product =
        "apiVersion: keyscope/v1\nkind: Product\nid: p\nname: P\ncapabilities:\n  - id: cap_a\n    name: A\n    owner: t\n"
    let keySet =
        "apiVersion: keyscope/v1\nkind: KeySet\nproduct: p\nowners: [t]\nkeys:\n  - name: k\n    audience: customer\n    capabilities: [cap_a]\n"
    let digest = String(repeating: "7e", count: 32)
    for (name, fingerprint) in [
        ("upper-case fingerprint", "sha256:" + digest.uppercased()), ("fingerprint without prefix", digest),
        ("short fingerprint", "sha256:" + digest.dropLast(2)),
        ("secret pasted as fingerprint", "sk_live_abcdef0123456789"),
        ("fingerprint with a newline", "sha256:\(digest)\\n"),
    ] {
        cases.append(
            HostileCase(name, keySet + "    fingerprints: [\"\(fingerprint)\"]\n", rule: "schema", line: 9))
    }
    cases.append(
        HostileCase(
            "one fingerprint on two keys",
            keySet
                + "    fingerprints: [\"sha256:\(digest)\"]\n  - name: j\n    audience: customer\n    capabilities: [cap_a]\n    fingerprints: [\"sha256:\(digest)\"]\n"
                + "---\n" + product + "---\napiVersion: keyscope/v1\nkind: Team\nid: t\nname: T\n",
            rule: "duplicate-fingerprint", line: 13))
    for (name, route) in [
        ("route with a dot-dot segment", "GET /v1/../admin"), ("route with an encoded dot-dot", "GET /v1/%2e%2e/admin"),
        ("route with a double slash", "GET /v1//admin"), ("route without a method", "/v1/faq"),
        ("route with a lower-case method", "get /v1/faq"), ("route with a query", "GET /v1/faq?admin=1"),
        ("route with a rest in the middle", "GET /v1/{rest...}/admin"),
        ("route with a terminal escape", "GET /v1/\\e[31m"),
    ] {
        cases.append(HostileCase(name, product + "    routes: [\"\(route)\"]\n", rule: "schema", line: 9))
    }
    cases.append(
        HostileCase(
            "two templates matching the same requests",
            product
                + "    routes: [\"GET /v1/orders/{id}\"]\n  - id: cap_b\n    name: B\n    owner: t\n    routes: [\"GET /v1/orders/{order}\"]\n"
                + "---\napiVersion: keyscope/v1\nkind: Team\nid: t\nname: T\n",
            rule: "duplicate-route", line: 13))
    cases.append(
        HostileCase(
            "JSON syntax error", file: "hostile.json", "{\"apiVersion\": \"keyscope/v1\",\n \"kind\": \"Team\"\n",
            line: 3))
    return cases
}()

@Suite struct HostileInputTests {
    @Test(arguments: hostileCases)
    func hostileFileIsRefusedClearly(_ hostile: HostileCase) throws {
        let dir = try TestPaths.temporaryDirectory("keyscope-hostile")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(hostile.bytes).write(to: dir.appendingPathComponent(hostile.file))
        let result = try KeyscopeCommand.run(
            ["validate", ".", "--format", "json", "--now", "2026-11-27"], in: dir, timeLimit: 30)
        #expect(!result.timedOut, "did not finish")
        #expect(result.status == 1, "exit \(result.status); stderr: \(result.stderr)")
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
            "output: \(result.stdout.prefix(300))")
        let diagnostics = try #require(json["diagnostics"] as? [[String: Any]])
        let match = diagnostics.first {
            ($0["rule"] as? String) == hostile.rule && ($0["file"] as? String) == hostile.file
                && ($0["line"] as? Int) == hostile.line
        }
        #expect(
            match != nil,
            "expected \(hostile.rule) at \(hostile.file):\(hostile.line); got \(diagnostics.map { "\($0["rule"]!) \($0["line"]!) \($0["message"]!)" })"
        )
        // Nothing from the input reaches the text output unescaped.
        let text = try KeyscopeCommand.run(["validate", ".", "--now", "2026-11-27"], in: dir, timeLimit: 30)
        #expect(!text.stdout.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x202E || $0.value == 0x07 })
        let github = try KeyscopeCommand.run(
            ["validate", ".", "--format", "github", "--now", "2026-11-27"], in: dir, timeLimit: 30)
        let commands = github.stdout.split(separator: "\n").filter { $0.hasPrefix("::") }
        #expect(commands.count == diagnostics.count, "each finding is exactly one workflow command")
    }

    @Test func fiftyMegabyteScalarIsRefusedBeforeReading() throws {
        let dir = try TestPaths.temporaryDirectory("keyscope-hostile")
        defer { try? FileManager.default.removeItem(at: dir) }
        var bytes = Array("apiVersion: keyscope/v1\nkind: Team\nid: t\nname: T\ndescription: ".utf8)
        bytes += [UInt8](repeating: UInt8(ascii: "x"), count: 50 << 20)
        try Data(bytes).write(to: dir.appendingPathComponent("huge.yaml"))
        let result = try KeyscopeCommand.run(["validate", ".", "--now", "2026-11-27"], in: dir, timeLimit: 30)
        #expect(result.status == 1)
        #expect(
            result.stdout.contains(
                "huge.yaml:1:1: error: file is 52428862 bytes, more than the limit of 16777216 [yaml-syntax]"))
    }

    @Test func symlinkLoopsAndEscapesAreNotFollowed() throws {
        let dir = try TestPaths.temporaryDirectory("keyscope-links")
        let outside = try TestPaths.temporaryDirectory("keyscope-outside")
        defer {
            try? FileManager.default.removeItem(at: dir)
            try? FileManager.default.removeItem(at: outside)
        }
        try TestPaths.write(["policies/team.yaml": header, "secret.yaml": "not: policy\n"], under: dir)
        try TestPaths.write(["evil.yaml": "apiVersion: keyscope/v1\nkind: Nope\n"], under: outside)
        let policies = dir.appendingPathComponent("policies")
        try FileManager.default.createSymbolicLink(
            atPath: policies.appendingPathComponent("loop").path, withDestinationPath: ".")
        try FileManager.default.createSymbolicLink(
            atPath: policies.appendingPathComponent("up").path, withDestinationPath: "..")
        try FileManager.default.createSymbolicLink(
            atPath: policies.appendingPathComponent("out").path, withDestinationPath: outside.path)
        try FileManager.default.createSymbolicLink(
            atPath: policies.appendingPathComponent("again.yaml").path, withDestinationPath: "team.yaml")
        let result = try KeyscopeCommand.run(["validate", "policies", "--now", "2026-11-27"], in: dir, timeLimit: 30)
        #expect(!result.timedOut)
        // The link to a file inside the root is read (a duplicate team); nothing outside is.
        #expect(result.stdout.contains("policies/team.yaml:3:5: error: duplicate team `t` [duplicate-team]"))
        #expect(!result.stdout.contains("evil"))
        #expect(!result.stdout.contains("secret"))
        #expect(result.stdout.contains("checked 2 files"))
        // Issue 11.11: every link not followed is named, so no file is silently unread.
        #expect(result.status == 1)
        #expect(
            result.stdout.contains("`policies/loop` is a symbolic link to a directory already read (a loop)"),
            "\(result.stdout)")
        #expect(result.stdout.contains("`policies/up` is a symbolic link to a path outside the policy root"))
        #expect(result.stdout.contains("`policies/out` is a symbolic link to a path outside the policy root"))
    }

    /// Issue 11.11: an empty or comment-only file is a warning; a wrongly typed field is one error, not two.
    @Test func emptyFilesWarnAndTypeErrorsDoNotCascade() throws {
        let dir = try TestPaths.temporaryDirectory("keyscope-cascade")
        defer { try? FileManager.default.removeItem(at: dir) }
        try TestPaths.write(
            [
                "team.yaml": header, "empty.yaml": "", "comments.yaml": "# placeholder\n",
                "product.yaml":
                    "apiVersion: keyscope/v1\nkind: Product\nid: p\nname: P\ncapabilities:\n  - {id: cap_a, name: A, owner: t}\n",
            ], under: dir)
        let clean = try KeyscopeCommand.run(["validate", ".", "--now", "2026-11-27"], in: dir)
        #expect(clean.status == 0, "\(clean.stdout)")
        #expect(clean.stdout.contains("empty.yaml:1:1: warning: file holds no YAML document [yaml-syntax]"))
        #expect(clean.stdout.contains("comments.yaml:1:1: warning: file holds no YAML document [yaml-syntax]"))
        try TestPaths.write(
            [
                "keys.yaml":
                    "apiVersion: keyscope/v1\nkind: KeySet\nproduct: p\nowners: [t]\nkeys:\n  - name: k\n    audience: customer\n    capabilities: cap_a\n"
            ], under: dir)
        let typed = try KeyscopeCommand.run(["validate", ".", "--now", "2026-11-27", "--format", "json"], in: dir)
        #expect(typed.status == 1)
        #expect(typed.stdout.contains("[schema]") || typed.stdout.contains("\"schema\""))
        #expect(!typed.stdout.contains("has no scope"), "\(typed.stdout)")
    }

    @Test func oneBadFileDoesNotHideOthers() throws {
        let dir = try TestPaths.temporaryDirectory("keyscope-hostile")
        defer { try? FileManager.default.removeItem(at: dir) }
        try TestPaths.write(
            ["a.yaml": "a: [\n", "b.yaml": "apiVersion: keyscope/v1\nkind: Team\nid: t\nname: T\nbogus: 1\n"],
            under: dir)
        let result = try KeyscopeCommand.run(["validate", "."], in: dir)
        #expect(result.stdout.contains("a.yaml:2:1: error:"))
        #expect(result.stdout.contains("b.yaml:5:1: error: unknown field `bogus` in a team [schema]"))
    }

    @Test func unreadableFileIsReported() throws {
        let dir = try TestPaths.temporaryDirectory("keyscope-hostile")
        defer { try? FileManager.default.removeItem(at: dir) }
        try TestPaths.write(["a.yaml": header], under: dir)
        chmod(dir.appendingPathComponent("a.yaml").path, 0)
        guard getuid() == 0 else {
            let result = try KeyscopeCommand.run(["validate", "."], in: dir)
            #expect(result.status == 1)
            #expect(result.stdout.contains("a.yaml:1:1: error: cannot read file"))
            return
        }
        // Root reads everything: run the check as `nobody` (setpriv, util-linux), never skip it.
        // The binary is copied beside the file: the checkout may sit where `nobody` cannot reach.
        chmod(dir.path, 0o755)
        let binary = dir.appendingPathComponent("keyscope-copy")
        try FileManager.default.copyItem(at: TestPaths.keyscopeBinary, to: binary)
        chmod(binary.path, 0o755)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", binary.path, "validate", "a.yaml",
        ]
        process.currentDirectoryURL = dir
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1, "\(output)")
        #expect(output.contains("a.yaml:1:1: error: cannot read file"), "\(output)")
    }
}

/// Issue 11.2: a file name is the pull request author's text, and it reaches CODEOWNERS.
@Suite struct HostileFileNameTests {
    @Test func unsafeFileNamesAreRefusedNotRead() throws {
        let dir = try TestPaths.temporaryDirectory("hostile-names")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(
            at: TestPaths.fixtures.appendingPathComponent("example"), to: dir.appendingPathComponent("policies"))
        let hostile = "zz\n*.yaml\t@attacker.yaml"
        try Data("apiVersion: keyscope/v1\nkind: Team\nid: attacker\nname: A\n".utf8).write(
            to: dir.appendingPathComponent("policies/\(hostile)"))
        let validate = try KeyscopeCommand.run(
            ["validate", "policies", "--now", "2026-11-27", "--format", "github"], in: dir)
        #expect(validate.status == 1)
        #expect(validate.stdout.contains("file-name"), "\(validate.stdout)")
        #expect(!validate.stdout.contains("\n*.yaml"), "the name reached the output raw")
        let codeowners = try KeyscopeCommand.run(["codeowners", "policies"], in: dir)
        #expect(codeowners.status == 1)
        #expect(!codeowners.stdout.contains("@attacker"))
        #expect(PolicyLoader.isSafeName("keys/customers.yaml"))
        for name in ["a b.yaml", "../x.yaml", "keys/.hidden.yaml", "-rf.yaml", "a//b.yaml", "ä.yaml", "a\\b.yaml"] {
            #expect(!PolicyLoader.isSafeName(name), "\(name)")
        }
    }
}

/// Issue 11.4: findings are bounded per rule and file, and suggestions per rule, whatever the file holds.
@Suite struct FindingCapTests {
    @Test func thousandsOfUnknownReferencesAreCountedNotListed() throws {
        let dir = try TestPaths.temporaryDirectory("keyscope-caps")
        defer { try? FileManager.default.removeItem(at: dir) }
        let capabilities = (0..<2_000).map { "  - {id: cap_c\($0), name: C, owner: t}" }.joined(separator: "\n")
        // One line of 5,000 unknown references: every finding points into the same long line.
        let references = (0..<5_000).map { "cap_x\($0)" }.joined(separator: ", ")
        try TestPaths.write(
            [
                "team.yaml": header,
                "product.yaml":
                    "apiVersion: keyscope/v1\nkind: Product\nid: p\nname: P\ncapabilities:\n\(capabilities)\n",
                "keys.yaml":
                    "apiVersion: keyscope/v1\nkind: KeySet\nproduct: p\nowners: [t]\nkeys:\n  - {name: k, audience: internal, capabilities: [\(references)]}\n",
            ], under: dir)
        let result = try KeyscopeCommand.run(["validate", ".", "--now", "2026-11-27"], in: dir, timeLimit: 60)
        #expect(result.status == 1)
        let findings = result.stdout.split(separator: "\n").filter { $0.contains("[unknown-capability]") }
        #expect(findings.count == PolicyValidator.findingsPerRuleAndFile + 1, "\(findings.count)")
        #expect(result.stdout.contains("… and 4900 more `unknown-capability` findings in this file, not shown"))
        // Excerpts are cut around the caret, not the whole 60 KB line.
        #expect(result.stdout.split(separator: "\n").allSatisfy { $0.count < 400 })
        #expect(result.stdout.contains("did you mean `cap_c1`?") || result.stdout.contains("did you mean"))
    }
}

/// Issue 11.8: names and reviewers are shown to people as they are written, so they may hold no control or bidi
/// character.
@Suite struct HostileTextTests {
    @Test func namesAndReviewersRefuseInvisibleCharacters() throws {
        let dir = try TestPaths.temporaryDirectory("keyscope-text")
        defer { try? FileManager.default.removeItem(at: dir) }
        for (index, (field, value)) in [
            ("name", "Support\u{202E}gnp.exe"), ("name", "Support\u{200B}"), ("name", "ok\u{1B}[31m"),
            ("reviewers", "[\"a`b@example.com\"]"), ("reviewers", "[\"x@exa\u{202E}mple.com\"]"),
            ("reviewers", "[\"x@exa\u{2028}mple.com\"]"),
            ("reviewers", "[\"x@exa\u{7F}mple.com\"]"),
        ].enumerated() {
            let text =
                field == "name"
                ? "apiVersion: keyscope/v1\nkind: Team\nid: t\nname: \"\(value)\"\n"
                : "apiVersion: keyscope/v1\nkind: Team\nid: t\nname: T\nreviewers: \(value)\n"
            try Data(text.utf8).write(to: dir.appendingPathComponent("team.yaml"))
            let result = try KeyscopeCommand.run(
                ["validate", ".", "--now", "2026-11-27", "--format", "github"], in: dir)
            #expect(result.status == 1, "case \(index): \(result.stdout)")
            // Raw controls are already refused by the reader; the others by the schema.
            #expect(
                result.stdout.contains("keyscope schema") || result.stdout.contains("keyscope yaml-syntax"),
                "case \(index): \(result.stdout)")
            #expect(
                !result.stdout.unicodeScalars.contains {
                    $0.value == 0x1B || $0.value == 0x202E || $0.value == 0x200B || $0.value == 0x2028
                        || $0.value == 0x7F
                }, "case \(index)")
        }
        try Data(
            "apiVersion: keyscope/v1\nkind: Team\nid: t\nname: Support Team ✓\nreviewers: [\"@acme/support\", \"first.last+keys@example.co.uk\"]\n"
                .utf8
        ).write(to: dir.appendingPathComponent("team.yaml"))
        #expect(try KeyscopeCommand.run(["validate", ".", "--now", "2026-11-27"], in: dir).status == 0)
    }
}
