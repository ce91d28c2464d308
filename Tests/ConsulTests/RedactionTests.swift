import ConsulKit
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

/// README: "a token or password in a server's answer is replaced by `<redacted>`". A proxy or a
/// misconfigured server can echo what it was sent; kvctl quotes answers in its errors.
@Suite struct RedactionTests {
    @Test func aTokenOrPasswordEchoedByTheServerIsRedacted() async throws {
        let token = "5e1f0d2c-echoed-token", password = "hunter2-echoed"
        let body = "token \(token) rejected for user bob:\(password)"
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap { channel.pipeline.addHandler(FixedAnswer(status: 500, body: body)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let address = "http://127.0.0.1:\(server.localAddress?.port ?? 0)"
        var configuration = try ConsulConfiguration.fromEnvironment(
            ["CONSUL_HTTP_ADDR": address, "CONSUL_HTTP_TOKEN": token, "CONSUL_HTTP_AUTH": "bob:\(password)"])
        configuration.retry = RetryPolicy(maxAttempts: 1)
        var failure: (any Error)?
        do {
            try await ConsulClient.withClient(configuration) { consul in _ = try await consul.entries(under: "config/") }
        } catch {
            failure = error
        }
        try await server.close()
        try await group.shutdownGracefully()
        guard let error = failure else {
            Issue.record("a 500 was taken for an answer")
            return
        }
        #expect(error as? ConsulError == .unexpectedStatus(address: address, request: "GET /v1/kv/config/", status: 500,
                                                           message: "token <redacted> rejected for user bob:<redacted>", attempts: 1))
        #expect(!"\(error)".contains(token) && !"\(error)".contains(password))
    }
}

/// Answers every request with one status and body.
private final class FixedAnswer: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let status: Int
    let body: String

    init(status: Int, body: String) {
        self.status = status
        self.body = body
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        let headers = HTTPHeaders([("Content-Length", "\(body.utf8.count)"), ("Content-Type", "text/plain")])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
