import NIOConcurrencyHelpers

/// Wakes the reconcile loop before its interval ends: a verified webhook, a drift event, shutdown.
/// Wakes coalesce: any number of them while the loop works make one more reconcile, not many.
public final class Wakeup: Sendable {
    private struct State {
        var pending = false
        var cancelled = false
        var waiter: CheckedContinuation<Void, Never>?
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
            return waiter
        }
        waiter?.resume()
    }

    /// Returns after `duration`, or at once when woken meanwhile (or before: a pending wake counts).
    public func wait(upTo duration: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: duration) }
            group.addTask { await self.next() }
            await group.next()
            group.cancelAll()
        }
    }

    /// One waiter at a time: the loop.
    private func next() async {
        state.withLockedValue { $0.cancelled = false }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLockedValue { state -> Bool in
                    if state.pending || state.cancelled {
                        state.pending = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
                state.cancelled = true
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
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
