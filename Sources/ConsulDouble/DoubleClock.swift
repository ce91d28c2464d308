import NIOConcurrencyHelpers

/// Real time plus an offset tests can advance, so session TTLs can lapse without waiting.
public final class DoubleClock: Sendable {
    private let offset = NIOLockedValueBox(Duration.zero)

    init() {}

    public var now: ContinuousClock.Instant { ContinuousClock.now + offset.withLockedValue { $0 } }

    public func advance(by duration: Duration) {
        offset.withLockedValue { $0 += duration }
    }
}
