import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One answer from Consul, body collected; `text` has the configured secrets redacted.
struct ConsulResponse: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]
    /// Attempts spent to get it (more than 1 after retries).
    var attempts: Int
    let secrets: [Secret]

    /// The body as trimmed text with secrets redacted, for messages. Built only when asked for:
    /// a recursive read of 10,000 keys answers megabytes that success never needs as text.
    var text: String {
        String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).redacting(secrets)
    }
}

/// Sends requests to Consul over AsyncHTTPClient: builds URLs and headers, bounds every attempt by the
/// timeouts, retries connection failures, 5xx and 429 with backoff, and counts what it sends.
final class ConsulTransport: Sendable {
    let configuration: ConsulConfiguration
    private let client: HTTPClient
    private let longPollClient: HTTPClient
    private let origin: String
    private let attempts = NIOLockedValueBox(0)
    /// Recursive reads of large trees are big, but not this big.
    private static let maxResponseBytes = 256 * 1024 * 1024

    init(configuration: ConsulConfiguration) throws {
        self.configuration = configuration
        var clientConfiguration = HTTPClient.Configuration(
            tlsConfiguration: configuration.useTLS ? try Self.tlsConfiguration(configuration.tls) : nil,
            redirectConfiguration: .disallow,
            timeout: .init(connect: TimeAmount(configuration.connectTimeout), read: TimeAmount(configuration.readTimeout)))
        // Retrying is ours to do (bounded, classified); AHC's own would wait out the whole deadline.
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        clientConfiguration.httpVersion = .http1Only
        switch configuration.address {
        case .tcp(let host, let port):
            let urlHost: String
            if configuration.useTLS, let serverName = configuration.tls.serverName {
                // Connect to the address but greet and verify the server by its name: AHC's DNS override does both.
                clientConfiguration.dnsOverride = [serverName: host]
                urlHost = serverName
            } else {
                urlHost = host.contains(":") ? "[\(host)]" : host
            }
            origin = "\(configuration.useTLS ? "https" : "http")://\(urlHost):\(port)" + configuration.pathPrefix
        case .unixSocket(let path):
            // AHC reads the socket path from the host part, percent-encoded.
            origin = "\(configuration.useTLS ? "https" : "http")+unix://\(QueryEncoding.encode(path))"
        }
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: clientConfiguration)
        // A blocking query is silent until it answers: no read timeout, the request's deadline bounds it.
        var polling = clientConfiguration
        polling.timeout.read = nil
        longPollClient = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: polling)
    }

    /// Requests sent, retries included.
    var requestCount: Int { attempts.withLockedValue { $0 } }

    func shutdown() async throws {
        try await client.shutdown()
        try await longPollClient.shutdown()
    }

    /// Sends `method path?query` and returns Consul's answer, whatever its status, once it is final:
    /// not retryable, or out of attempts. Throws `ConsulError` for transport failures.
    /// `budget` bounds the whole call, retries and backoff included: no attempt starts or runs past it.
    /// `holding` is the `wait` of a blocking query: each attempt may last that long, plus Consul's
    /// jitter of up to a sixteenth of it, plus the read timeout.
    func send(
        _ method: HTTPMethod, path: String, query: [(String, String?)] = [], body: [UInt8]? = nil,
        contentType: String = "application/json", budget: Duration? = nil, holding: Duration? = nil
    ) async throws -> ConsulResponse {
        let request = makeRequest(method, path: path, query: query, body: body, contentType: contentType)
        let label = label(method, path: path)
        let policy = configuration.retry
        let end = budget.map { ContinuousClock.now + $0 }
        var attempt = 1
        while true {
            attempts.withLockedValue { $0 += 1 }
            let outcome: Result<ConsulResponse, ConsulError>
            do throws(ConsulError) {
                outcome = .success(try await execute(request, label: label, attempt: attempt, end: end, holding: holding))
            } catch {
                outcome = .failure(error)
            }
            let retry: Bool
            switch outcome {
            case .success(let response):
                retry = RetryPolicy.isRetryable(status: response.status)
                    && !RetryPolicy.isKeyRejection(status: response.status, body: response.body)
            case .failure(let error): retry = Self.isRetryable(error)
            }
            let backoff = policy.backoff(afterAttempt: attempt, jitter: Double.random(in: 0...1))
            guard retry, attempt < policy.maxAttempts, end.map({ ContinuousClock.now + backoff < $0 }) ?? true else {
                return try outcome.get()
            }
            try await Task.sleep(for: backoff)
            attempt += 1
        }
    }

    /// `GET /v1/kv/a?recurse` as errors name a request: no host, no secrets.
    func label(_ method: HTTPMethod, path: String) -> String { "\(method.rawValue) \(path)" }

    private func makeRequest(
        _ method: HTTPMethod, path: String, query: [(String, String?)], body: [UInt8]?, contentType: String
    ) -> HTTPClientRequest {
        var parameters = query
        parameters += [("dc", configuration.datacenter), ("ns", configuration.namespace), ("partition", configuration.partition)]
            .filter { $0.1 != nil }
        let queryText = parameters.map { name, value in
            value.map { "\(name)=\(QueryEncoding.encode($0))" } ?? name
        }.joined(separator: "&")
        var request = HTTPClientRequest(url: origin + path + (queryText.isEmpty ? "" : "?" + queryText))
        request.method = method
        request.headers.add(name: "User-Agent", value: "kvctl")
        if let token = configuration.token { request.headers.add(name: "X-Consul-Token", value: token.revealed) }
        if let auth = configuration.basicAuth {
            let credentials = Data("\(auth.username):\(auth.password.revealed)".utf8).base64EncodedString()
            request.headers.add(name: "Authorization", value: "Basic \(credentials)")
        }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        return request
    }

    private func execute(
        _ request: HTTPClientRequest, label: String, attempt: Int, end: ContinuousClock.Instant?, holding: Duration?
    ) async throws(ConsulError) -> ConsulResponse {
        let address = configuration.addressDescription
        var allowed = configuration.connectTimeout + configuration.readTimeout + (holding.map { $0 + $0 / 16 } ?? .zero)
        if let end { allowed = min(allowed, max(end - ContinuousClock.now, .zero)) }
        do {
            let deadline = NIODeadline.now() + TimeAmount(allowed)
            let response = try await (holding == nil ? client : longPollClient).execute(request, deadline: deadline)
            let body = try await response.body.collect(upTo: Self.maxResponseBytes)
            return ConsulResponse(status: Int(response.status.code), headers: response.headers,
                                  body: Array(body.readableBytesView), attempts: attempt, secrets: configuration.secrets)
        } catch let error as HTTPClientError where error == .connectTimeout {
            throw .timedOut(address: address, waitingFor: "connection", after: configuration.connectTimeout)
        } catch let error as HTTPClientError where error == .readTimeout || error == .deadlineExceeded {
            throw .timedOut(address: address, waitingFor: "response", after: min(configuration.readTimeout, allowed))
        } catch let error as HTTPClientError where error == .remoteConnectionClosed {
            throw .unreachable(address: address, reason: "the connection closed before a response", attempts: attempt)
        } catch let error as NIOTooManyBytesError {
            throw .invalidResponse(address: address, request: label, problem: "\(error)")
        } catch {
            if let problem = tlsProblem(error) { throw .tlsHandshakeFailed(address: address, reason: problem) }
            throw .unreachable(address: address, reason: Self.reason(error).redacting(configuration.secrets), attempts: attempt)
        }
    }

    private static func isRetryable(_ error: ConsulError) -> Bool {
        if case .unreachable = error { return true }
        return false
    }

    /// The socket-level cause, without NIO's wrapping.
    private static func reason(_ error: any Error) -> String {
        if let connection = error as? NIOConnectionError {
            if let first = connection.connectionErrors.first { return reason(first.error) }
            if let dns = connection.dnsAError ?? connection.dnsAAAAError { return "cannot resolve \(connection.host): \(dns)" }
        }
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)).lowercased() }
        // What `tlsProblem` leaves to retrying: no certificate or protocol complaint, the connection just ended.
        if case NIOSSLError.handshakeFailed = error { return "the connection broke off during the TLS handshake" }
        return String(describing: error)
    }
}

/// Percent-encoding for query values and key path segments: everything outside RFC 3986's unreserved set.
enum QueryEncoding {
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// A key as a URL path: each segment encoded, `/` kept as the separator.
    static func keyPath(_ key: String) -> String {
        key.split(separator: "/", omittingEmptySubsequences: false).map { encode(String($0)) }.joined(separator: "/")
    }
}
