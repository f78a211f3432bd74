import Foundation
import KeyscopeRuntime
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// swift-log handler writing one JSON object per line to stderr: `{"ts":…,"level":…,"msg":…,…}`.
///
/// The service logs reloads, refusals and its own start and stop, never a request's headers:
/// no key name or secret can reach the log.
public struct JSONLinesLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String

    public init(label: String) { self.label = label }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line =
            "{\"ts\": \"\(Self.timestamp())\", \"level\": \"\(event.level)\", \"logger\": \"\(JSONText.escaped(label))\", \"msg\": \"\(JSONText.escaped("\(event.message)"))\""
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            line += ", \"\(JSONText.escaped(key))\": \"\(JSONText.escaped("\(value)"))\""
        }
        line += "}\n"
        // One write(2) per line: lines from several threads never interleave.
        var bytes = Array(line.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes {
                write(STDERR_FILENO, $0.baseAddress! + offset, $0.count - offset)
            }
            if written <= 0 { return }
            offset += written
        }
    }

    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var time = now.tv_sec
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), now.tv_nsec / 1_000_000)
    }
}
