/// Routes of SPEC §12: `"METHOD /path/{param}/{rest...}"` on a capability, and the matching of a
/// request's method and path against them.
///
/// The gateway routes a request by its *normalised* path; keyscope must match the same path, or
/// a path that one of them reads differently is a way around the policy. `RoutePath.normalise`
/// therefore does what nginx does before choosing a location (and Caddy before matching
/// `path`): it cuts the query, decodes percent-encoded unreserved characters (so `%2e%2e` is
/// `..`), merges repeated slashes and resolves `.` and `..` segments, and it refuses what nginx
/// refuses (a `..` above the root) and what two readers read two ways (an encoded `/` or `\`).
/// Everything else stays as sent: case, a trailing slash, other percent escapes (upper-cased).
public struct RouteTemplate: Sendable, Hashable, CustomStringConvertible {
    /// One segment of a template's path.
    public enum Segment: Sendable, Hashable {
        case literal(String)
        /// `{name}`: exactly one segment.
        case parameter(String)
        /// `{name...}`: one or more segments, the rest of the path (last only).
        case rest(String)
    }

    /// The methods a route may name, or `*` for any.
    public static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "*"]

    public let method: String
    public let segments: [Segment]

    /// Why a route string is not a route.
    public enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        case shape
        case method(String)
        case path(String)

        public var description: String {
            switch self {
            case .shape: "expected `METHOD /path`, one space between them"
            case .method(let method):
                "unknown method `\(method)`: use GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS or *"
            case .path(let reason): reason
            }
        }
    }

    /// Parses `"GET /v1/orders/{id}"`.
    public init(parsing text: String) throws(ParseError) {
        let parts = text.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw .shape }
        let method = String(parts[0])
        guard Self.methods.contains(method) else { throw .method(method) }
        let path = parts[1]
        guard path.hasPrefix("/") else { throw .path("the path must start with `/`") }
        var segments: [Segment] = []
        let pieces = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        for (index, piece) in pieces.enumerated() {
            if piece.isEmpty {
                // `/` alone is the root; a final empty segment is a trailing slash, kept as written.
                if pieces.count == 1 || index == pieces.count - 1 {
                    if pieces.count > 1 { segments.append(.literal("")) }
                    continue
                }
                throw .path("empty segment (`//`): gateways merge slashes, so it could never match")
            }
            if piece.hasPrefix("{") {
                guard piece.hasSuffix("}"), piece.count > 2 else { throw .path("unclosed parameter `\(piece)`") }
                var name = piece.dropFirst().dropLast()
                let rest = name.hasSuffix("...")
                if rest { name = name.dropLast(3) }
                guard let first = name.utf8.first, (97...122).contains(first) || first == 95,
                    name.utf8.allSatisfy({ (97...122).contains($0) || (48...57).contains($0) || $0 == 95 })
                else {
                    throw .path("parameter name `\(name)`: lower-case letters, digits and `_`, starting with a letter")
                }
                if rest {
                    guard index == pieces.count - 1 else { throw .path("`{\(name)...}` must be the last segment") }
                    segments.append(.rest(String(name)))
                } else {
                    segments.append(.parameter(String(name)))
                }
                continue
            }
            guard piece != ".", piece != ".." else { throw .path("`.` and `..` segments never reach a capability") }
            guard piece.utf8.allSatisfy(Self.isLiteralByte) else {
                throw .path(
                    "segment `\(piece)`: only letters, digits and `-._~!$&'()*+,;=:@` (no `%`, `{`, `}`, `?` or `#`)")
            }
            segments.append(.literal(String(piece)))
        }
        self.method = method
        self.segments = segments
    }

    static func isLiteralByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 48...57, 65...90, 97...122: true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"): true
        case UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
            UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"),
            UInt8(ascii: "="), UInt8(ascii: ":"), UInt8(ascii: "@"):
            true
        default: false
        }
    }

    /// The template with parameter names erased: two routes with the same shape match exactly
    /// the same requests (`GET /o/{id}` and `GET /o/{order}`).
    public var shape: String {
        method + " /"
            + segments.map { segment in
                switch segment {
                case .literal(let text): text
                case .parameter: "{}"
                case .rest: "{...}"
                }
            }.joined(separator: "/")
    }

    public var description: String {
        method + " /"
            + segments.map { segment in
                switch segment {
                case .literal(let text): text
                case .parameter(let name): "{\(name)}"
                case .rest(let name): "{\(name)...}"
                }
            }.joined(separator: "/")
    }

    /// Whether the template matches a normalised path's segments.
    public func matches(method requestMethod: String, segments path: [Substring]) -> Bool {
        guard method == "*" || method == requestMethod || (method == "GET" && requestMethod == "HEAD") else {
            return false
        }
        var index = 0
        for segment in segments {
            switch segment {
            case .literal(let text):
                guard index < path.count, path[index] == text else { return false }
                index += 1
            case .parameter:
                guard index < path.count, !path[index].isEmpty else { return false }
                index += 1
            case .rest:
                return index < path.count && !(path.count - index == 1 && path[index].isEmpty)
            }
        }
        return index == path.count
    }

    /// Orders templates from most to least specific: segment by segment a literal before a
    /// parameter before a rest; then the longer; then a named method before `*`.
    public static func moreSpecific(_ a: RouteTemplate, than b: RouteTemplate) -> Bool {
        func weight(_ segment: Segment) -> Int {
            switch segment {
            case .literal: 0
            case .parameter: 1
            case .rest: 2
            }
        }
        for (x, y) in zip(a.segments, b.segments) where weight(x) != weight(y) { return weight(x) < weight(y) }
        if a.segments.count != b.segments.count { return a.segments.count > b.segments.count }
        if (a.method == "*") != (b.method == "*") { return b.method == "*" }
        return a.description < b.description
    }
}

/// The request side: a path as the gateway routes it.
public enum RoutePath {
    /// Why a request path cannot be matched (the call is denied).
    public enum Refusal: Error, Sendable, Equatable {
        /// Not an absolute path (`*`, `http://…`, empty).
        case notAbsolute
        /// A `..` above the root, which nginx answers with 400.
        case aboveRoot
        /// A malformed percent escape, or an encoded NUL.
        case badEscape
        /// An encoded `/` or `\\`: nginx decodes it into a separator, many applications do
        /// not, so the path has two readings and is refused rather than matched one way.
        case encodedSeparator
    }

    /// The normalised segments of a request target (`/v1/orders/42?x=1` → `["v1", "orders", "42"]`).
    /// `/` is no segment; a trailing slash is a final empty segment.
    public static func normalise(_ target: String) throws(Refusal) -> [Substring] {
        var path = Substring(target)
        if let cut = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<cut] }
        guard path.hasPrefix("/") else { throw .notAbsolute }
        let decoded = try decodeUnreserved(path)
        var output: [Substring] = []
        let pieces = decoded.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        var trailing = false
        for (offset, piece) in pieces.enumerated() {
            let last = offset == pieces.count - 1
            trailing = false
            switch piece {
            case "":
                // `//` merges; a final empty piece is a trailing slash.
                if last && !output.isEmpty { trailing = true }
            case ".":
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
        return output
    }

    /// Decodes `%XX` escapes of unreserved characters (letters, digits, `-._~`) and leaves every
    /// other escape as it is, upper-cased (so `%2f` and `%2F` are one segment text).
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
