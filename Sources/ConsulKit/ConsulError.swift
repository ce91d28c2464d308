/// Why talking to Consul failed. Every message names the address or the keys involved, never a secret.
public enum ConsulError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The environment or the flags describe no usable connection.
    case configuration(String)
    /// No connection could be made or kept (refused, reset, closed before answering), after every attempt.
    case unreachable(address: String, reason: String, attempts: Int)
    /// The TLS handshake failed: a certificate or trust problem, which retrying cannot fix.
    case tlsHandshakeFailed(address: String, reason: String)
    /// No connection within the connect timeout, or silence past the read timeout; not retried, since
    /// each attempt already spent the whole budget.
    case timedOut(address: String, waitingFor: String, after: Duration)
    /// The token may not write (or read) these keys; `message` is Consul's text.
    case permissionDenied(keys: [String], message: String)
    /// A value, a transaction or a request body over Consul's limits; `message` is Consul's text.
    case tooLarge(message: String)
    /// Any other answer kvctl did not expect; `attempts` > 1 when retries were spent on it.
    case unexpectedStatus(address: String, request: String, status: Int, message: String, attempts: Int)
    /// A 2xx answer whose body is not what Consul sends.
    case invalidResponse(address: String, request: String, problem: String)
    /// The session is gone (expired or destroyed).
    case sessionNotFound(String)
    /// A read left out keys the token may not read (`X-Consul-Results-Filtered-By-ACLs: true`).
    case resultsFilteredByACLs(prefix: String)
    /// Consul's KV endpoint refuses the key itself (its key validation); `message` is Consul's text.
    case keyRejected(key: String, message: String)
    /// No server node of `datacenter` to bind the lock session to.
    case noSessionNode(datacenter: String, reason: String)

    public var description: String {
        switch self {
        case .configuration(let message):
            return "invalid Consul configuration: \(message)"
        case .unreachable(let address, let reason, let attempts):
            return "cannot reach Consul at \(address): \(reason)\(Self.afterAttempts(attempts))"
        case .tlsHandshakeFailed(let address, let reason):
            return "TLS handshake with Consul at \(address) failed: \(reason)"
        case .timedOut(let address, let waitingFor, let after):
            return "Consul at \(address) timed out: no \(waitingFor) within \(Self.seconds(after))"
        case .permissionDenied(let keys, let message):
            return "Consul refused access to \(Self.list(keys)): \(message)"
        case .tooLarge(let message):
            return "Consul refused the request as too large: \(message)"
        case .unexpectedStatus(let address, let request, let status, let message, let attempts):
            let text = message.isEmpty ? "" : ": \(message)"
            return "Consul at \(address) answered \(status) to \(request)\(text)\(Self.afterAttempts(attempts))"
        case .invalidResponse(let address, let request, let problem):
            return "Consul at \(address) sent an unreadable answer to \(request): \(problem)"
        case .sessionNotFound(let id):
            return "Consul session \(id) no longer exists"
        case .resultsFilteredByACLs(let prefix):
            let keys = prefix.isEmpty ? "the store" : "'\(prefix)'"
            return "Consul left keys under \(keys) out of the read because the token may not read them "
                + "(X-Consul-Results-Filtered-By-ACLs: true); kvctl does not plan deletes, ownership or drift on a partial view: "
                + "give the token key_prefix \"\(prefix)\" { policy = \"read\" } (or write)"
        case .keyRejected(let key, let message):
            return "Consul refuses the key '\(key)': \(message) (not retried; Consul 1.21.5's key check rejects spaces and "
                + "most punctuation, later versions only traversal and surrounding spaces)"
        case .noSessionNode(let datacenter, let reason):
            return "cannot create the lock session in datacenter \(datacenter): \(reason)"
        }
    }

    private static func afterAttempts(_ attempts: Int) -> String {
        attempts > 1 ? " (gave up after \(attempts) attempts)" : ""
    }

    private static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let milliseconds = attoseconds / 1_000_000_000_000_000
        return milliseconds == 0 ? "\(seconds)s" : "\(Double(seconds) + Double(milliseconds) / 1000)s"
    }

    private static func list(_ keys: [String]) -> String {
        let shown = keys.prefix(5).joined(separator: ", ")
        return keys.count > 5 ? "\(shown) and \(keys.count - 5) more" : shown
    }
}
