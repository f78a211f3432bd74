/// The request side of routes (SPEC §12): a path as the gateway routes it.
///
/// The gateway routes a request by its *normalised* path; keyscope must match the same path, or
/// a path that one of them reads differently is a way around the policy. `normalise` therefore
/// does what nginx does before choosing a location (and Caddy before matching `path`): it cuts
/// the query and fragment, decodes percent-encoded unreserved characters (so `%2e%2e` is `..`),
/// merges repeated slashes and resolves `.` and `..` segments. It refuses what nginx refuses (a
/// `..` above the root) and what two readers read two ways (an encoded `/` or `\`, a malformed
/// escape, an encoded NUL). Everything else stays as sent: case, a trailing slash, other percent
/// escapes (upper-cased, so `%c3%a9` and `%C3%A9` are one text). `docs/table-format.md` §10
/// lists the same rules.
public enum RequestPath {
    /// Why a request path cannot be matched (the call is denied).
    public enum Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        /// Not an absolute path (`*`, `http://…`, empty).
        case notAbsolute
        /// A `..` above the root, which nginx answers with 400.
        case aboveRoot
        /// A malformed percent escape, or an encoded NUL.
        case badEscape
        /// An encoded `/` or `\`: nginx decodes it into a separator, many applications do
        /// not, so the path has two readings and is refused rather than matched one way.
        case encodedSeparator

        /// The refusal in the words of `X-Keyscope-Reason` details and logs.
        public var description: String {
            switch self {
            case .notAbsolute: "not an absolute path"
            case .aboveRoot: "`..` above the root"
            case .badEscape: "malformed percent escape or encoded NUL"
            case .encodedSeparator: "encoded `/` or `\\`"
            }
        }
    }

    /// The normalised form of a request target: `/v1/orders/42?x=1` → `/v1/orders/42`,
    /// `/v1//orders/./42` → `/v1/orders/42`, `/v1/orders/../admin` → `/v1/admin`.
    ///
    /// A target that is already normal (the common case) is returned as a slice of itself,
    /// so normalising it allocates nothing.
    public static func normalise(_ target: Substring) throws(Refusal) -> Substring {
        var path = target
        if let cut = path.utf8.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) {
            path = path[..<cut]
        }
        guard path.utf8.first == UInt8(ascii: "/") else { throw .notAbsolute }
        if isNormal(path) { return path }
        let decoded = try decodeUnreserved(path)
        var output: [Substring] = []
        let pieces = decoded.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        var trailing = false
        for (offset, piece) in pieces.enumerated() {
            let last = offset == pieces.count - 1
            trailing = false
            switch piece {
            case "", ".":
                // `//` merges and `.` is nothing; a final one leaves a trailing slash.
                if last && !output.isEmpty { trailing = true }
            case "..":
                guard !output.isEmpty else { throw .aboveRoot }
                output.removeLast()
                if last && !output.isEmpty { trailing = true }
            default:
                output.append(piece)
            }
        }
        if trailing { output.append("") }
        return Substring("/" + output.joined(separator: "/"))
    }

    /// The segments of a normalised path: `/` has none, `/a/` is `["a", ""]`.
    public static func segments(of normalised: Substring) -> [Substring] {
        normalised == "/" ? [] : Array(normalised.dropFirst().split(separator: "/", omittingEmptySubsequences: false))
    }

    /// No escape, no empty segment but a final one, no `.` or `..` segment.
    static func isNormal(_ path: Substring) -> Bool {
        var previous: UInt8 = 0
        var dots = 0
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "%"): return false
            case UInt8(ascii: "/"):
                if previous == UInt8(ascii: "/") || (dots > 0 && dots <= 2) { return false }
                dots = 0
            case UInt8(ascii: "."):
                if previous == UInt8(ascii: "/") || dots > 0 { dots += 1 }
            default:
                dots = 0
            }
            previous = byte
        }
        return !(dots > 0 && dots <= 2)
    }

    /// Decodes `%XX` escapes of unreserved characters (letters, digits, `-._~`) and leaves every
    /// other escape as it is, upper-cased.
    static func decodeUnreserved(_ path: Substring) throws(Refusal) -> Substring {
        guard path.utf8.contains(UInt8(ascii: "%")) else { return path }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(path.utf8.count)
        var iterator = Array(path.utf8)[...]
        while let byte = iterator.popFirst() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.popFirst().flatMap(hexValue), let low = iterator.popFirst().flatMap(hexValue)
            else { throw .badEscape }
            let value = high << 4 | low
            if value == 0 { throw .badEscape }
            if value == UInt8(ascii: "/") || value == UInt8(ascii: "\\") { throw .encodedSeparator }
            switch value {
            case 48...57, 65...90, 97...122, UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                bytes.append(value)
            default:
                bytes.append(UInt8(ascii: "%"))
                bytes.append(hexDigit(value >> 4))
                bytes.append(hexDigit(value & 15))
            }
        }
        return Substring(String(decoding: bytes, as: UTF8.self))
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: byte - 48
        case 65...70: byte - 55
        case 97...102: byte - 87
        default: nil
        }
    }

    static func hexDigit(_ value: UInt8) -> UInt8 { value < 10 ? 48 + value : 55 + value }
}
