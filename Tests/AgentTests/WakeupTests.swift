@testable import Agent
import Foundation
import Testing

/// The reconcile loop's wait: an interval's end, a wake (webhook, drift, shutdown) or cancellation ends
/// it, wakes coalesce, and the timer of one wait never ends a later one. The lower bounds are what the
/// interval promises; the ceiling only catches a hang: with the whole suite beside it on two cores, a
/// 200 ms wait was seen to end after 45 s (every thread of the concurrency pool busy elsewhere).
@Suite struct WakeupTests {
    private let ceiling: Duration = .seconds(300)

    private func timed(_ body: () async -> Void) async -> Duration {
        let clock = ContinuousClock(), start = clock.now
        await body()
        return clock.now - start
    }

    @Test func theIntervalEndsAWaitNobodyWakes() async {
        let took = await timed { await Wakeup().wait(upTo: .milliseconds(200)) }
        #expect(took >= .milliseconds(200))
        #expect(took < ceiling)
    }

    @Test func aWakeBeforeOrDuringTheWaitEndsItAndWakesCoalesce() async throws {
        let wakeup = Wakeup()
        wakeup.fire()
        wakeup.fire()
        let pending = await timed { await wakeup.wait(upTo: .seconds(3600)) }
        #expect(pending < ceiling, "a wake before the wait counts")
        // The two wakes made one: the next wait runs to its end.
        let coalesced = await timed { await wakeup.wait(upTo: .milliseconds(300)) }
        #expect(coalesced >= .milliseconds(300))
        let woken = await timed {
            async let waited: Void = wakeup.wait(upTo: .seconds(3600))
            try? await Task.sleep(for: .milliseconds(100))
            wakeup.fire()
            await waited
        }
        #expect(woken >= .milliseconds(100) && woken < ceiling)
    }

    @Test func cancellingTheWaitingTaskEndsIt() async {
        let wakeup = Wakeup()
        let took = await timed {
            let task = Task { await wakeup.wait(upTo: .seconds(3600)) }
            try? await Task.sleep(for: .milliseconds(100))
            task.cancel()
            await task.value
        }
        #expect(took < ceiling)
        let cancelledFirst = await timed {
            let task = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                await wakeup.wait(upTo: .seconds(3600))
            }
            await task.value
        }
        #expect(cancelledFirst < ceiling, "a task cancelled before it waits does not wait")
    }

    /// Each wait's timer is its own: short waits that were woken leave nothing that ends a long wait after them.
    @Test func anEarlierWaitsTimerNeverEndsALaterWait() async throws {
        let wakeup = Wakeup()
        // Their timers would fire 300 ms from now, inside the next wait, if they outlived their waits.
        for _ in 0..<20 {
            wakeup.fire()
            await wakeup.wait(upTo: .milliseconds(300))
        }
        let took = await timed { await wakeup.wait(upTo: .milliseconds(600)) }
        #expect(took >= .milliseconds(600))
    }

    @Test func intervalsConvertForDispatch() {
        #expect(Wakeup.interval(.milliseconds(1500)) == .nanoseconds(1_500_000_000))
        #expect(Wakeup.interval(.seconds(-1)) == .nanoseconds(0))
        #expect(Wakeup.interval(.seconds(Int64.max)) == .nanoseconds(365 * 86_400 * 1_000_000_000))
    }
}
