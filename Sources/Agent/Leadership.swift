import Publishing

/// One leader per environment: a session lock on its own key beside the publish lock
/// (`<meta-prefix><name>/leader`). Only the leader fetches and applies. A leader that dies stops
/// renewing its session, which Consul ends at most twice its TTL later; the standby tries every renew
/// period, so it leads within 2 x TTL plus one renew period. A lost session makes the leader step down
/// before its next reconcile; the publish lock still guards each publish, so two writers never overlap.
public final class Leadership: @unchecked Sendable {
    public let store: any LockingStore
    public let key: String
    // Only the reconcile loop touches it.
    private var held: (any HeldLock)?

    public init(store: any LockingStore, key: String) {
        self.store = store
        self.key = key
    }

    /// Whether this agent leads now, taking the lock when it is free.
    public func ensure() async throws -> Bool {
        if let held, !held.isLost { return true }
        if let held { await held.release() }
        held = nil
        switch try await store.tryLock(key, as: .current("agent")) {
        case .success(let lock):
            held = lock
            return true
        case .failure:
            return false
        }
    }

    /// Gives leadership up at shutdown: a standby takes over at its next try, not after the TTL.
    public func resign() async {
        await held?.release()
        held = nil
    }
}
