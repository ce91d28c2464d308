import Foundation
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// How one reconcile ended, as the loop and the metrics need it.
public struct ReconcileOutcome: Sendable {
    public var result: ReconcileResult
    /// The release live afterwards; nil when unknown (a failure before the store was read) or nothing is live.
    public var live: String?
    /// Drifted keys seen in this reconcile; nil when not read.
    public var drift: Int?
    public var message: String

    public init(result: ReconcileResult, live: String? = nil, drift: Int? = nil, message: String) {
        self.result = result
        self.live = live
        self.drift = drift
        self.message = message
    }
}

/// What the loop drives: the agent's reconcile (fetch, resolve the pin, the sync workflow) and, when
/// several agents serve one environment, its leadership.
public protocol Reconciler: Sendable {
    /// Whether this agent leads now (true when there is no one to share with, e.g. the local store).
    func lead() async throws -> Bool
    /// `stopping` turns true once shutdown began: the apply stops after the transaction in flight.
    /// `drifted` reports the drifted keys as soon as they are known, before the reconcile ends.
    func reconcile(id: String, logger: Logger, stopping: @escaping @Sendable () -> Bool,
                   drifted: @escaping @Sendable (Int) -> Void) async -> ReconcileOutcome
    /// At shutdown, after the last reconcile: release leadership and everything else held.
    func finish() async
}

/// Reconciles every `interval`, at once when woken, with exponential back-off on failure (never a tight
/// loop); on graceful shutdown (SIGTERM, SIGINT through swift-service-lifecycle) it lets the
/// reconcile in flight finish its current transaction, then returns.
public struct ReconcileLoop: Service {
    public let reconciler: any Reconciler
    public let state: AgentState
    public let interval: Duration
    public var backoff: Backoff
    /// How often a standby tries to lead (the lock's renew period).
    public let standbyPoll: Duration
    public let logger: Logger
    /// Set when the HTTP endpoint listens: the loop starts only then, so the first log line names the port.
    public let started: Wakeup

    public init(reconciler: any Reconciler, state: AgentState, interval: Duration, backoff: Backoff = Backoff(),
                standbyPoll: Duration = .seconds(5), logger: Logger, started: Wakeup) {
        self.reconciler = reconciler
        self.state = state
        self.interval = interval
        self.backoff = backoff
        self.standbyPoll = standbyPoll
        self.logger = logger
        self.started = started
    }

    public func run() async throws {
        let stopping = NIOLockedValueBox(false)
        let wakeup = state.wakeup
        try await withGracefulShutdownHandler {
            await started.wait(upTo: .seconds(60))
            var backoff = self.backoff
            var number = 0
            while !stopping.withLockedValue({ $0 }) {
                let pause: Duration
                do {
                    let leading = try await reconciler.lead()
                    state.metrics.setLeader(leading)
                    if leading {
                        number += 1
                        pause = await once(number: number, backoff: &backoff, stopping: stopping)
                    } else {
                        pause = standbyPoll
                    }
                } catch {
                    state.metrics.setLeader(false)
                    pause = backoff.failed()
                    // lead() fetches and reads kvctl.yaml before the lock: the error says which failed.
                    logger.error("cannot lead: the fetch, kvctl.yaml or the leader lock failed",
                                 metadata: ["error": "\(error)", "retry_in": "\(pause)"])
                }
                state.markReady()
                if stopping.withLockedValue({ $0 }) { break }
                await wakeup.wait(upTo: pause)
            }
            await reconciler.finish()
            state.metrics.setLeader(false)
            logger.info("stopped")
        } onGracefulShutdown: {
            stopping.withLockedValue { $0 = true }
            wakeup.fire()
        }
    }

    /// One reconcile; returns how long to wait before the next.
    private func once(number: Int, backoff: inout Backoff, stopping: NIOLockedValueBox<Bool>) async -> Duration {
        let id = "\(ProcessInfo.processInfo.processIdentifier)-\(number)"
        var logger = self.logger
        logger[metadataKey: "reconcile"] = "\(id)"
        let clock = ContinuousClock(), start = clock.now
        let metrics = state.metrics
        let outcome = await reconciler.reconcile(id: id, logger: logger, stopping: { stopping.withLockedValue { $0 } },
                                                 drifted: { metrics.setDrift($0) })
        let took = clock.now - start
        Allocator.releaseFreeMemory()
        state.metrics.reconciled(outcome.result, took: took)
        if outcome.result != .failed {
            state.metrics.setLive(outcome.live)
            if let drift = outcome.drift { state.metrics.setDrift(drift) }
        }
        let metadata: Logger.Metadata = ["result": "\(outcome.result.rawValue)", "live": "\(outcome.live ?? "none")",
                                         "seconds": "\(Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18)"]
        switch outcome.result {
        case .failed:
            let pause = backoff.failed()
            logger.error("\(outcome.message)", metadata: metadata.merging(["retry_in": "\(pause)"]) { $1 })
            return pause
        case .refused:
            backoff.succeeded()
            logger.warning("\(outcome.message)", metadata: metadata)
            return interval
        case .applied, .unchanged:
            backoff.succeeded()
            logger.info("\(outcome.message)", metadata: metadata)
            return interval
        }
    }
}
