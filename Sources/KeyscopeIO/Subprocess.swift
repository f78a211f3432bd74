import Foundation
import Synchronization

/// Runs a program to completion: the only place a keyscope library starts a process.
///
/// Both pipes are read to their ends before waiting, so a child that writes a lot to
/// either cannot block on a full pipe; standard input is `/dev/null`.
public enum Subprocess {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: [UInt8]
        public var stderr: [UInt8]

        /// Standard error as one trimmed line of text, for messages.
        public var errorText: String {
            String(decoding: stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// Runs `arguments[0]` found on `PATH` (through `/usr/bin/env`), in `directory` if given.
    /// A program that cannot be started gives status 127, as a shell would.
    public static func run(_ arguments: [String], directory: String? = nil) -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return Output(status: 127, stdout: [], stderr: Array("cannot run \(arguments.first ?? "?"): \(error)".utf8))
        }
        let errorPipe = PipeDrain(err.fileHandleForReading)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = errorPipe.wait()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: Array(stdout), stderr: stderr)
    }
}

/// Reads a pipe to its end on a background queue.
private final class PipeDrain: Sendable {
    private let result = Mutex<[UInt8]>([])
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        DispatchQueue.global().async {
            let all = handle.readDataToEndOfFile()
            self.result.withLock { $0 = Array(all) }
            self.done.signal()
        }
    }

    func wait() -> [UInt8] {
        done.wait()
        return result.withLock { $0 }
    }
}

extension Subprocess {
    /// The path of `name` beside the running executable, else on PATH; nil when neither has it.
    public static func companion(_ name: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if length > 0 {
            let me = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let slash = me.lastIndex(of: "/") {
                let candidate = String(me[..<slash]) + "/" + name
                if access(candidate, X_OK) == 0 { return candidate }
            }
        }
        for directory in (getenv("PATH").map { String(cString: $0) } ?? "").split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// Replaces this process with `path` (execv): the caller's pid, signals and standard streams
    /// go to the new program. Returns only on failure, with the reason.
    public static func replaceProcess(with path: String, arguments: [String]) -> String {
        var argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) }
        argv.append(nil)
        execv(path, argv)
        let reason = String(cString: strerror(errno))
        for pointer in argv { free(pointer) }
        return reason
    }
}
