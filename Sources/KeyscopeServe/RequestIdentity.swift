import KeyscopeRuntime
import NIOHTTP1

/// How a request names its key.
public enum KeyQuery: Sendable, Equatable {
    /// A key name, from a header the gateway's authenticator set (SPEC §11 header mode).
    case name(String)
    /// The SHA-256 of the API key the caller presented (SPEC §12); the secret itself is hashed
    /// at once and kept nowhere.
    case fingerprint([UInt8])
}

/// How a request names its capability.
public enum CapabilityQuery: Sendable, Equatable {
    /// A capability id, from a header the gateway's location set (SPEC §11 header mode).
    case id(String)
    /// The original method and request target, matched against the table's routes (SPEC §12).
    case route(method: String, target: String)
}

/// What a request asks: which key calls which capability.
public enum Identification: Sendable, Equatable {
    case identified(key: KeyQuery, capability: CapabilityQuery)
    /// No key in the request: 401.
    case missingKey
    /// No capability (or no original method and URI) in the request: the gateway is
    /// misconfigured (400, fail closed).
    case missingCapability
    /// The request is ambiguous or malformed (a header given twice, …): 400 with the reason.
    case invalid(reason: String)
}

/// Turns a request head into a key and a capability.
public protocol RequestIdentifier: Sendable {
    func identify(_ head: HTTPRequestHead) -> Identification
}

/// Where `serve` finds the key and the capability of a request. Each source is chosen by the
/// operator, never guessed from what a request carries: a header the gateway does not set is
/// one the client can (Caddy's `forward_auth` passes the client's headers on), so reading
/// whichever is present would let a client pick its own capability.
public struct GatewayIdentifier: RequestIdentifier {
    public enum KeySource: Sendable, Equatable {
        /// The key's name in this header (`X-Keyscope-Key`).
        case nameHeader(String)
        /// The API key itself in this header: `Authorization` (scheme `Bearer`) or a header
        /// holding only the key (`X-API-Key`).
        case secretHeader(String)
    }

    public enum CapabilitySource: Sendable, Equatable {
        /// The capability id in this header (`X-Keyscope-Capability`).
        case idHeader(String)
        /// The original method and URI in these headers: nginx `X-Original-Method` and
        /// `X-Original-URI`, Caddy and Traefik `X-Forwarded-Method` and `X-Forwarded-Uri`.
        case originalRequest(methodHeader: String, uriHeader: String)
    }

    public var key: KeySource
    public var capability: CapabilitySource

    /// Longer values cannot be a key name, a capability id or an API key of any table; they are
    /// refused without a lookup.
    public static let maximumValueLength = 1024
    /// A longer URI is refused: gateways cap request lines at a few KiB anyway.
    public static let maximumURILength = 8192

    public init(
        key: KeySource = .nameHeader("X-Keyscope-Key"),
        capability: CapabilitySource = .idHeader("X-Keyscope-Capability")
    ) {
        self.key = key
        self.capability = capability
    }

    /// The one value of a header, nil when absent or empty, or why it cannot be used.
    private func single(_ head: HTTPRequestHead, _ name: String, limit: Int) -> Result<String?, Refusal> {
        let values = head.headers[name]
        // Two values of one header are two answers to one question: which one the gateway meant
        // is not for keyscope to guess.
        if values.count > 1 { return .failure(Refusal("\(name) given \(values.count) times")) }
        guard let value = values.first, !value.isEmpty else { return .success(nil) }
        if value.utf8.count > limit { return .failure(Refusal("header value longer than \(limit) bytes")) }
        return .success(value)
    }

    private struct Refusal: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    public func identify(_ head: HTTPRequestHead) -> Identification {
        let keyQuery: KeyQuery
        switch key {
        case .nameHeader(let name):
            switch single(head, name, limit: Self.maximumValueLength) {
            case .failure(let refusal): return .invalid(reason: refusal.reason)
            case .success(nil): return .missingKey
            case .success(let value?): keyQuery = .name(value)
            }
        case .secretHeader(let name):
            switch single(head, name, limit: Self.maximumValueLength) {
            case .failure(let refusal): return .invalid(reason: refusal.reason)
            case .success(nil): return .missingKey
            case .success(let value?):
                guard let secret = Self.secret(in: value, header: name) else { return .missingKey }
                keyQuery = .fingerprint(KeyFingerprint.digest(of: secret.utf8))
            }
        }
        switch capability {
        case .idHeader(let name):
            switch single(head, name, limit: Self.maximumValueLength) {
            case .failure(let refusal): return .invalid(reason: refusal.reason)
            case .success(nil): return .missingCapability
            case .success(let value?): return .identified(key: keyQuery, capability: .id(value))
            }
        case .originalRequest(let methodHeader, let uriHeader):
            let method = single(head, methodHeader, limit: 32)
            let uri = single(head, uriHeader, limit: Self.maximumURILength)
            switch (method, uri) {
            case (.failure(let refusal), _), (_, .failure(let refusal)): return .invalid(reason: refusal.reason)
            case (.success(let method?), .success(let uri?)):
                return .identified(key: keyQuery, capability: .route(method: method, target: uri))
            default: return .missingCapability
            }
        }
    }

    /// The API key in a header's value: after `Bearer ` (any case, RFC 9110 §11.1) in
    /// `Authorization`, the whole value in any other header; nil for another scheme.
    static func secret(in value: String, header: String) -> Substring? {
        guard header.lowercased() == "authorization" else { return value[...] }
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let secret = parts[1].drop { $0 == " " }
        return secret.isEmpty ? nil : secret
    }
}
