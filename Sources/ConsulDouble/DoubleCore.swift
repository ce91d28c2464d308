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
    /// Each datacenter's own store: nothing is replicated between them.
    let states: [String: NIOLockedValueBox<DoubleState>]
    var state: NIOLockedValueBox<DoubleState> { states[router.options.datacenter]! }
    private let counts = NIOLockedValueBox(RequestCounts())
    private let log = NIOLockedValueBox<[RecordedRequest]>([])
    private static let logLimit = 1_000

    init(options: DoubleOptions) {
        router = DoubleRouter(options: options)
        states = Dictionary(uniqueKeysWithValues: ([options.datacenter] + options.remoteDatacenters.keys).map {
            ($0, NIOLockedValueBox(DoubleState()))
        })
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
        case .commitThenStatus(let status):
            _ = serve(request)
            return .respond(Faults.response(forStatus: status), after: decision.delay)
        case .commitThenDrop:
            _ = serve(request)
            return .drop(after: decision.delay)
        case nil:
            return .respond(serve(request), after: decision.delay)
        }
    }

    /// The real answer, from the store of the datacenter the request names (`?dc=`, else the agent's).
    private func serve(_ request: DoubleRequest) -> DoubleResponse {
        let now = clock.now
        let datacenter = request.query["dc"].flatMap { $0.isEmpty ? nil : $0 } ?? router.options.datacenter
        guard let state = states[datacenter] else {
            return router.authorized(request) ? .text(500, "No path to datacenter") : .text(403, "Permission denied")
        }
        return state.withLockedValue { state in
            state.expireSessions(now: now)
            return router.respond(to: request, datacenter: datacenter, state: &state, now: now)
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
