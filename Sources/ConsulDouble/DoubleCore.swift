import NIOConcurrencyHelpers

/// The shared heart of a running double: state, faults, counters. Every connection's handler calls `handle`.
final class DoubleCore: Sendable {
    /// What the handler does with a request.
    enum Outcome: Sendable {
        case respond(DoubleResponse, after: Duration?)
        case drop(after: Duration?)
        case hang
        /// A blocking query whose index has not passed yet: `poll` it until it answers.
        case block(BlockingQuery)
    }

    /// A KV read sent with `?index=N` (and `wait=`), held until its `X-Consul-Index` passes N or the
    /// wait ends, as Consul's blocking queries are (https://developer.hashicorp.com/consul/api-docs/features/blocking).
    struct BlockingQuery: Sendable {
        let request: DoubleRequest
        let index: UInt64
        /// On the double's clock, so tests can end a wait by advancing it.
        let deadline: ContinuousClock.Instant
        /// The store's raft index when last served: nothing can have changed while it stays.
        var served: UInt64
    }

    /// `wait=` when absent or zero, and its ceiling (agent/consul/rpc.go `blockingQuery`: `defaultQueryTime`, `maxQueryTime`).
    static let defaultWait = Duration.seconds(300), maxWait = Duration.seconds(600)

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
            let response = serve(request)
            if decision.delay == nil, let blocking = blocking(request, answered: response) { return .block(blocking) }
            return .respond(response, after: decision.delay)
        }
    }

    /// The answer once the query's index passed its `index` or its wait ended; nil while it must wait on.
    func poll(_ query: inout BlockingQuery) -> DoubleResponse? {
        let expired = clock.now >= query.deadline
        guard let current = raftIndex(for: query.request) else { return serve(query.request) }
        guard expired || current != query.served else { return nil }
        let response = serve(query.request)
        query.served = current
        return expired || !Self.holds(response, below: query.index) ? response : nil
    }

    /// A GET of `/v1/kv/` with `?index=N` (N > 0) whose answer does not pass N yet; the wait is Consul's:
    /// `wait` (5 minutes when absent, at most 10), plus up to a sixteenth of it as jitter (`structs.JitterFraction`).
    private func blocking(_ request: DoubleRequest, answered response: DoubleResponse) -> BlockingQuery? {
        guard request.method == "GET", request.path.hasPrefix("/v1/kv/"), let index = request.query["index"].flatMap({ UInt64($0) }),
              index > 0, Self.holds(response, below: index), let served = raftIndex(for: request) else { return nil }
        var wait = request.query["wait"].flatMap(GoDuration.parse) ?? .zero
        if wait <= .zero { wait = Self.defaultWait }
        wait = min(wait, Self.maxWait)
        wait += wait / 16 * Double.random(in: 0..<1)
        return BlockingQuery(request: request, index: index, deadline: clock.now + wait, served: served)
    }

    /// Whether an answer would keep a query for `index` waiting: a read (found or not) whose index has not passed it.
    private static func holds(_ response: DoubleResponse, below index: UInt64) -> Bool {
        guard response.status == 200 || response.status == 404,
              let answered = response.headers.first(where: { $0.name == "X-Consul-Index" }).flatMap({ UInt64($0.value) }) else { return false }
        return answered <= index
    }

    private func raftIndex(for request: DoubleRequest) -> UInt64? {
        states[Self.datacenter(of: request) ?? router.options.datacenter]?.withLockedValue { $0.index }
    }

    private static func datacenter(of request: DoubleRequest) -> String? {
        request.query["dc"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The real answer, from the store of the datacenter the request names (`?dc=`, else the agent's).
    private func serve(_ request: DoubleRequest) -> DoubleResponse {
        let now = clock.now
        let datacenter = Self.datacenter(of: request) ?? router.options.datacenter
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
