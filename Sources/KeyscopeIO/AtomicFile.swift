import KeyscopeSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file operation failed: one line naming the path and the system's reason.
public struct FileError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// A system call failed (permissions, space, a missing directory).
        case io
        /// The path holds something other than what was expected (not a regular file, too large).
        case unexpectedEntry
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// Crash-safe file writes: temporary file in the same directory, fsync, rename, fsync of the directory.
/// A reader of `path` sees the old bytes or the new bytes, never a mix, whatever happens in between.
/// Used for every file keyscope writes (tables, keys, schemas), not only for publishing.
public enum AtomicFile {
    /// Prefix of every temporary file, so that clean-up can find leftovers of a crashed publisher.
    public static let temporaryPrefix = ".keyscope-tmp-"

    public static func errorText() -> String { String(cString: strerror(errno)) }

    /// Writes `bytes` to `path` atomically. `fault` is called between steps (tests kill the process there).
    public static func write(
        _ bytes: [UInt8], to path: String, mode: mode_t = 0o644, fault: (String) -> Void = { _ in }
    ) throws(FileError) {
        let directory = parent(of: path)
        // Random as well as the pid: in a container the pid is often the same on every run.
        let temporary =
            "\(directory)/\(temporaryPrefix)\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))-\(baseName(of: path))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_EXCL, mode)
        guard fd >= 0 else { throw FileError(.io, "cannot create \(temporary): \(errorText())") }
        var failure: String?
        var written = 0
        while written < bytes.count, failure == nil {
            let count = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, bytes.count - written) }
            if count < 0 {
                if errno != EINTR { failure = errorText() }
            } else {
                written += count
            }
            if written > 0 && written < bytes.count { fault("partial-write:\(baseName(of: path))") }
        }
        fault("written:\(baseName(of: path))")
        // The mode is set explicitly so that a private key is 0600 whatever the umask.
        if failure == nil, fchmod(fd, mode) != 0 { failure = errorText() }
        if failure == nil, fsync(fd) != 0 { failure = errorText() }
        if close(fd) != 0, failure == nil { failure = errorText() }
        if let failure {
            unlink(temporary)
            throw FileError(.io, "cannot write \(path): \(failure)")
        }
        fault("synced:\(baseName(of: path))")
        guard rename(temporary, path) == 0 else {
            let reason = errorText()
            unlink(temporary)
            throw FileError(.io, "cannot replace \(path): \(reason)")
        }
        fault("renamed:\(baseName(of: path))")
        try syncDirectory(directory)
    }

    /// Like `write`, but never replaces an existing file: the complete file is linked into place,
    /// which fails if `path` exists (no check-then-rename race). For keys.
    public static func writeNew(_ bytes: [UInt8], to path: String, mode: mode_t) throws(FileError) {
        let directory = parent(of: path)
        let staging = "\(directory)/\(temporaryPrefix)new-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
        try write(bytes, to: staging, mode: mode)
        defer { unlink(staging) }
        guard link(staging, path) == 0 else {
            throw FileError(
                .io,
                errno == EEXIST
                    ? "\(path) already exists; refusing to overwrite it" : "cannot create \(path): \(errorText())")
        }
        try syncDirectory(directory)
    }

    public static func syncDirectory(_ directory: String) throws(FileError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { throw FileError(.io, "cannot open \(directory): \(errorText())") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw FileError(.io, "cannot sync \(directory): \(errorText())") }
    }

    /// The file's bytes, or nil when it does not exist; refuses files over `limit` before reading them.
    /// A FIFO planted at the path is refused as not a regular file rather than hanging the reader.
    public static func read(_ path: String, limit: Int) throws(FileError) -> [UInt8]? {
        do {
            return try BoundedRead.bytes(path, limit: limit)
        } catch {
            switch error {
            case .missing: return nil
            case .notRegularFile: throw FileError(.unexpectedEntry, "\(path) is not a regular file")
            case .tooLarge: throw FileError(.unexpectedEntry, "\(path) is larger than \(limit) bytes")
            case .failed(let reason): throw FileError(.io, "cannot read \(path): \(reason)")
            }
        }
    }

    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(FileError) {
        if path.isEmpty || path == "." || path == "/" { return }
        var info = stat()
        if stat(path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFDIR else {
                throw FileError(.io, "\(path) exists and is not a directory")
            }
            return
        }
        try makeDirectories(parent(of: path), mode: mode)
        if mkdir(path, mode) != 0 {
            if errno == EEXIST { return }
            throw FileError(.io, "cannot create directory \(path): \(errorText())")
        }
        // The new entry must survive a power loss as much as the files written into it.
        try syncDirectory(parent(of: path))
    }

    /// Entry names of a directory, sorted, without `.` and `..`.
    public static func list(_ directory: String) throws(FileError) -> [String] {
        guard let dir = opendir(directory) else { throw FileError(.io, "cannot list \(directory): \(errorText())") }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    public static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let parent = String(path[..<slash])
        return parent.isEmpty ? "/" : parent
    }

    public static func baseName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}
