/// A session as `/v1/session/create` made it.
struct DoubleSession: Sendable {
    enum Behavior: String, Sendable { case release, delete }

    var id: String
    var name: String
    /// The catalog node the session is bound to; it must be registered in the session's datacenter.
    var node: String
    var behavior: Behavior
    /// The TTL as the client wrote it (`"15s"`), echoed by `info` and `renew`; empty for none.
    var ttlText: String
    var ttl: Duration?
    var lockDelay: Duration
    var createIndex: UInt64
    /// When the session is invalidated unless renewed.
    var deadline: ContinuousClock.Instant?

    /// Consul's servers let a session live up to twice its TTL (`SessionTTLMultiplier`), so the double does too.
    static let ttlMultiplier = 2

    mutating func renew(now: ContinuousClock.Instant) {
        if let ttl { deadline = now + ttl * Self.ttlMultiplier }
    }
}
