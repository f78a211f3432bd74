import ArgumentParser
import Foundation
import KeyscopeRuntime
import KeyscopeServe
import Logging
import ServiceLifecycle

/// `keyscope-serve` (also run as `keyscope serve`): the authorization service gateways delegate
/// to (SPEC §11). A separate executable so that the command-line tool builds without SwiftNIO.
@main
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keyscope serve",
        abstract: "Answer gateway authorization requests (nginx auth_request, Caddy forward_auth) from a signed table.",
        discussion: """
            GET /authz with the key and capability in headers (or, with --key-from secret and \
            --capability-from nginx|forwarded, the API key itself and the original method \
            and URI, matched against the table's fingerprints and routes): 200 allowed; 403 with the \
            product's body when out of scope; 403 naming the reason for an expired key, an unknown \
            capability or a request no route matches; 401 for a missing or unknown key; 503 without \
            a valid table (fail closed). Also /healthz, /readyz, /metrics (Prometheus). SIGHUP \
            reloads, SIGTERM drains and exits.
            """)

    @Option(help: ArgumentHelp("The table file to serve and watch (DIR/<product>/current.kst).", valueName: "file"))
    var table: String?

    @Option(
        help: ArgumentHelp("A publish directory over HTTP(S), polled: BASE/<product>/current.json.", valueName: "base"))
    var url: String?

    @Option(help: "The product to serve (required with --url; checked against the table with --table).")
    var product: String?

    @Option(
        name: .customLong("trusted-key"),
        help: ArgumentHelp(
            "A trusted public key (.pub.pem) or a directory of them. Repeatable. Default: $KEYSCOPE_TRUSTED_KEYS.",
            valueName: "path"))
    var trustedKeys: [String] = []

    @Option(help: "Address to listen on, HOST:PORT (loopback by default).")
    var listen: String = "127.0.0.1:7070"

    @Option(
        help: ArgumentHelp(
            "Where the key comes from: `name` (the key's name in --key-header) or `secret` (the API key itself in --secret-header, looked up by its fingerprint).",
            valueName: "name|secret"))
    var keyFrom: KeySourceOption = .name

    @Option(help: "The request header naming the key (--key-from name).")
    var keyHeader: String = "X-Keyscope-Key"

    @Option(
        help:
            "The request header carrying the API key (--key-from secret): `Authorization` (scheme Bearer) or a header holding only the key, such as X-API-Key."
    )
    var secretHeader: String = "Authorization"

    @Option(
        help: ArgumentHelp(
            "Where the capability comes from: `header` (its id in --capability-header), or the original method and URI matched against the table's routes: `nginx` (X-Original-Method, X-Original-URI), or `forwarded` (X-Forwarded-Method, X-Forwarded-Uri: Caddy, Traefik).",
            valueName: "header|nginx|forwarded"))
    var capabilityFrom: CapabilitySourceOption = .header

    @Option(help: "The request header naming the capability (--capability-from header).")
    var capabilityHeader: String = "X-Keyscope-Capability"

    @Option(help: "Seconds between polls of --url.")
    var pollInterval: Double = 5

    @Option(help: "Event-loop threads (default: one per core).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Close a connection idle for this many seconds.")
    var idleTimeout: Int64 = 60

    @Option(help: "Requests per connection before closing it.")
    var maxRequestsPerConnection: Int = 100_000

    @Option(help: "Connections beyond this are closed at once.")
    var maxConnections: Int = 16_384

    mutating func validate() throws {
        guard (table == nil) != (url == nil) else {
            throw ValidationError("give exactly one of --table FILE and --url BASE")
        }
        if url != nil, product == nil { throw ValidationError("--url needs --product") }
        guard Self.parse(listen: listen) != nil else {
            throw ValidationError("--listen expects HOST:PORT, got \(listen)")
        }
    }

    static func parse(listen: String) -> (host: String, port: Int)? {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(listen[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }

    /// `--trusted-key` (or `KEYSCOPE_TRUSTED_KEYS`), read as the command-line tool reads them.
    static func trustedKeys(_ paths: [String]) throws -> [TrustedKey] {
        guard !paths.isEmpty else {
            throw ValidationError(
                "no trusted keys: pass --trusted-key FILE (or a directory), or set KEYSCOPE_TRUSTED_KEYS")
        }
        do {
            return try TrustedKey.load(from: paths)
        } catch {
            throw ValidationError(error.message)
        }
    }

    func run() async throws {
        LoggingSystem.bootstrap { JSONLinesLogHandler(label: $0) }
        let logger = Logger(label: "keyscope.serve")
        let keys = try Self.trustedKeys(
            trustedKeys.isEmpty
                ? (ProcessInfo.processInfo.environment["KEYSCOPE_TRUSTED_KEYS"]?.split(separator: ":").map(String.init)
                    ?? []) : trustedKeys)
        let options = TableOpenOptions(trustedKeys: keys, expectedProduct: product, now: nil)
        let identifier = GatewayIdentifier(
            key: keyFrom == .name ? .nameHeader(keyHeader) : .secretHeader(secretHeader),
            capability: {
                switch capabilityFrom {
                case .header: .idHeader(capabilityHeader)
                case .nginx: .originalRequest(methodHeader: "X-Original-Method", uriHeader: "X-Original-URI")
                case .forwarded: .originalRequest(methodHeader: "X-Forwarded-Method", uriHeader: "X-Forwarded-Uri")
                }
            }())
        let store = ScopeTableStore(path: table ?? "", options: options)
        let metrics = ServeMetrics()
        var limits = ServeLimits()
        limits.idleTimeoutSeconds = idleTimeout
        limits.maximumRequestsPerConnection = maxRequestsPerConnection
        limits.maximumConnections = maxConnections
        let service = AuthzService(
            store: store, identifier: identifier,
            metrics: metrics, limits: limits)
        let source: any Service
        if let table {
            let files = FileTableSource(store: store, metrics: metrics, logger: logger)
            files.loadNow()
            _ = table
            source = files
        } else {
            let poller = URLTableSource(
                base: url ?? "", product: product ?? "", store: store, metrics: metrics, logger: logger,
                intervalSeconds: pollInterval)
            _ = poller.poll(etag: nil)
            source = poller
        }
        // A table without what the chosen mode looks up denies every call: say so at once.
        if let served = store.current {
            if keyFrom == .secret && served.header.fingerprintCount == 0 {
                logger.warning(
                    "the table holds no fingerprints: with --key-from secret every call is 401 unknown-key",
                    metadata: ["serial": "\(served.header.serial)", "format": "\(served.header.formatVersion)"])
            }
            if capabilityFrom != .header && served.header.routeCount == 0 {
                logger.warning(
                    "the table holds no routes: with --capability-from \(capabilityFrom.rawValue) every call is 403 unknown-route",
                    metadata: ["serial": "\(served.header.serial)", "format": "\(served.header.formatVersion)"])
            }
        }
        let (host, port) = Self.parse(listen: listen) ?? ("127.0.0.1", 7070)
        let server = AuthzServer(host: host, port: port, service: service, logger: logger, threads: threads)
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: source),
                    .init(service: server, successTerminationBehavior: .gracefullyShutdownGroup),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

enum KeySourceOption: String, ExpressibleByArgument, CaseIterable {
    case name, secret
}

enum CapabilitySourceOption: String, ExpressibleByArgument, CaseIterable {
    case header, nginx, forwarded
}
