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
        let decision = store.decide(key: key, capability: capability)
        let serial = decision == .allow ? store.currentSerial : nil
        let answer = AuthzAnswer.decision(decision, key: key, capability: capability, serial: serial)
        metrics.count(answer.reason ?? "allow")
        return answer
    }
}
