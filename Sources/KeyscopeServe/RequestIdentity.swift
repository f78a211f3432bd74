import NIOHTTP1

/// What a request asks: which key calls which capability. The one step that changes when a
/// gateway passes the key itself and the original URI (SPEC §12) instead of names in headers.
public enum Identification: Sendable, Equatable {
    case identified(key: String, capability: String)
    /// No key in the request: 401.
    case missingKey
    /// No capability in the request: the gateway is misconfigured (400, fail closed).
    case missingCapability
    /// The request is ambiguous or malformed (a header given twice, …): 400 with the reason.
    case invalid(reason: String)
}

/// Turns a request head into a key and a capability.
public protocol RequestIdentifier: Sendable {
    func identify(_ head: HTTPRequestHead) -> Identification
}

/// SPEC §11 header mode: the gateway's authenticator names the key (`X-Keyscope-Key`) and the
/// gateway's location names the capability (`X-Keyscope-Capability`).
public struct HeaderIdentifier: RequestIdentifier {
    public var keyHeader: String
    public var capabilityHeader: String
    /// Longer values cannot be a key name or a capability id of any table; they are refused
    /// without a lookup.
    public static let maximumValueLength = 1024

    public init(keyHeader: String = "X-Keyscope-Key", capabilityHeader: String = "X-Keyscope-Capability") {
        self.keyHeader = keyHeader
        self.capabilityHeader = capabilityHeader
    }

    public func identify(_ head: HTTPRequestHead) -> Identification {
        let keys = head.headers[keyHeader]
        let capabilities = head.headers[capabilityHeader]
        // Two values of one header are two answers to one question: which one the gateway meant
        // is not for keyscope to guess.
        if keys.count > 1 { return .invalid(reason: "\(keyHeader) given \(keys.count) times") }
        if capabilities.count > 1 { return .invalid(reason: "\(capabilityHeader) given \(capabilities.count) times") }
        guard let key = keys.first, !key.isEmpty else { return .missingKey }
        guard let capability = capabilities.first, !capability.isEmpty else { return .missingCapability }
        if key.utf8.count > Self.maximumValueLength || capability.utf8.count > Self.maximumValueLength {
            return .invalid(reason: "header value longer than \(Self.maximumValueLength) bytes")
        }
        return .identified(key: key, capability: capability)
    }
}
