#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import NIOConcurrencyHelpers
import Publishing

/// The publish lock in Consul: a key acquired by a session with a TTL, renewed in the background while
/// the lock is held. A holder that dies stops renewing, so its session lapses and the lock with it.
///
/// Consul keeps a session up to twice its TTL after the last renewal it saw (hashicorp/consul
/// agent/consul/session_ttl.go, `SessionTTLMultiplier`), and guarantees at least the TTL. Renewals follow
/// Consul's own client (hashicorp/consul api/session.go, `RenewPeriodic`): every TTL/2, a failed one
/// tried again after a second, each bounded to one renew period, retries included; a higher TTL in
/// Consul's answer (a loaded server asking for fewer renewals) stretches the schedule. The lock counts
/// as lost when Consul says the session is gone, or when no renewal has succeeded for a whole TTL,
/// before the session could lapse. So a held lock costs one request per 7.5 s.
final class ConsulSessionLock: PendingLock {
    /// Consul's minimum is 10s, and its session API docs advise a TTL as low as practical.
    static let ttl: Duration = .seconds(15)
    /// How often a held lock is renewed.
    static let renewPeriod: Duration = ttl / 2
    let client: ConsulClient
    let key: String
    let session: String
    /// The holder's description the lock key gets when a transaction takes it.
    private let value: [UInt8]
    private let renewal: Task<Void, Never>
    private let lost: NIOLockedValueBox<Bool>
    private let state: NIOLockedValueBox<(taken: Bool, released: Bool)>

    /// `taken`: the session holds the lock already (acquired on its own); otherwise `applyTaking` takes it.
    init(client: ConsulClient, key: String, session: String, value: [UInt8], taken: Bool, renewEvery interval: Duration = renewPeriod,
         lostAfter grace: Duration = ttl) {
        self.client = client
        self.key = key
        self.session = session
        self.value = value
        state = NIOLockedValueBox((taken, false))
        let lost = NIOLockedValueBox(false)
        self.lost = lost
        renewal = Task {
            let clock = ContinuousClock()
            var renewed = clock.now, interval = interval, grace = grace, wait = interval
            while !Task.isCancelled {
                try? await Task.sleep(for: wait)
                guard !Task.isCancelled else { return }
                let started = clock.now
                do {
                    if let granted = try await client.renewSession(session, within: interval), granted > grace {
                        (interval, grace) = (granted / 2, granted)
                    }
                    renewed = started
                    wait = interval
                } catch ConsulError.sessionNotFound {
                    lost.withLockedValue { $0 = true }
                    return
                } catch {
                    guard clock.now - renewed < grace else {
                        lost.withLockedValue { $0 = true }
                        return
                    }
                    wait = min(interval, .seconds(1))
                }
            }
        }
    }

    var isLost: Bool { lost.withLockedValue { $0 } }

    var isTaken: Bool { state.withLockedValue { $0.taken } }

    func applyTaking(_ operations: [StoreOperation]) async throws {
        try await client.apply(operations, taking: (key, value, session))
        state.withLockedValue { $0.taken = true }
    }

    /// One request: destroying the session releases the lock. Consul invalidates a destroyed session and,
    /// with the default `release` behavior, releases every lock it held (developer.hashicorp.com/consul/
    /// docs/automate/session); the lock delay that invalidation would impose is zero for this session
    /// (`tryLock`), so the next publisher may take the lock at once. The key keeps the holder's value
    /// without a session, which `holder(of:)` reads as free. A failed destroy falls back to releasing
    /// the key; failing both, the session lapses with its TTL. Only the first call does anything.
    func release() async {
        guard state.withLockedValue({ state in defer { state.released = true }; return !state.released }) else { return }
        renewal.cancel()
        do {
            try await client.destroySession(session)
        } catch {
            _ = try? await client.release(key: key, value: [], session: session)
        }
    }
}

