import NIOCore
import NIOHTTP1

/// Collects one HTTP/1.1 request at a time, asks the core what to do, and answers (or hangs up).
final class HTTPServerHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// Far above any limit the double enforces; past it the connection is closed rather than buffered.
    private static let bodyCap = 64 * 1024 * 1024

    private let core: DoubleCore
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    init(core: DoubleCore) {
        self.core = core
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
        case .body(let chunk):
            guard body.count + chunk.readableBytes <= Self.bodyCap else {
                context.close(promise: nil)
                return
            }
            body += chunk.readableBytesView
        case .end:
            guard let head else { return }
            self.head = nil
            let headers = head.headers.map { (name: $0.name, value: $0.value) }
            let outcome =
                if let request = DoubleRequest(method: head.method.rawValue, uri: head.uri, headers: headers, body: body) {
                    core.handle(request)
                } else {
                    core.handleMalformed(method: head.method.rawValue, uri: head.uri)
                }
            body = []
            perform(outcome, head: head, context: context)
        }
    }

    private func perform(_ outcome: DoubleCore.Outcome, head: HTTPRequestHead, context: ChannelHandlerContext) {
        let delay: Duration?
        let action: () -> Void
        switch outcome {
        case .drop(let after):
            delay = after
            action = { context.close(promise: nil) }
        case .respond(let response, let after):
            delay = after
            action = { self.write(response, for: head, context: context) }
        case .hang:
            return
        case .block(let query):
            return hold(query, head: head, context: context)
        }
        if let delay {
            context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(delay)) { action() }
        } else {
            action()
        }
    }

    /// Polls a blocking query every few milliseconds on the connection's event loop until it answers;
    /// a client that hung up ends it.
    private func hold(_ query: DoubleCore.BlockingQuery, head: HTTPRequestHead, context: ChannelHandlerContext) {
        context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(5)) {
            guard context.channel.isActive else { return }
            var query = query
            if let response = self.core.poll(&query) {
                self.write(response, for: head, context: context)
            } else {
                self.hold(query, head: head, context: context)
            }
        }
    }

    private func write(_ response: DoubleResponse, for request: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = HTTPHeaders(response.headers)
        headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
        let keepAlive = request.isKeepAlive
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: request.version, status: .init(statusCode: response.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }
}
