import KeyscopeRuntime
import NIOHTTP1

/// One response of the service, decided without I/O (so that every status is testable as a value).
public struct AuthzAnswer: Sendable, Equatable {
    public var status: HTTPResponseStatus
    public var headers: [(String, String)]
    public var body: String

    public static func == (lhs: AuthzAnswer, rhs: AuthzAnswer) -> Bool {
        lhs.status == rhs.status && lhs.body == rhs.body
            && lhs.headers.map { "\($0.0): \($0.1)" } == rhs.headers.map { "\($0.0): \($0.1)" }
    }

    /// The reason a denial carries in `X-Keyscope-Reason` (and in its JSON body).
    public var reason: String? { headers.first { $0.0 == "X-Keyscope-Reason" }?.1 }

    static func json(_ status: HTTPResponseStatus, reason: String, error: String) -> AuthzAnswer {
        AuthzAnswer(
            status: status, headers: [("Content-Type", "application/json"), ("X-Keyscope-Reason", reason)],
            body: "{\"error\": \"\(JSONText.escaped(error))\", \"reason\": \"\(reason)\"}")
    }

    /// SPEC §11 for a decision: 200 with the key, capability and serial; 403 with exactly the
    /// §1 body for `not-in-scope`; 403 naming the reason for an expired key, an unknown
    /// capability or a request no route matches; 401 for an unknown key; 503 without a valid
    /// table (fail closed).
    ///
    /// `path` is the normalised path a route matched (SPEC §12), sent back as `X-Keyscope-Path`
    /// so that the gateway forwards exactly the path that was authorized: an upstream that read
    /// `/v1/orders/%2e%2e/admin` differently from the gateway would otherwise serve a path
    /// nobody decided on.
    public static func decision(
        _ decision: Decision, key: String, capability: String, serial: UInt64?, path: String? = nil
    ) -> AuthzAnswer {
        switch decision {
        case .allow:
            return AuthzAnswer(
                status: .ok,
                headers: [
                    ("X-Keyscope-Key", key), ("X-Keyscope-Capability", capability),
                    ("X-Keyscope-Serial", serial.map(String.init) ?? ""),
                ] + (path.map { [("X-Keyscope-Path", $0)] } ?? []), body: "")
        case .deny(.notInScope):
            // The capability is in the table here, so its id is a catalog id, not request text.
            return AuthzAnswer(
                status: .forbidden,
                headers: [
                    ("Content-Type", "application/json"), ("X-Keyscope-Reason", DenyReason.notInScope.words),
                    ("X-Keyscope-Capability", capability),
                ], body: ForbiddenResponse.body(capabilityID: capability))
        case .deny(.keyExpired):
            return json(.forbidden, reason: DenyReason.keyExpired.words, error: "API key has expired")
        case .deny(.unknownCapability):
            return json(.forbidden, reason: DenyReason.unknownCapability.words, error: "unknown capability")
        case .deny(.unknownRoute):
            return json(.forbidden, reason: DenyReason.unknownRoute.words, error: "no route matches the request")
        case .deny(.unknownKey):
            return json(.unauthorized, reason: DenyReason.unknownKey.words, error: "unknown API key")
        case .deny(.tableExpired):
            return json(.serviceUnavailable, reason: "no-valid-table", error: "no valid scope table is loaded")
        }
    }

    /// What an identification failure answers.
    public static func unidentified(_ identification: Identification) -> AuthzAnswer {
        switch identification {
        case .identified: preconditionFailure("identified requests are decided")
        case .missingKey: return json(.unauthorized, reason: "missing-key", error: "no API key in the request")
        case .missingCapability:
            return json(
                .badRequest, reason: "missing-capability", error: "the gateway did not name the capability")
        case .invalid(let reason): return json(.badRequest, reason: "invalid-request", error: reason)
        }
    }
}
