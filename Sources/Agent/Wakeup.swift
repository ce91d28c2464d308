import Dispatch
import NIOConcurrencyHelpers

/// Wakes the reconcile loop before its interval ends: a verified webhook, a drift event, shutdown.
/// Wakes coalesce: any number of them while the loop works make one more reconcile, not many.
public final class Wakeup: Sendable {
    private struct State {
        var pending = false
        /// The wait in progress and its number: a late timer or cancellation of an earlier wait ends nothing.
        var waiter: (number: UInt64, continuation: CheckedContinuation<Void, Never>)?
        var waits: UInt64 = 0
        /// The latest wait that was ended (timed out, cancelled) before it began to wait.
        var ended: UInt64 = 0
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    public func fire() {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume()
    }

    /// Returns after `duration`, or at once when woken meanwhile (or before: a pending wake counts), or
    /// when the task is cancelled. One waiter at a time: the loop. The timeout is a dispatch timer,
    /// cancelled when the wait ends: a cancelled `Task.sleep` keeps its timer and task until the
    /// deadline, so an agent woken every few milliseconds with an hour's interval piled up thousands
    /// (heaptrack; about 0.8 KB each in the benchmark's RSS, docs/benchmarks.md).
    public func wait(upTo duration: Duration) async {
        let number = state.withLockedValue { state in
            state.waits += 1
            return state.waits
        }
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.setEventHandler { [self] in end(number) }
        timer.schedule(deadline: .now() + Self.interval(duration))
        timer.activate()
        defer { timer.cancel() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLockedValue { state -> Bool in
                    if state.pending || state.ended == number {
                        state.pending = false
                        return true
                    }
                    state.waiter = (number, continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            end(number)
        }
    }

    /// Ends wait `number` if it is waiting, else marks it ended for when it begins to.
    private func end(_ number: UInt64) {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter, waiter.number == number else {
                state.ended = max(state.ended, number)
                return nil
            }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume()
    }

    /// Dispatch's form of `duration`, capped at a year (beyond it nothing waits that long anyway).
    static func interval(_ duration: Duration) -> DispatchTimeInterval {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return .nanoseconds(0) }
        return .nanoseconds(Int(min(seconds, 365 * 86_400)) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
    }
}

/// Exponential back-off after failures: `base`, doubled each time, never above `cap`; reset by a success.
public struct Backoff: Sendable {
    public let base: Duration
    public let cap: Duration
    public private(set) var failures = 0

    public init(base: Duration = .seconds(1), cap: Duration = .seconds(300)) {
        self.base = base
        self.cap = cap
    }

    /// The wait after one more failure.
    public mutating func failed() -> Duration {
        failures += 1
        let doublings = min(failures - 1, 30)
        return min(cap, base * (1 << doublings))
    }

    public mutating func succeeded() { failures = 0 }
}
