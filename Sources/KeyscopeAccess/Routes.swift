/// Routes of SPEC §12: `"METHOD /path/{param}/{rest...}"` on a capability, and the matching of a
/// request's method and path against them.
///
/// Templates are matched against request paths normalised the way the gateway routes them
/// (`RequestPath` in `KeyscopeTable`, the gateway side); `matches` and `moreSpecific` here are
/// the reference the table's route tree is tested against.
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

    /// Most segments in a template: a table's route tree is at most this deep, which bounds
    /// how far a gateway's matcher backtracks.
    public static let maximumSegments = 16

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
        guard pieces.count <= Self.maximumSegments else {
            throw .path("more than \(Self.maximumSegments) segments")
        }
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
        // A named method before `*`; and GET, which also answers HEAD, after the other named
        // methods, so a HEAD request goes to a `HEAD` route before a `GET` one.
        func methodWeight(_ method: String) -> Int { method == "*" ? 2 : method == "GET" ? 1 : 0 }
        if methodWeight(a.method) != methodWeight(b.method) { return methodWeight(a.method) < methodWeight(b.method) }
        return a.description < b.description
    }
}
