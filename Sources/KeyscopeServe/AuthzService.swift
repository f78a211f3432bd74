import KeyscopeRuntime
import Logging
import NIOHTTP1
import Synchronization

/// Limits on what one client may hold or send (SPEC §11: bounded headers, requests per
/// connection and idle time).
public struct ServeLimits: Sendable {
    /// All header names and values of one request together.
    public var maximumHeaderBytes = 16 * 1024
    /// Requests on one connection before the service closes it (saying `Connection: close`).
    public var maximumRequestsPerConnection = 100_000
    /// A connection with nothing to read for this long is closed.
    public var idleTimeoutSeconds: Int64 = 60
    /// Connections beyond this are closed as soon as they are accepted.
    public var maximumConnections = 16_384

    public init() {}
}

/// What the service answers, for every path: the part of `serve` that needs no sockets.
public final class AuthzService: Sendable {
    public let store: ScopeTableStore
    public let identifier: any RequestIdentifier
    public let metrics: ServeMetrics
    public let limits: ServeLimits
    let clock: CoarseClock
    private let draining = Atomic<Bool>(false)
    let openConnections = Atomic<Int>(0)

    public init(
        store: ScopeTableStore, identifier: any RequestIdentifier, metrics: ServeMetrics = ServeMetrics(),
        limits: ServeLimits = ServeLimits(), clock: CoarseClock = .shared
    ) {
        self.store = store
        self.identifier = identifier
        self.metrics = metrics
        self.limits = limits
        self.clock = clock
    }

    /// Set on shutdown: every response then closes its connection.
    public var isDraining: Bool { draining.load(ordering: .relaxed) }
    func startDraining() { draining.store(true, ordering: .relaxed) }

    /// Whether a verified, unexpired table is served.
    public var isReady: Bool {
        guard let table = store.current else { return false }
        return clock.now <= table.header.expiresAt
    }

    /// The answer to one request.
    public func answer(_ head: HTTPRequestHead) -> AuthzAnswer {
        // The path without the query, as a view of the URI: no array of pieces per request.
        let path = head.uri.firstIndex(of: "?").map { head.uri[..<$0] } ?? head.uri[...]
        switch path {
        case "/authz": return authorize(head)
        case "/healthz": return AuthzAnswer(status: .ok, headers: [("Content-Type", "text/plain")], body: "ok\n")
        case "/readyz":
            return isReady
                ? AuthzAnswer(status: .ok, headers: [("Content-Type", "text/plain")], body: "ready\n")
                : AuthzAnswer.json(
                    .serviceUnavailable, reason: "no-valid-table", error: "no valid scope table is loaded")
        case "/metrics":
            return AuthzAnswer(
                status: .ok, headers: [("Content-Type", "text/plain; version=0.0.4")],
                body: metrics.exposition(table: store.current, now: clock.now))
        default:
            return AuthzAnswer.json(.notFound, reason: "not-found", error: "no such endpoint")
        }
    }

    /// `/authz`: identify, decide, count.
    public func authorize(_ head: HTTPRequestHead) -> AuthzAnswer {
        let identification = identifier.identify(head)
        guard case .identified(let key, let capability) = identification else {
            let answer = AuthzAnswer.unidentified(identification)
            metrics.count(answer.reason ?? "invalid-request")
            return answer
        }
        let answer = store.withCurrentTable { table, now -> AuthzAnswer in
            guard let table else {
                return AuthzAnswer.decision(.deny(.tableExpired), key: "", capability: "", serial: nil)
            }
            return Self.decide(key: key, capability: capability, table: table, now: now)
        }
        metrics.count(answer.reason ?? "allow")
        return answer
    }

    /// One decision from one table: the key by name or by the fingerprint of its secret, the
    /// capability by id or by the route of the original request.
    static func decide(key: KeyQuery, capability: CapabilityQuery, table: ScopeTable, now: Int64) -> AuthzAnswer {
        let keyRecord: KeyRecordRef?
        switch key {
        case .name(var name): keyRecord = name.withUTF8 { table.findKey(name: UnsafeRawBufferPointer($0)) }
        case .fingerprint(let digest): keyRecord = digest.withUnsafeBytes { table.findKey(fingerprint: $0) }
        }
        let capabilityRef: CapabilityRef?
        let notFound: DenyReason
        var matchedPath: Substring?
        switch capability {
        case .id(var id):
            capabilityRef = id.withUTF8 { table.findCapability(id: UnsafeRawBufferPointer($0)) }
            notFound = .unknownCapability
        case .route(let method, let target):
            notFound = .unknownRoute
            // A path the gateway and keyscope could read two ways matches no route: denied.
            if keyRecord != nil, var path = try? RequestPath.normalise(Substring(target)) {
                matchedPath = path
                capabilityRef = path.withUTF8 {
                    table.findRoute(method: TableFormat.RouteMethod(text: method), path: UnsafeRawBufferPointer($0))
                }
            } else {
                capabilityRef = nil
            }
        }
        let result = table.decide(key: keyRecord, capability: capabilityRef, notFound: notFound, now: now)
        // Names for the answer: the header's own text in header mode (no copy), the table's otherwise.
        let keyName: String
        switch key {
        case .name(let name): keyName = name
        case .fingerprint: keyName = result.key.map(table.keyName) ?? ""
        }
        let capabilityID: String
        switch capability {
        case .id(let id): capabilityID = id
        case .route: capabilityID = result.capability.map(table.capabilityID) ?? ""
        }
        return AuthzAnswer.decision(
            result.decision, key: keyName, capability: capabilityID,
            serial: result.decision == .allow ? table.header.serial : nil,
            path: result.decision == .allow ? matchedPath.map(String.init) : nil)
    }
}
