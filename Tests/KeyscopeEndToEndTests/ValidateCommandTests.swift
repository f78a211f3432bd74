import Foundation
import KeyscopeTestSupport
import Testing

@Suite struct ValidateCommandTests {
    static let fixture = TestPaths.fixtures.appendingPathComponent("validate-errors")

    @Test(arguments: ["text", "json", "github", "sarif"])
    func goldenOutput(format: String) throws {
        let result = try KeyscopeCommand.run(
            ["validate", "policies", "--now", "2026-11-27", "--format", format], in: Self.fixture)
        #expect(result.status == 1, "stderr: \(result.stderr)")
        if let failure = Snapshot.compare(
            result.stdout, golden: Self.fixture.appendingPathComponent("expected/validate.\(format)"))
        {
            Issue.record(Comment(rawValue: failure))
        }
    }

    @Test func sarifIsWellFormed() throws {
        let result = try KeyscopeCommand.run(
            ["validate", "policies", "--now", "2026-11-27", "--format", "sarif"], in: Self.fixture)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["version"] as? String == "2.1.0")
        let runs = try #require(json["runs"] as? [[String: Any]])
        let results = try #require(runs.first?["results"] as? [[String: Any]])
        let rules = try #require(
            ((runs.first?["tool"] as? [String: Any])?["driver"] as? [String: Any])?["rules"] as? [[String: Any]])
        for item in results {
            let index = try #require(item["ruleIndex"] as? Int)
            #expect(rules[index]["id"] as? String == item["ruleId"] as? String)
        }
        // Issue 13.15: regions end where the caret line ends (exclusive endColumn, after startColumn).
        let regions = results.compactMap {
            (($0["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])?["region"]
                as? [String: Int]
        }
        #expect(!regions.isEmpty)
        for region in regions {
            let start = try #require(region["startColumn"])
            let end = try #require(region["endColumn"], "\(region)")
            #expect(end > start)
        }
    }

    @Test func exampleRepositoryValidates() throws {
        let result = try KeyscopeCommand.run(["validate", "--now", "2026-11-27"], in: TestPaths.packageRoot)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        // Only that it is clean: the example is the user's to edit, and no other test reads it.
        #expect(result.stdout.contains("0 errors, 0 warnings"), "\(result.stdout)")
    }

    @Test func strictFailsOnWarnings() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(
            at: TestPaths.fixtures.appendingPathComponent("example"), to: dir.appendingPathComponent("policies"))
        // A key that expired yesterday: a warning only.
        try TestPaths.write(
            [
                "policies/keys/old.yaml":
                    "apiVersion: keyscope/v1\nkind: KeySet\nproduct: support-bot\nowners: [support]\nkeys:\n  - name: old\n    audience: customer\n    capabilities: [cap_faq]\n    expires: 2026-11-26\n"
            ], under: dir)
        let lenient = try KeyscopeCommand.run(["validate", "--now", "2026-11-27"], in: dir)
        #expect(lenient.status == 0)
        #expect(lenient.stdout.contains("warning: key `old` expired on 2026-11-26 [expired-key]"))
        let strict = try KeyscopeCommand.run(["validate", "--now", "2026-11-27", "--strict"], in: dir)
        #expect(strict.status == 1)
    }

    @Test func usageErrorsExit64() throws {
        let badFormat = try KeyscopeCommand.run(["validate", "--format", "xml"], in: TestPaths.packageRoot)
        #expect(badFormat.status == 64)
        let badDate = try KeyscopeCommand.run(["validate", "--now", "27/11/2026"], in: TestPaths.packageRoot)
        #expect(badDate.status == 64)
        #expect(badDate.stderr.contains("--now expects a date as YYYY-MM-DD"))
        // Issue 13.11: a usage error found while running shows the subcommand's usage, not the root's.
        #expect(badDate.stderr.contains("Usage: keyscope validate"), "\(badDate.stderr)")
        #expect(!badDate.stderr.contains("keyscope <subcommand>"))
        let noKeys = try KeyscopeCommand.run(["verify", "t.kst"], in: FileManager.default.temporaryDirectory)
        #expect(noKeys.status == 64)
        #expect(noKeys.stderr.contains("Usage: keyscope verify"), "\(noKeys.stderr)")
        // Messages name a path once.
        let missing = try KeyscopeCommand.run(
            [
                "inspect", "nope.kst", "--trusted-key",
                TestPaths.fixtures.appendingPathComponent("table-vector/signing-key.pub.pem").path,
            ],
            in: FileManager.default.temporaryDirectory)
        #expect(missing.status == 1)
        #expect(missing.stderr == "Error: cannot read table nope.kst: no such file\n", "\(missing.stderr)")
    }

    /// Issue 13.13: --quiet shows errors only; many findings end with a count per rule; a terminal gets a
    /// progress line that is erased before the results, a pipe never does.
    @Test func quietSummaryByRuleAndProgress() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(
            at: TestPaths.fixtures.appendingPathComponent("example"), to: dir.appendingPathComponent("policies"))
        // Twelve keys that expired: twelve warnings of one rule.
        let keys = (1...12).map {
            "  - name: old-\($0)\n    description: old\n    audience: customer\n    capabilities: [cap_faq]\n    expires: 2020-01-01"
        }
        try TestPaths.write(
            [
                "policies/keys/old.yaml":
                    "apiVersion: keyscope/v1\nkind: KeySet\nproduct: support-bot\nowners: [support]\nkeys:\n"
                    + keys.joined(separator: "\n") + "\n"
            ], under: dir)
        let full = try KeyscopeCommand.run(["validate", "--now", "2026-11-27"], in: dir)
        #expect(full.stdout.contains("warning: key `old-3` expired"), "\(full.stdout)")
        #expect(full.stdout.hasSuffix("by rule: expired-key 12\n"), "\(full.stdout)")
        let quiet = try KeyscopeCommand.run(["validate", "--now", "2026-11-27", "--quiet"], in: dir)
        #expect(quiet.status == 0)
        #expect(!quiet.stdout.contains("warning:"))
        #expect(quiet.stdout.contains("0 errors, 12 warnings"))
        #expect(full.stderr.isEmpty, "no progress on a pipe: \(full.stderr)")
        // Through a pseudo-terminal (util-linux `script`), with the delay shortened: the line appears, then is erased.
        let log = dir.appendingPathComponent("tty.log")
        let command =
            "KEYSCOPE_PROGRESS_DELAY=0 \(TestPaths.keyscopeBinary.path) validate policies --now 2026-11-27 >/dev/null"
        let status = TestProcess.run(["script", "-qec", command, log.path], in: dir)
        #expect(status == 0, "script(1) is needed for this test (util-linux)")
        let terminal = String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self)
        #expect(terminal.contains("reading policies"), "\(terminal)")
        #expect(terminal.contains("\r\u{1B}[2K"))
        // compile: --color never keeps escapes out of stderr, --quiet prints nothing on success.
        let compile = try KeyscopeCommand.run(
            ["compile", "--now", "2026-11-27", "--quiet", "--signing-key", "k.pem"], in: dir)
        #expect(compile.status == 1)
        #expect(compile.stdout.isEmpty)
    }

    @Test func missingRootIsAClearError() throws {
        let result = try KeyscopeCommand.run(["validate", "no-such-dir"], in: TestPaths.packageRoot)
        #expect(result.status == 1)
        #expect(result.stderr.contains("policy root `no-such-dir` does not exist"))
    }

    @Test func pathsAreRelativeToWorkingDirectory() throws {
        let absolute = Self.fixture.appendingPathComponent("policies").path
        let result = try KeyscopeCommand.run(["validate", absolute, "--now", "2026-11-27"], in: Self.fixture)
        #expect(
            result.stdout.contains("\npolicies/keys/broken.yaml:5:10: error: unknown owner `mobil`")
                || result.stdout.hasPrefix("policies/"))
        #expect(!result.stdout.contains(Self.fixture.path))
    }
}

