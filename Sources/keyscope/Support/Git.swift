import Foundation

/// The few git calls keyscope makes, through the `git` binary itself.
enum Git {
    /// `git rev-parse HEAD` in `directory`, or nil when it is not in a git repository.
    static func headRevision(of directory: String) -> String? {
        guard let output = try? run(["-C", directory, "rev-parse", "HEAD"]), output.status == 0 else { return nil }
        let revision = String(decoding: output.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return revision.isEmpty ? nil : revision
    }

    /// Whether `directory` has uncommitted changes (tracked or untracked) below it; nil outside a repository.
    static func isDirty(_ directory: String) -> Bool? {
        guard let output = try? run(["-C", directory, "status", "--porcelain", "--", "."]), output.status == 0 else { return nil }
        return !output.stdout.isEmpty
    }

    /// The working directory's path inside its repository (`git rev-parse --show-prefix`), or nil outside one.
    static func prefix(of directory: String) -> String? {
        guard let output = try? run(["-C", directory, "rev-parse", "--show-prefix"]), output.status == 0 else { return nil }
        return String(decoding: output.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    struct Output {
        var status: Int32
        var stdout: Data
        var stderr: Data
    }

    static func run(_ arguments: [String], directory: String? = nil) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes fully before waiting, so a large output cannot deadlock.
        let group = DispatchGroup()
        nonisolated(unsafe) var stderrData = Data()
        group.enter()
        DispatchQueue.global().async {
            stderrData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: stdoutData, stderr: stderrData)
    }
}