extension ConsulClient: LockingStore {
    /// A lock is held while a session is attached to its key; a released or lapsed one keeps its value.
    public func holder(of key: String) async throws -> LockHolder? {
        let path = "/v1/kv/" + QueryEncoding.keyPath(key)
        let response = try await transport.send(.GET, path: path, query: [])
        guard response.status == 200 else {
            if response.status == 404 { return nil }
            throw rejection(response, key: key) ?? invalidResponse(.GET, path: path, "status \(response.status): \(response.text)")
        }
        guard let entry = try? KVEntryJSON.list(from: response.body, { $0 }).first,
              let session = entry.Session else { return nil }
        var holder = entry.Value.flatMap { Data(base64Encoded: $0) }.flatMap { LockHolder.decode(Array($0)) }
            ?? LockHolder(holder: "unknown", pid: 0, since: "unknown", operation: "unknown")
        holder.session = session
        return holder
    }

    public func tryLock(_ key: String, as holder: LockHolder) async throws -> Result<any HeldLock, LockBusy> {
        try await tryLock(key, as: holder, breakingStale: true)
    }

    /// A session for the lock at `key`, and the holder's description naming it.
    private func lockSession(for holder: LockHolder) async throws -> (session: String, value: [UInt8]) {
        // No lock delay: every write is conditioned on the index it read, so a late holder cannot clobber
        // anything, and destroying the session frees the lock at once (`ConsulSessionLock.release`).
        // In another datacenter the agent's own node is unknown: bind the session to one of its servers.
        let node = configuration.datacenter == nil ? nil : try await serverNode()
        let session = try await createSession(name: "kvctl \(holder.operation)", ttl: ConsulSessionLock.ttl, lockDelay: .zero, node: node)
        var mine = holder
        mine.session = session
        return (session, mine.encoded())
    }

    private func tryLock(_ key: String, as holder: LockHolder, breakingStale: Bool) async throws -> Result<any HeldLock, LockBusy> {
        let (session, value) = try await lockSession(for: holder)
        let acquired: Bool
        do {
            acquired = try await acquire(key: key, value: value, session: session)
        } catch {
            try? await destroySession(session)
            throw error
        }
        if acquired { return .success(ConsulSessionLock(client: self, key: key, session: session, value: value, taken: true)) }
        try? await destroySession(session)
        let current = try await entries(under: key).first { $0.key == key }.flatMap { LockHolder.decode($0.value) }
        // A holder on this host whose process is gone never releases: end its session rather than wait out the TTL.
        if breakingStale, let current, let stale = current.session, current.holder.hasSuffix("@" + ProcessInfo.processInfo.hostName),
           kill(current.pid, 0) != 0 && errno == ESRCH {
            try await destroySession(stale)
            return try await tryLock(key, as: holder, breakingStale: false)
        }
        return .failure(LockBusy(holder: current))
    }
}

extension ConsulClient: TransactionLockingStore {
    /// One request, the session's creation: the publish's first transaction takes the lock.
    public func pendingLock(_ key: String, as holder: LockHolder) async throws -> any PendingLock {
        let (session, value) = try await lockSession(for: holder)
        return ConsulSessionLock(client: self, key: key, session: session, value: value, taken: false)
    }
}

extension ConsulClient: WriteAccessChecking {
    /// One probe transaction per planned one: compare-and-set on an index Consul never reaches. Consul
    /// checks every operation's ACL rights before running any, so a refusal names the keys; otherwise
    /// the first compare fails and the transaction rolls back. Skipped when ACLs are off.
    public func checkWriteAccess(_ groups: [[String]]) async throws {
        guard try await aclEnabled() else { return }
        for keys in groups where !keys.isEmpty {
            do {
                try await apply(keys.map { .compareAndSet(key: $0, value: [], flags: 0, index: .max) })
                throw invalidResponse(.PUT, path: "/v1/txn", "a write-access probe was applied")
            } catch is TransactionConflict {
                continue
            }
        }
    }

    /// Consul answers 401 "ACL support disabled" when ACLs are off; any other answer means they are on.
    /// Not asked when `/v1/agent/self` told already.
    func aclEnabled() async throws -> Bool {
        if let known = agentSelf.withLockedValue({ $0?.aclsEnabled }) { return known }
        let response = try await transport.send(.GET, path: "/v1/acl/token/self")
        return !(response.status == 401 || response.text.contains("ACL support disabled"))
    }
}
