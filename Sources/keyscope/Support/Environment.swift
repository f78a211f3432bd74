import ArgumentParser
import KeyscopePolicy

#if canImport(Glibc)
import Glibc
#endif

/// Reads of the process environment, kept in the executable so that the
/// libraries take clock, terminal and paths as values.
enum Environment {
    static func variable(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// Whether to colour output on stdout: a terminal, and `NO_COLOR` unset (https://no-color.org).
    static func colorStdout(_ mode: ColorMode = .auto) -> Bool {
        switch mode {
        case .always: return true
        case .never: return false
        case .auto:
            if let noColor = variable("NO_COLOR"), !noColor.isEmpty { return false }
            return isatty(STDOUT_FILENO) == 1
        }
    }

    /// Colour on stderr: a terminal, and `NO_COLOR` unset.
    static func colorStderr(_ mode: ColorMode = .auto) -> Bool {
        switch mode {
        case .always: return true
        case .never: return false
        case .auto:
            if let noColor = variable("NO_COLOR"), !noColor.isEmpty { return false }
            return isatty(STDERR_FILENO) == 1
        }
    }

    static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return "." }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A path as shown to the user: relative to the working directory when it lies below it.
    /// A directory argument without trailing slashes (`keys/` → `keys`; `/` stays), so that
    /// paths built from it print as `keys/name`, not `keys//name`.
    static func directoryArgument(_ path: String) -> String {
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }

    static func displayPath(_ path: String) -> String {
        guard path.hasPrefix("/") else { return path }
        let cwd = currentDirectory()
        if path == cwd { return "." }
        if path.hasPrefix(cwd + "/") { return String(path.dropFirst(cwd.count + 1)) }
        return path
    }

    /// Today's date in UTC.
    static func today() -> CalendarDate {
        CalendarDate(unixSeconds: Int64(time(nil)))
    }

    /// Unix seconds now.
    static func now() -> Int64 { Int64(time(nil)) }

    /// Flushes standard output and ends the process without freeing what it built.
    static func exitNow(_ code: ExitCode) -> Never {
        fflush(nil)
        exit(code.rawValue)
    }

    static func printError(_ message: String) {
        var stderr = StandardError()
        print(message, to: &stderr)
    }
}

/// `--color auto|always|never`.
enum ColorMode: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never
}

/// The check date option shared by commands that validate.
struct CheckDateOption: ParsableArguments {
    @Option(
        name: .customLong("now"),
        help: ArgumentHelp("The check date, YYYY-MM-DD (default: today, UTC).", valueName: "date"))
    var now: String?

    func checkDate() throws -> CalendarDate {
        guard let now else { return Environment.today() }
        guard let date = CalendarDate(parsing: now) else {
            throw ValidationError("--now expects a date as YYYY-MM-DD, got \(Quote.quoted(now))")
        }
        return date
    }
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        var bytes = Array(string.utf8)
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeMutableBytes {
                Glibc.write(STDERR_FILENO, $0.baseAddress! + offset, $0.count - offset)
            }
            if count <= 0 { return }
            offset += count
        }
    }
}
