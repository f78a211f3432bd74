#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files so that a failure leaves nothing partial behind (SPEC §9):
/// a temporary file in the same directory, fsync, rename, fsync of the directory.
enum FileOutput {
    static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws {
        let directory = parentDirectory(of: path)
        try makeDirectories(directory)
        let temporary = "\(directory)/.\(baseName(of: path)).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode)
        guard fd >= 0 else { throw CommandFailure("cannot write \(path): \(String(cString: strerror(errno)))") }
        var failure: String?
        var written = 0
        while written < bytes.count, failure == nil {
            let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
            if count < 0 {
                if errno != EINTR { failure = String(cString: strerror(errno)) }
            } else {
                written += count
            }
        }
        if failure == nil, fchmod(fd, mode) != 0 { failure = String(cString: strerror(errno)) }
        if failure == nil, fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        close(fd)
        if failure == nil, rename(temporary, path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary)
            throw CommandFailure("cannot write \(path): \(failure)")
        }
        let dirFD = open(directory, O_RDONLY)
        if dirFD >= 0 {
            fsync(dirFD)
            close(dirFD)
        }
    }

    /// Writes every file to a temporary name first and renames them only when all were written.
    static func writeAllAtomically(_ files: [(path: String, bytes: [UInt8])], mode: mode_t = 0o644) throws {
        var staged: [(temporary: String, path: String)] = []
        do {
            for file in files {
                let temporary = "\(parentDirectory(of: file.path))/.\(baseName(of: file.path)).staged-\(getpid())"
                try writeAtomically(file.bytes, to: temporary, mode: mode)
                staged.append((temporary, file.path))
            }
        } catch {
            for item in staged { unlink(item.temporary) }
            throw error
        }
        for item in staged where rename(item.temporary, item.path) != 0 {
            let reason = String(cString: strerror(errno))
            for other in staged { unlink(other.temporary) }
            throw CommandFailure("cannot write \(item.path): \(reason)")
        }
        for directory in Set(staged.map { parentDirectory(of: $0.path) }) {
            let fd = open(directory, O_RDONLY)
            if fd >= 0 {
                fsync(fd)
                close(fd)
            }
        }
    }

    static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws {
        if path.isEmpty || path == "." || path == "/" { return }
        var info = stat()
        if stat(path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFDIR else { throw CommandFailure("\(path) exists and is not a directory") }
            return
        }
        try makeDirectories(parentDirectory(of: path), mode: mode)
        if mkdir(path, mode) != 0 && errno != EEXIST {
            throw CommandFailure("cannot create directory \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let parent = String(path[..<slash])
        return parent.isEmpty ? "/" : parent
    }

    static func baseName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    static func readFile(_ path: String, limit: Int = 1 << 30) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw CommandFailure("cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw CommandFailure("cannot read \(path): \(String(cString: strerror(errno)))") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw CommandFailure("cannot read \(path): not a regular file") }
        guard Int(info.st_size) <= limit else { throw CommandFailure("cannot read \(path): larger than \(limit) bytes") }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var total = 0
        while total < bytes.count {
            let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + total, $0.count - total) }
            if count < 0 {
                if errno == EINTR { continue }
                throw CommandFailure("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            total += count
        }
        return Array(bytes[..<total])
    }
}
