import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A response as a client of the gateway sees it, byte for byte.
public struct RawResponse: Sendable, CustomStringConvertible {
    public var status: Int
    /// Header names lowercased.
    public var headers: [String: String]
    public var body: String
    public var description: String { "\(status) \(headers) \(body)" }
}

/// One HTTP/1.1 request over a new loopback connection (`Connection: close`), read to the end.
/// Written on sockets so that the test sees exactly what came back, with no client library in between.
public enum RawHTTP {
    public static func get(
        port: Int, path: String, method: String = "GET", headers: [(String, String)] = [], timeout: Int = 5
    ) -> RawResponse? {
        var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        if method == "POST" { request += "Content-Length: 0\r\n" }
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        return exchange(port: port, request: Array(request.utf8), timeout: timeout)
    }

    /// Sends `bytes` as they are and reads the response to the end.
    public static func exchange(port: Int, request bytes: [UInt8], timeout: Int = 5) -> RawResponse? {
        let fd = openConnection(port: port)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var time = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        guard send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else { return nil }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count <= 0 { break }
            received += buffer[..<count]
        }
        let text = String(decoding: received, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { return nil }
        let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        guard let statusLine = lines.first, let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "")
        else {
            return nil
        }
        var fields: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = String(text[split.upperBound...])
        if fields["transfer-encoding"] == "chunked" { body = dechunk(body) }
        return RawResponse(status: status, headers: fields, body: body)
    }

    static func dechunk(_ text: String) -> String {
        var output = ""
        var rest = Substring(text)
        while let lineEnd = rest.range(of: "\r\n"), let size = Int(rest[..<lineEnd.lowerBound], radix: 16), size > 0 {
            let start = lineEnd.upperBound
            let end = rest.utf8.index(start, offsetBy: size)
            output += rest[start..<end]
            rest = rest[end...].dropFirst(2)
        }
        return output
    }

    /// A new TCP connection to 127.0.0.1:`port` (the caller closes it); -1 when refused.
    public static func openConnection(port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return -1 }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if connected != 0 {
            close(fd)
            return -1
        }
        return fd
    }

    /// Waits until something accepts connections on `port`.
    public static func waitForPort(_ port: Int, seconds: Double = 15) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let fd = openConnection(port: port)
            if fd >= 0 {
                close(fd)
                return true
            }
            usleep(20_000)
        }
        return false
    }
}

/// A server process started for a test (nginx, caddy, keyscope-serve), stopped by `stop()`.
public final class ServerProcess: @unchecked Sendable {
    public let process = Process()
    public let log: URL

    public init(_ executable: String, _ arguments: [String], in directory: URL, environment: [String: String] = [:])
        throws
    {
        log = directory.appendingPathComponent(
            "\(URL(fileURLWithPath: executable).lastPathComponent)-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// SIGTERM, then SIGKILL after `grace` seconds.
    public func stop(grace: Double = 5) {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(grace)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    public var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    deinit { stop(grace: 1) }
}

extension TestPaths {
    /// An executable of this package built next to `keyscope` (`keyscope-serve`, …).
    public static func sibling(_ name: String) -> URL {
        keyscopeBinary.deletingLastPathComponent().appendingPathComponent(name)
    }

    /// The absolute path of a system tool, or nil when it is not installed.
    public static func tool(_ name: String) -> String? {
        for directory in ["/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin", "/sbin", "/bin"] {
            let path = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }
}
