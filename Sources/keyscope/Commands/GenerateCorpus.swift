import ArgumentParser
import Foundation
import KeyscopeCorpus

struct GenerateCorpus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-corpus",
        abstract: "Generate a deterministic policy repository of a given size (SPEC §10), for benchmarks and tests.",
        discussion: "Validate it with --now set to the reference date the command prints."
    )

    @Option(help: "Preset: small, medium or large.")
    var preset: String = "small"
    @Option(help: "Override: number of capabilities.") var capabilities: Int?
    @Option(help: "Override: number of teams.") var teams: Int?
    @Option(help: "Override: number of keys.") var keys: Int?
    @Option(help: "Override: number of key files.") var files: Int?
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Write a copy with this percentage of keys changed (for diff benchmarks).") var changedPercent:
        Double?
    @Option(help: "Output directory (must not exist or be empty).") var out: String

    func run() throws {
        guard var parameters = CorpusParameters.preset(preset) else {
            throw ValidationError("unknown preset \(preset); use small, medium or large")
        }
        if let capabilities { parameters.capabilities = capabilities }
        if let teams { parameters.teams = teams }
        if let keys { parameters.keys = keys }
        if let files { parameters.files = files }
        parameters.seed = seed
        guard parameters.capabilities > 0, parameters.teams > 0, parameters.keys >= 0, parameters.files > 0 else {
            throw ValidationError("counts must be positive")
        }
        // Never write over what is there: the corpus replaces files by name (product.yaml, …).
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: out), !entries.isEmpty {
            throw CommandFailure("\(out) is not empty; generate-corpus writes only into a new or empty directory")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw CommandFailure("\(out) exists and is not a directory")
        }
        let generator = CorpusGenerator(parameters)
        let output = changedPercent.map { generator.changedFiles(percent: $0) } ?? generator.files()
        var bytes = 0
        for file in output {
            try FileOutput.writeAtomically(Array(file.contents.utf8), to: out + "/" + file.path)
            bytes += file.contents.utf8.count
        }
        print("wrote \(output.count) files (\(bytes) bytes) to \(out); validate with --now \(parameters.referenceDate)")
    }
}
