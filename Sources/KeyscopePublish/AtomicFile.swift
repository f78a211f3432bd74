#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a publish step failed. A struct with a code, as NIO's `FileSystemError`: publishing is where new failure kinds will appear.
public struct PublishError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        /// The table does not verify against the trusted keys, or is expired.
        case rejectedTable
        /// The serial is not greater than the one already published.
        case serialNotIncreasing
        /// Another publisher holds the product's lock for longer than the timeout.
        case locked
        /// A file system call failed.
        case io
        /// The published state on disk is unreadable.
        case corruptState
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
    static let temporaryPrefix = ".keyscope-tmp-"

    public static func errorText() -> String { String(cString: strerror(errno)) }

    /// Writes `bytes` to `path` atomically. `fault` is called between steps (tests kill the process there).
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644, fault: (String) -> Void = { _ in }) throws(PublishError) {
        let directory = parent(of: path)
        // Random as well as the pid: in a container the pid is often the same on every run.
        let temporary = "\(directory)/\(temporaryPrefix)\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))-\(baseName(of: path))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_EXCL, mode)
        guard fd >= 0 else { throw PublishError(.io, "cannot create \(temporary): \(errorText())") }
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
            throw PublishError(.io, "cannot write \(path): \(failure)")
        }
        fault("synced:\(baseName(of: path))")
        guard rename(temporary, path) == 0 else {
            let reason = errorText()
            unlink(temporary)
            throw PublishError(.io, "cannot replace \(path): \(reason)")
        }
        fault("renamed:\(baseName(of: path))")
        try syncDirectory(directory)
    }

    /// Like `write`, but never replaces an existing file: the complete file is linked into place,
    /// which fails if `path` exists (no check-then-rename race). For keys.
    public static func writeNew(_ bytes: [UInt8], to path: String, mode: mode_t) throws(PublishError) {
        let directory = parent(of: path)
        let staging = "\(directory)/\(temporaryPrefix)new-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
        try write(bytes, to: staging, mode: mode)
        defer { unlink(staging) }
        guard link(staging, path) == 0 else {
            throw PublishError(.io, errno == EEXIST ? "\(path) already exists; refusing to overwrite it" : "cannot create \(path): \(errorText())")
        }
        try syncDirectory(directory)
    }

    public static func syncDirectory(_ directory: String) throws(PublishError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { throw PublishError(.io, "cannot open \(directory): \(errorText())") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw PublishError(.io, "cannot sync \(directory): \(errorText())") }
    }

    /// The file's bytes, or nil when it does not exist; refuses files over `limit` before reading them.
    public static func read(_ path: String, limit: Int) throws(PublishError) -> [UInt8]? {
        // O_NONBLOCK: a FIFO planted at the path must not hang the publisher while it holds the
        // lock; it is refused below as not a regular file.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw PublishError(.io, "cannot read \(path): \(errorText())")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw PublishError(.io, "cannot read \(path): \(errorText())") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw PublishError(.corruptState, "\(path) is not a regular file") }
        guard Int(info.st_size) <= limit else { throw PublishError(.corruptState, "\(path) is larger than \(limit) bytes") }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var total = 0
        while total < bytes.count {
            let count = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + total, $0.count - total) }
            if count < 0 {
                if errno == EINTR { continue }
                throw PublishError(.io, "cannot read \(path): \(errorText())")
            }
            if count == 0 { break }
            total += count
        }
        return Array(bytes[..<total])
    }

    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(PublishError) {
        if path.isEmpty || path == "." || path == "/" { return }
        var info = stat()
        if stat(path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFDIR else { throw PublishError(.io, "\(path) exists and is not a directory") }
            return
        }
        try makeDirectories(parent(of: path), mode: mode)
        if mkdir(path, mode) != 0 {
            if errno == EEXIST { return }
            throw PublishError(.io, "cannot create directory \(path): \(errorText())")
        }
        // The new entry must survive a power loss as much as the files written into it.
        try syncDirectory(parent(of: path))
    }

    /// Entry names of a directory, sorted, without `.` and `..`.
    public static func list(_ directory: String) throws(PublishError) -> [String] {
        guard let dir = opendir(directory) else { throw PublishError(.io, "cannot list \(directory): \(errorText())") }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) } }
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

/// An exclusive lock on a product's publish directory (`flock` on `.lock`), released when dropped.
final class ProductLock {
    private let fd: Int32

    init(directory: String, timeoutSeconds: Double) throws(PublishError) {
        let path = "\(directory)/.lock"
        // O_NOFOLLOW: a symlink planted as `.lock` must not make the publisher create or lock a
        // file wherever it points.
        fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PublishError(.io, "cannot open lock \(path): \(AtomicFile.errorText())") }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw PublishError(.corruptState, "lock \(path) is not a regular file")
        }
        let deadline = Double(time(nil)) + timeoutSeconds
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                close(fd)
                throw PublishError(.io, "cannot lock \(path): \(AtomicFile.errorText())")
            }
            if Double(time(nil)) >= deadline {
                close(fd)
                throw PublishError(.locked, "another publish to \(directory) holds \(path); gave up after \(Int(timeoutSeconds)) s")
            }
            usleep(10_000)
        }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
