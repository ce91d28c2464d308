import NIOConcurrencyHelpers

/// The shared heart of a running double: state, faults, counters. Every connection's handler calls `handle`.
final class DoubleCore: Sendable {
    /// What the handler does with a request.
    enum Outcome: Sendable {
        case respond(DoubleResponse, after: Duration?)
        case drop(after: Duration?)
        case hang
    }

    let router: DoubleRouter
    let faults = Faults()
    let clock = DoubleClock()
    let state = NIOLockedValueBox(DoubleState())
    private let counts = NIOLockedValueBox(RequestCounts())
    private let log = NIOLockedValueBox<[RecordedRequest]>([])
    private static let logLimit = 1_000

    init(options: DoubleOptions) {
        router = DoubleRouter(options: options)
    }

    var requestCounts: RequestCounts { counts.withLockedValue { $0 } }
    var recentRequests: [RecordedRequest] { log.withLockedValue { $0 } }

    func handle(_ request: DoubleRequest) -> Outcome {
        let number = counts.withLockedValue { counts in
            counts.count(method: request.method, path: request.path)
            return counts.total
        }
        log.withLockedValue { log in
            log.append(RecordedRequest(number: number, method: request.method, uri: request.uri, headers: request.headers))
            if log.count > Self.logLimit { log.removeFirst(log.count - Self.logLimit) }
        }
        let decision = faults.decide(requestNumber: number, path: request.path)
        switch decision.action {
        case .drop:
            return .drop(after: decision.delay)
        case .hang:
            return .hang
        case .status(let status):
            return .respond(Faults.response(forStatus: status), after: decision.delay)
        case nil:
            let now = clock.now
            let response = state.withLockedValue { state in
                state.expireSessions(now: now)
                return router.respond(to: request, state: &state, now: now)
            }
            return .respond(response, after: decision.delay)
        }
    }

    /// A request the handler could not even parse into a `DoubleRequest`, counted like any other.
    func handleMalformed(method: String, uri: String) -> Outcome {
        counts.withLockedValue { $0.count(method: method, path: uri) }
        return .respond(.text(400, "invalid URL escape in \(uri)"), after: nil)
    }
}

/// A request as the double saw it, for tests that check what a client sent.
public struct RecordedRequest: Sendable {
    /// The request's number, from 1, in arrival order.
    public let number: Int
    public let method: String
    /// Path and query exactly as sent, percent-encoding included.
    public let uri: String
    public let headers: [(name: String, value: String)]

    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}
