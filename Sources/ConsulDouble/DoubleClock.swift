import NIOConcurrencyHelpers

/// Real time plus an offset tests can advance, so session TTLs can lapse without waiting. `freeze()`
/// stops real time, so that only `advance` moves the clock however slowly a loaded machine serves requests.
public final class DoubleClock: Sendable {
    private let offset = NIOLockedValueBox(Duration.zero)
    private let frozen = NIOLockedValueBox<ContinuousClock.Instant?>(nil)

    init() {}

    public var now: ContinuousClock.Instant { (frozen.withLockedValue { $0 } ?? ContinuousClock.now) + offset.withLockedValue { $0 } }

    public func advance(by duration: Duration) {
        offset.withLockedValue { $0 += duration }
    }

    public func freeze() {
        frozen.withLockedValue { $0 = $0 ?? ContinuousClock.now }
    }
}
