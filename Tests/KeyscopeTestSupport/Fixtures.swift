import Foundation

/// Paths of the package, its fixtures, and the built `keyscope` binary.
public enum TestPaths {
    /// The package root (found from this file's path).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// `Tests/Fixtures`.
    public static let fixtures: URL = packageRoot.appendingPathComponent("Tests/Fixtures")

    /// The `keyscope` executable built next to the test bundle (or `KEYSCOPE_BIN`).
    public static var keyscopeBinary: URL {
        if let override = ProcessInfo.processInfo.environment["KEYSCOPE_BIN"] { return URL(fileURLWithPath: override) }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("keyscope")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue
            {
                return candidate
            }
            directory = directory.deletingLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug/keyscope")
    }

    /// A new empty temporary directory.
    public static func temporaryDirectory(_ name: String = "keyscope-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes files (relative path -> text) under `root`.
    public static func write(_ files: [String: String], under root: URL) throws {
        for (path, text) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
    }
}

/// The outcome of running the binary.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    /// True when the process had to be killed for running past the time limit.
    public var timedOut: Bool
}

/// Runs the built `keyscope` binary, as a user or CI would.
public enum KeyscopeCommand {
    /// Runs `keyscope arguments…` in `directory`, killing it after `timeLimit` seconds (a hang guard, not a timing
    /// assertion).
    public static func run(
        _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:], stdin: Data? = nil,
        timeLimit: TimeInterval = 120
    ) throws -> CommandResult {
        let process = Process()
        process.executableURL = TestPaths.keyscopeBinary
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let outURL = FileManager.default.temporaryDirectory.appendingPathComponent("ks-out-\(UUID().uuidString)")
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("ks-err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        if let stdin {
            let pipe = Pipe()
            process.standardInput = pipe
            try process.run()
            pipe.fileHandleForWriting.write(stdin)
            try pipe.fileHandleForWriting.close()
        } else {
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }
        let deadline = Date().addingTimeInterval(timeLimit)
        var timedOut = false
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                timedOut = true
                break
            }
            usleep(2_000)
        }
        process.waitUntilExit()
        try out.close()
        try err.close()
        let stdout = String(decoding: try Data(contentsOf: outURL), as: UTF8.self)
        let stderr = String(decoding: try Data(contentsOf: errURL), as: UTF8.self)
        return CommandResult(status: process.terminationStatus, stdout: stdout, stderr: stderr, timedOut: timedOut)
    }
}

/// Runs a helper tool (git, openssl, …) through `/usr/bin/env`, output discarded.
public enum TestProcess {
    /// The exit status, or nil when the tool cannot be started.
    @discardableResult
    public static func run(_ arguments: [String], in directory: URL) -> Int32? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

extension TestPaths {
    /// Copies the test vector's signing key pair into `directory` as `NAME.pem` and `NAME.pub.pem`, and makes the
    /// private one 0600: git keeps no modes, and keyscope refuses a private key others can read.
    public static func installVectorKey(in directory: URL, name: String = "signing-key") throws {
        for suffix in [".pem", ".pub.pem"] {
            try FileManager.default.copyItem(
                at: fixtures.appendingPathComponent("table-vector/signing-key\(suffix)"),
                to: directory.appendingPathComponent(name + suffix))
        }
        try FileManager.default.setAttributes(
            [.posixPermissions: 0o600], ofItemAtPath: directory.appendingPathComponent("\(name).pem").path)
    }
}

/// A test step that could not be carried out, with the reason.
public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Edits the tests make to the example policy (`Tests/Fixtures/example`).
public enum ExampleEdit {
    /// `keys/customers.yaml` with customer-b also granted `cap_order_lookup` (the pull request of
    /// several tests); throws when the example no longer has the line to edit.
    public static func grantingCustomerBOrderLookup(_ customers: String) throws -> String {
        let scope = "description: Customer B - FAQ only\n    audience: customer\n    capabilities: [cap_faq]"
        guard customers.contains(scope) else {
            throw TestFailure("keys/customers.yaml no longer has customer-b's scope")
        }
        return customers.replacingOccurrences(of: scope, with: scope.dropLast() + ", cap_order_lookup]")
    }
}
