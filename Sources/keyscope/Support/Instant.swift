import ArgumentParser
import KeyscopePolicy

/// A point in time on the command line: Unix seconds (`1767225600`), a date (`2026-01-01`,
/// midnight UTC) or a UTC timestamp (`2026-01-01T12:30:00Z`). `--now` takes a date; the
/// options that take a time (`--at`, `--issued-at`) accept all three, so one habit works
/// everywhere.
struct Instant: ExpressibleByArgument, Sendable {
    var unixSeconds: Int64

    init?(argument: String) {
        if let seconds = Int64(argument), seconds >= 0 {
            unixSeconds = seconds
            return
        }
        if let date = CalendarDate(parsing: argument) {
            unixSeconds = date.unixSeconds
            return
        }
        // YYYY-MM-DDTHH:MM:SSZ
        let bytes = Array(argument.utf8)
        guard bytes.count == 20, bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"),
            bytes[16] == UInt8(ascii: ":"), bytes[19] == UInt8(ascii: "Z"),
            let date = CalendarDate(parsing: String(decoding: bytes[0..<10], as: UTF8.self)),
            let hour = Int64(String(decoding: bytes[11..<13], as: UTF8.self)), (0..<24).contains(hour),
            let minute = Int64(String(decoding: bytes[14..<16], as: UTF8.self)), (0..<60).contains(minute),
            let second = Int64(String(decoding: bytes[17..<19], as: UTF8.self)), (0..<60).contains(second)
        else { return nil }
        unixSeconds = date.unixSeconds + hour * 3600 + minute * 60 + second
    }

    static var defaultCompletionKind: CompletionKind { .default }
}
