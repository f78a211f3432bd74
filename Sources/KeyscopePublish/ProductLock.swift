import KeyscopeIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
                throw PublishError(
                    .locked, "another publish to \(directory) holds \(path); gave up after \(Int(timeoutSeconds)) s")
            }
            usleep(10_000)
        }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
