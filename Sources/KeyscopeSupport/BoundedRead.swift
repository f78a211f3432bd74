#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file was not read.
package enum BoundedReadError: Error, Sendable, Equatable, CustomStringConvertible {
    case missing
    case notRegularFile
    case tooLarge(size: Int, limit: Int)
    /// The system's reason (`strerror`).
    case failed(String)

    package var description: String {
        switch self {
        case .missing: "no such file"
        case .notRegularFile: "not a regular file"
        case .tooLarge(let size, let limit): "\(size) bytes, more than the limit of \(limit)"
        case .failed(let reason): reason
        }
    }
}

/// Reading a file whole, refusing one over a size limit before reading it: the one way
/// keyscope reads policy files, tables and state files.
///
/// The file is opened with `O_NONBLOCK` and must be a regular file: a FIFO planted where a
/// file is expected is refused instead of hanging the reader. `stream` is for the one case
/// where a pipe is wanted (`diff <(…)`).
package enum BoundedRead {
    /// The bytes of a regular file.
    package static func bytes(_ path: String, limit: Int) throws(BoundedReadError) -> [UInt8] {
        try withRegularFile(path, limit: limit) { fd, size throws(BoundedReadError) in
            var bytes = [UInt8](repeating: 0, count: size)
            let filled = bytes.withUnsafeMutableBytes { fill(fd, $0.baseAddress!, size) }
            bytes.removeSubrange(try filled.get()...)
            return bytes
        }
    }

    /// The bytes of a regular file in newly allocated memory aligned to 16 bytes, which the
    /// caller owns and must deallocate. A file that shrank while being read gives fewer bytes.
    package static func alignedBytes(_ path: String, limit: Int) throws(BoundedReadError) -> (
        memory: UnsafeMutableRawPointer, count: Int
    ) {
        try withRegularFile(path, limit: limit) { fd, size throws(BoundedReadError) in
            let memory = UnsafeMutableRawPointer.allocate(byteCount: max(size, 1), alignment: 16)
            switch fill(fd, memory, size) {
            case .success(let count):
                return (memory, count)
            case .failure(let error):
                memory.deallocate()
                throw error
            }
        }
    }

    /// Any readable file (a pipe, `/dev/stdin`) read to its end, refusing more than `limit` bytes.
    package static func stream(_ path: String, limit: Int) throws(BoundedReadError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw errno == ENOENT ? .missing : .failed(systemReason()) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .failed(systemReason())
            }
            if count == 0 { return bytes }
            bytes += chunk[..<count]
            if bytes.count > limit { throw .tooLarge(size: bytes.count, limit: limit) }
        }
    }

    private static func withRegularFile<Result>(
        _ path: String, limit: Int, _ body: (Int32, Int) throws(BoundedReadError) -> Result
    ) throws(BoundedReadError) -> Result {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw errno == ENOENT ? .missing : .failed(systemReason()) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .failed(systemReason()) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .notRegularFile }
        let size = Int(info.st_size)
        guard size <= limit else { throw .tooLarge(size: size, limit: limit) }
        return try body(fd, size)
    }

    /// Reads up to `size` bytes into `memory`; returns how many arrived before end of file.
    private static func fill(_ fd: Int32, _ memory: UnsafeMutableRawPointer, _ size: Int) -> Result<
        Int, BoundedReadError
    > {
        var total = 0
        while total < size {
            let count = read(fd, memory + total, size - total)
            if count < 0 {
                if errno == EINTR { continue }
                // An I/O error is the file's, not its contents': the caller says "unreadable".
                return .failure(.failed(systemReason()))
            }
            if count == 0 { break }
            total += count
        }
        return .success(total)
    }

    private static func systemReason() -> String { String(cString: strerror(errno)) }
}
