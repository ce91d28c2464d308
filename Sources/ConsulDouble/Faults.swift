import NIOConcurrencyHelpers

/// Switches that make the double misbehave like a Consul under stress. Requests are numbered from 1
/// in arrival order since the double started (`ConsulDouble.requestCount`).
public final class Faults: Sendable {
    enum Action: Sendable, Equatable {
        case status(Int)
        case drop
        /// Never answer: the connection stays open and silent until the client gives up or dies.
        case hang
        /// Serve the request (a write commits), then answer `status` instead of the real answer.
        case commitThenStatus(Int)
        /// Serve the request (a write commits), then close the connection without answering.
        case commitThenDrop
    }

    /// What happens to one request: an optional delay, then a failure, a dropped connection or the real answer.
    struct Decision: Sendable {
        var delay: Duration?
        var action: Action?
    }

    private struct State {
        var next: [Action] = []
        var byNumber: [Int: Action] = [:]
        var byPath: [(prefix: String, action: Action)] = []
        var onceByPath: [(prefix: String, action: Action)] = []
        var delay: Duration?
        var stall: TransactionStall?
    }

    private let state = NIOLockedValueBox(State())

    init() {}

    /// The next `count` requests answer `status` (500 and 429 carry Consul's usual texts).
    public func failNext(count: Int = 1, status: Int = 500) {
        state.withLockedValue { $0.next += Array(repeating: .status(status), count: count) }
    }

    /// Request number `number` answers `status`.
    public func failRequest(number: Int, status: Int = 500) {
        state.withLockedValue { $0.byNumber[number] = .status(status) }
    }

    /// Every request whose path starts with `pathPrefix` (e.g. `/v1/txn`) answers `status` until `clear()`.
    public func failEvery(pathPrefix: String, status: Int = 500) {
        state.withLockedValue { $0.byPath.append((pathPrefix, .status(status))) }
    }

    /// The next `count` requests get their connection closed without any response.
    public func dropNext(count: Int = 1) {
        state.withLockedValue { $0.next += Array(repeating: .drop, count: count) }
    }

    /// Request number `number` gets its connection closed without any response.
    public func dropRequest(number: Int) {
        state.withLockedValue { $0.byNumber[number] = .drop }
    }

    /// The next request whose path starts with `pathPrefix` is served, so a transaction commits, and then
    /// answers `status`: a leader deposed while committing answers 500 "leadership lost while committing
    /// log", though the entry may still commit (hashicorp/raft api.go, `ErrLeadershipLost`).
    public func commitThenFail(pathPrefix: String = "/v1/txn", status: Int = 500) {
        state.withLockedValue { $0.onceByPath.append((pathPrefix, .commitThenStatus(status))) }
    }

    /// The next request whose path starts with `pathPrefix` is served, so a transaction commits, and then
    /// its connection is closed without an answer: the answer lost on the way back.
    public func commitThenDrop(pathPrefix: String = "/v1/txn") {
        state.withLockedValue { $0.onceByPath.append((pathPrefix, .commitThenDrop)) }
    }

    /// Every response (faulted or not) waits `delay` first; nil stops delaying.
    public func delayResponses(by delay: Duration?) {
        state.withLockedValue { $0.delay = delay }
    }

    /// Every `/v1/txn` request after the next `count` ones waits `delay` before it is handled, or with
    /// nil is never answered: a kill or a lost lock then lands after exactly `count` transactions.
    public func stallTransactions(after count: Int, for delay: Duration? = nil) {
        state.withLockedValue { $0.stall = TransactionStall(remaining: count, delay: delay) }
    }

    public func clear() {
        state.withLockedValue { $0 = State() }
    }

    func decide(requestNumber: Int, path: String) -> Decision {
        state.withLockedValue { state in
            var action = state.byNumber.removeValue(forKey: requestNumber)
            if action == nil, !state.next.isEmpty { action = state.next.removeFirst() }
            if action == nil, let once = state.onceByPath.firstIndex(where: { path.hasPrefix($0.prefix) }) {
                action = state.onceByPath.remove(at: once).action
            }
            if action == nil { action = state.byPath.first { path.hasPrefix($0.prefix) }?.action }
            if path.hasPrefix("/v1/txn"), let stall = state.stall {
                if stall.remaining > 0 {
                    state.stall?.remaining -= 1
                } else if let delay = stall.delay {
                    return Decision(delay: (state.delay ?? .zero) + delay, action: action)
                } else {
                    return Decision(delay: nil, action: .hang)
                }
            }
            return Decision(delay: state.delay, action: action)
        }
    }

    static func response(forStatus status: Int) -> DoubleResponse {
        switch status {
        case 429: .text(429, "rate limit exceeded, try again later or against a different server")
        case 500: .text(500, "No cluster leader")
        default: .text(status, "fault injected by the Consul double")
        }
    }
}

/// `Faults.stallTransactions`: how many transactions still pass, then the delay of the rest (nil: no answer).
private struct TransactionStall {
    var remaining: Int
    var delay: Duration?
}
