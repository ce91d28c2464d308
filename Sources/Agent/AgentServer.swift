import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// What the HTTP endpoint reads and triggers; the agent owns it, the server only serves it.
public final class AgentState: Sendable {
    public let metrics: AgentMetrics
    public let wakeup: Wakeup
    /// Nil: webhooks are off (no `--webhook-secret-file`), and every hook request is refused.
    public let verifier: WebhookVerifier?
    /// `/v1/status`: the JSON of `kvctl status --env`, read when asked.
    public let status: @Sendable () async throws -> [UInt8]
    private let ready = NIOLockedValueBox(false)

    public init(metrics: AgentMetrics, wakeup: Wakeup, verifier: WebhookVerifier?, status: @escaping @Sendable () async throws -> [UInt8]) {
        self.metrics = metrics
        self.wakeup = wakeup
        self.verifier = verifier
        self.status = status
    }

    /// Ready once the first reconcile ended, whatever its result (a standby is ready once it knows it is one).
    public var isReady: Bool { ready.withLockedValue { $0 } }
    public func markReady() { ready.withLockedValue { $0 = true } }
}

/// The agent's HTTP endpoint (Hummingbird): /metrics, /healthz, /readyz, /v1/status, POST /hooks/git.
public enum AgentServer {
    /// Webhook bodies above this are refused (413) before any HMAC is computed: push events are far smaller.
    public static let maxHookBody = 4 << 20

    /// `listening` receives the bound address (`127.0.0.1:0` binds a free port) once the server accepts connections.
    public static func application(host: String, port: Int, state: AgentState, logger: Logger,
                                   listening: @escaping @Sendable (String) -> Void) -> some ApplicationProtocol {
        let router = Router()
        router.get("/healthz") { _, _ in text(.ok, "ok\n") }
        router.get("/readyz") { _, _ in
            state.isReady ? text(.ok, "ready\n") : text(.serviceUnavailable, "not ready: the first reconcile has not ended\n")
        }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: state.metrics.exposition())))
        }
        router.get("/v1/status") { _, _ in
            do {
                return Response(status: .ok, headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(bytes: try await state.status())))
            } catch {
                return text(.serviceUnavailable, "cannot read the status: \(error)\n")
            }
        }
        router.post("/hooks/git") { request, _ in
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: maxHookBody) } catch {
                return text(.contentTooLarge, "a webhook body is at most \(maxHookBody) bytes\n")
            }
            guard let verifier = state.verifier else {
                return text(.unauthorized, "webhooks are off: start the agent with --webhook-secret-file\n")
            }
            let verdict = verifier.verify(body: Array(buffer: body)) { name in
                request.headers.first { $0.name.canonicalName == name }?.value
            }
            switch verdict {
            case .success(let sender):
                logger.info("webhook verified: fetching now", metadata: ["sender": "\(sender.rawValue)"])
                state.wakeup.fire()
                return text(.accepted, "accepted: fetching now\n")
            case .failure(let refusal):
                logger.warning("webhook refused", metadata: ["reason": "\(refusal.description)"])
                return text(.unauthorized, "refused: \(refusal.description)\n")
            }
        }
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "kvctl-agent"),
            onServerRunning: { channel in
                let address = channel.localAddress.map { "\($0.ipAddress ?? host):\($0.port ?? port)" } ?? "\(host):\(port)"
                listening(address)
            },
            logger: logger)
    }

    private static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