/// `validate FILE…` (what a pre-commit hook passes) validates the root the files belong to and
/// reports only their findings (#13.12).
@Suite struct ValidateFilesTests {
    @Test func namedFilesAreValidatedInTheirRoot() throws {
        let dir = try TestPaths.temporaryDirectory("keyscope-validate-files")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(
            at: TestPaths.fixtures.appendingPathComponent("example"), to: dir.appendingPathComponent("policies"))
        // One file with an error, another one clean.
        try TestPaths.write(
            [
                "policies/keys/broken.yaml": """
                apiVersion: keyscope/v1
                kind: KeySet
                product: support-bot
                owners: [support]
                keys:
                  - name: broken
                    audience: customer
                    capabilities: [cap_nope]

                """
            ], under: dir)
        let clean = try KeyscopeCommand.run(
            ["validate", "policies/keys/customers.yaml", "--now", "2026-11-27", "--format", "json"], in: dir)
        #expect(clean.status == 0, "product and owners of a key set are found in its root: \(clean.stdout)")
        #expect(!clean.stdout.contains("unknown-product") && !clean.stdout.contains("unknown-owner"))
        let broken = try KeyscopeCommand.run(
            ["validate", "policies/keys/broken.yaml", "policies/keys/customers.yaml", "--now", "2026-11-27"], in: dir)
        #expect(broken.status == 1)
        #expect(broken.stdout.contains("unknown capability `cap_nope`"))
        let outside = try KeyscopeCommand.run(
            ["validate", "policies/keys/customers.yaml", "--root", "elsewhere"], in: dir)
        #expect(outside.status == 1)
        #expect(outside.stderr.contains("no policy root `elsewhere`"))
    }

    @Test func preCommitHookIsShipped() throws {
        let hooks = try String(
            contentsOf: TestPaths.packageRoot.appendingPathComponent(".pre-commit-hooks.yaml"), encoding: .utf8)
        #expect(hooks.contains("id: keyscope-validate"))
        #expect(hooks.contains("entry: keyscope validate"))
        #expect(hooks.contains("pass_filenames: true"))
    }
}
