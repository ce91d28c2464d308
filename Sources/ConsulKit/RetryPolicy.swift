/// Bounded retries with exponential backoff and jitter, for connection failures, 5xx and 429 only.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included; 1 disables retrying.
    public var maxAttempts: Int
    public var initialBackoff: Duration
    public var maxBackoff: Duration

    public init(maxAttempts: Int = 4, initialBackoff: Duration = .milliseconds(200), maxBackoff: Duration = .seconds(3)) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// The wait after failed attempt `attempt` (from 1): the capped exponential step scaled into
    /// [50%, 100%] by `jitter` in [0, 1], so that clients failing together do not retry together.
    public func backoff(afterAttempt attempt: Int, jitter: Double) -> Duration {
        let doublings = min(max(attempt - 1, 0), 30)
        let step = min(initialBackoff * (1 << doublings), maxBackoff)
        return step * (0.5 + 0.5 * min(max(jitter, 0), 1))
    }

    /// Consul's retryable answers: the 5xx family (no leader, RPC errors) and 429 (rate limiting).
    static func isRetryable(status: Int) -> Bool {
        status == 429 || (500...599).contains(status)
    }

    /// A key Consul's KV endpoint refuses to serve, which asking again cannot change: Consul 1.21.5's
    /// key check answers 500 "invalid key name, keys should respect the ... format" (hashicorp/consul#22835),
    /// later ones 400 with "key contains ..." / "key must not ..." (hashicorp/consul agent/kvs_endpoint.go, validateKVKey).
    static func isKeyRejection(status: Int, body: [UInt8]) -> Bool {
        guard status == 500 || status == 400 else { return false }
        let text = String(decoding: body.prefix(64), as: UTF8.self)
        return ["invalid key name", "key contains ", "key must not ", "key cannot be empty"].contains(where: text.hasPrefix)
    }
}
