import Foundation
import KeyscopeTestSupport
import Testing

@Suite struct UtilityCommandTests {
    /// The generated corpus is a valid repository at its reference date, with the requested shape.
    @Test func generatedCorpusValidates() throws {
        let dir = try TestPaths.temporaryDirectory("keyscope-corpus")
        defer { try? FileManager.default.removeItem(at: dir) }
        let generated = try KeyscopeCommand.run(
            ["generate-corpus", "--preset", "small", "--keys", "1500", "--out", "corpus"], in: dir)
        #expect(generated.status == 0, "\(generated.stderr)")
        let date = try #require(
            generated.stdout.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
        let validated = try KeyscopeCommand.run(["validate", "corpus", "--now", date], in: dir)
        #expect(validated.status == 0, "\(validated.stdout.suffix(500))")
        #expect(validated.stdout.contains("50 capabilities, 1500 keys; 0 errors"))
        // Deterministic: the same parameters give the same files.
        #expect(
            try KeyscopeCommand.run(
                ["generate-corpus", "--preset", "small", "--keys", "1500", "--out", "again"], in: dir
            ).status == 0)
        let first = try Data(contentsOf: dir.appendingPathComponent("corpus/keys/keys-00003.yaml"))
        let second = try Data(contentsOf: dir.appendingPathComponent("again/keys/keys-00003.yaml"))
        #expect(first == second)
        // The changed copy differs and still validates.
        #expect(
            try KeyscopeCommand.run(
                [
                    "generate-corpus", "--preset", "small", "--keys", "1500", "--changed-percent", "5", "--out",
                    "changed",
                ], in: dir
            ).status == 0)
        #expect(try KeyscopeCommand.run(["validate", "changed", "--now", date], in: dir).status == 0)
        // Issue 13.1: a non-empty directory is refused, and nothing in it changes.
        let before = try Data(contentsOf: dir.appendingPathComponent("corpus/keys/keys-00003.yaml"))
        let again = try KeyscopeCommand.run(
            ["generate-corpus", "--preset", "small", "--keys", "10", "--out", "corpus"], in: dir)
        #expect(again.status == 1)
        #expect(again.stderr.contains("is not empty"), "\(again.stderr)")
        #expect(try Data(contentsOf: dir.appendingPathComponent("corpus/keys/keys-00003.yaml")) == before)
    }

    /// `keyscope schema` writes exactly the committed JSON Schemas.
    @Test func schemaCommandMatchesCommittedSchemas() throws {
        let dir = try TestPaths.temporaryDirectory("keyscope-schema")
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try KeyscopeCommand.run(["schema", "--out", "out"], in: dir)
        #expect(result.status == 0)
        let committed = TestPaths.packageRoot.appendingPathComponent("schemas")
        let names = try FileManager.default.contentsOfDirectory(atPath: committed.path).sorted()
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("out").path).sorted()
                == names)
        for name in names {
            #expect(
                try Data(contentsOf: committed.appendingPathComponent(name))
                    == Data(contentsOf: dir.appendingPathComponent("out/\(name)")), "\(name)")
        }
    }
}

/// `keyscope init` writes a repository that validates, and never over existing files (#13.19).
@Suite struct InitCommandTests {
    @Test func initWritesARepositoryThatValidates() throws {
        let dir = try TestPaths.temporaryDirectory("keyscope-init")
        defer { try? FileManager.default.removeItem(at: dir) }
        let created = try KeyscopeCommand.run(["init"], in: dir)
        #expect(created.status == 0, "\(created.stderr)")
        let validated = try KeyscopeCommand.run(["validate", "policies", "--now", "2026-11-27"], in: dir)
        #expect(validated.status == 0, "\(validated.stdout)\(validated.stderr)")
        #expect(validated.stdout.contains("0 errors, 0 warnings"), "\(validated.stdout)")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("schemas/keyset.schema.json").path))
        // Again: refused, and nothing is changed.
        let product = try Data(contentsOf: dir.appendingPathComponent("policies/product.yaml"))
        let again = try KeyscopeCommand.run(["init", "--product", "other"], in: dir)
        #expect(again.status == 1)
        #expect(again.stderr.contains("already exists"))
        #expect(try Data(contentsOf: dir.appendingPathComponent("policies/product.yaml")) == product)
    }

    @Test func workflowIsWrittenOnlyWhenPinned() throws {
        let dir = try TestPaths.temporaryDirectory("keyscope-init-ci")
        defer { try? FileManager.default.removeItem(at: dir) }
        let unpinned = try KeyscopeCommand.run(
            ["init", "repo", "--workflow-repository", "acme/keyscope", "--workflow-ref", "main"], in: dir)
        #expect(unpinned.status == 64)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("repo").path))
        let ref = String(repeating: "ab", count: 20)
        let pinned = try KeyscopeCommand.run(
            ["init", "repo", "--workflow-repository", "acme/keyscope", "--workflow-ref", ref], in: dir)
        #expect(pinned.status == 0, "\(pinned.stderr)")
        let workflow = try String(
            contentsOf: dir.appendingPathComponent("repo/.github/workflows/keyscope.yml"), encoding: .utf8)
        #expect(workflow.contains("repository: acme/keyscope, ref: \(ref)"))
    }
}

/// SPEC §12: `keyscope fingerprint` reads the secret from standard input only, agrees with sha256sum, drops one
/// trailing newline, refuses short secrets, and never prints the secret.
@Test func fingerprintReadsTheSecretFromStandardInput() throws {
    let secret = "ks_live_9f8e7d6c5b4a39281706"
    let piped = try KeyscopeCommand.run(["fingerprint"], stdin: Data(secret.utf8))
    #expect(piped.status == 0, "\(piped.stderr)")
    // The reference: sha256sum of the same bytes.
    let reference = Process()
    reference.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    reference.arguments = ["sha256sum"]
    let input = Pipe()
    let output = Pipe()
    reference.standardInput = input
    reference.standardOutput = output
    try reference.run()
    input.fileHandleForWriting.write(Data(secret.utf8))
    try input.fileHandleForWriting.close()
    reference.waitUntilExit()
    let digest = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64)
    #expect(piped.stdout == "sha256:\(digest)\n")
    let echoed = try KeyscopeCommand.run(["fingerprint"], stdin: Data((secret + "\n").utf8))
    #expect(echoed.stdout == piped.stdout, "one trailing newline is not part of the secret")
    #expect(!piped.stdout.contains(secret) && !piped.stderr.contains(secret))
    let short = try KeyscopeCommand.run(["fingerprint"], stdin: Data("short".utf8))
    #expect(short.status == 1)
    #expect(short.stderr.contains("at least 16 are needed"), "\(short.stderr)")
    let argument = try KeyscopeCommand.run(["fingerprint", secret])
    #expect(argument.status == 64, "a secret is never taken from an argument")
    #expect(!argument.stderr.contains(secret), "nor repeated back: \(argument.stderr)")
    #expect(argument.stderr.contains("reads the secret from standard input"))
}
