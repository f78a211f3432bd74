import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 and an ephemeral port, for tests of URL states.
/// Serves fixed bodies by path (404 otherwise), or accepts and never answers (`respond: false`).
public final class LoopbackHTTPServer: @unchecked Sendable {
    public let port: Int
    private let socketFD: Int32
    private let lock = NSLock()
    private var stopped = false
    private var held: [Int32] = []

    public convenience init(routes: [String: Data], respond: Bool = true) throws {
        try self.init(respond: respond) { routes[$0] }
    }

    /// Serves the files under `directory` by path, read at each request (so a test can replace them).
    public convenience init(directory: URL) throws {
        try self.init { path in
            guard !path.contains("..") else { return nil }
            return FileManager.default.contents(atPath: directory.path + path)
        }
    }

    public init(respond: Bool = true, body: @escaping @Sendable (String) -> Data?) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        socketFD = fd
        let thread = Thread { [self] in
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { return }
                if !respond {
                    self.lock.lock()
                    self.held.append(client)
                    self.lock.unlock()
                    continue
                }
                var buffer = [UInt8](repeating: 0, count: 8192)
                let count = read(client, &buffer, buffer.count)
                let request = count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : ""
                let path = request.split(separator: " ").dropFirst().first.map(String.init) ?? "/"
                var response: Data
                if let body = body(path) {
                    response = Data(
                        "HTTP/1.1 200 OK\r\nContent-Length: \(body.count)\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n"
                            .utf8)
                    response.append(body)
                } else {
                    response = Data("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
                }
                response.withUnsafeBytes { raw in
                    var sent = 0
                    while sent < raw.count {
                        // MSG_NOSIGNAL: a client that hangs up early (as keyscope does past its size limit) must not
                        // SIGPIPE the tests.
                        let n = send(client, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                        if n <= 0 { break }
                        sent += n
                    }
                }
                close(client)
            }
        }
        thread.start()
    }

    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        shutdown(socketFD, Int32(SHUT_RDWR))
        close(socketFD)
        for client in held { close(client) }
    }

    /// A port with nothing listening (bound, then released).
    public static func unusedPort() -> Int {
        guard let server = try? LoopbackHTTPServer(routes: [:]) else { return 9 }
        let port = server.port
        server.stop()
        return port
    }
}
