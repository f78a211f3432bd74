import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// The listening side of `keyscope serve`, as a service of a `ServiceGroup`: binds, serves until
/// graceful shutdown, then stops accepting, lets every connection finish its current answer
/// (each then closes with `Connection: close`) and exits after at most `drainSeconds`.
public struct AuthzServer: Service {
    public var host: String
    public var port: Int
    public var service: AuthzService
    public var logger: Logger
    public var threads: Int
    public var drainSeconds: Int64 = 5
    /// Called with the bound address (port 0 picks a free one), for tests and the startup log.
    public var onBound: @Sendable (SocketAddress) -> Void = { _ in }

    public init(host: String, port: Int, service: AuthzService, logger: Logger, threads: Int = System.coreCount) {
        self.host = host
        self.port = port
        self.service = service
        self.logger = logger
        self.threads = threads
    }

    public func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
        let service = self.service
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderListSize = service.limits.maximumHeaderBytes
        limits.maxHeaderFieldSize = service.limits.maximumHeaderBytes
        limits.maxHeaderFieldCount = 256
        let decoderLimits = limits
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                // Over the connection limit, or shutting down: accepted and closed at once.
                let open = service.openConnections.add(1, ordering: .relaxed).newValue
                service.metrics.connections.set(Double(open))
                channel.closeFuture.whenComplete { _ in
                    let open = service.openConnections.subtract(1, ordering: .relaxed).newValue
                    service.metrics.connections.set(Double(open))
                }
                if open > service.limits.maximumConnections || service.isDraining {
                    return channel.close()
                }
                return channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.configureHTTPServerPipeline(
                        withPipeliningAssistance: false, withErrorHandling: true,
                        withOutboundHeaderValidation: true, withEncoderConfiguration: .init(),
                        withDecoderLimitConfiguration: decoderLimits)
                    try sync.addHandler(IdleStateHandler(readTimeout: .seconds(service.limits.idleTimeoutSeconds)))
                    try sync.addHandler(AuthzHandler(service: service))
                }
            }
        let channel: Channel
        do {
            channel = try await bootstrap.bind(host: host, port: port).get()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        if let address = channel.localAddress { onBound(address) }
        logger.info(
            "listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "\(host):\(port)")"])
        // Serves until the service group asks for a graceful shutdown (SIGTERM, SIGINT).
        await withGracefulShutdownHandler {
            try? await channel.closeFuture.get()
        } onGracefulShutdown: {
            service.startDraining()
            channel.close(promise: nil)
        }
        let deadline = ContinuousClock.now + .seconds(drainSeconds)
        while service.openConnections.load(ordering: .relaxed) > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        logger.info("stopped", metadata: ["open_connections": "\(service.openConnections.load(ordering: .relaxed))"])
        try await group.shutdownGracefully()
    }
}
