import NIOCore
import NIOHTTP1

/// One connection's HTTP/1 exchange: each complete request gets its answer at once, in order.
///
/// Written on SwiftNIO's HTTP/1 pipeline rather than a router: the answer is a table lookup of a
/// few hundred nanoseconds, and the calibration showed a default router setup costing
/// more CPU per request than the target allows. Request bodies are read and dropped (an auth
/// subrequest has none that matters).
final class AuthzHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let service: AuthzService
    private var head: HTTPRequestHead?
    private var answered = 0

    init(service: AuthzService) {
        self.service = service
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head else { return }
            self.head = nil
            answered += 1
            respond(context: context, head: head, answer: service.answer(head))
        }
    }

    private func respond(context: ChannelHandlerContext, head: HTTPRequestHead, answer: AuthzAnswer) {
        let keepAlive =
            head.isKeepAlive && answered < service.limits.maximumRequestsPerConnection && !service.isDraining
        var headers = HTTPHeaders(answer.headers)
        headers.add(name: "Content-Length", value: String(answer.body.utf8.count))
        // Said out loud when closing: a proxy that keeps upstream connections open (nginx
        // `keepalive`) must not find one closed under a request it already sent.
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: answer.status, headers: headers))),
            promise: nil)
        if !answer.body.isEmpty {
            var buffer = context.channel.allocator.buffer(capacity: answer.body.utf8.count)
            buffer.writeString(answer.body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                loopBound.value.close(promise: nil)
            }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A reset by the peer or a malformed request (answered 400 by NIO's error handler): the
        // connection is over; the service goes on.
        context.close(promise: nil)
    }
}
