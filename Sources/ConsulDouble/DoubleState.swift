import KVCore

/// An Enterprise namespace inside an admin partition. Each holds its own keys; an empty name means
/// `default`, as Consul reads it.
public struct KVScope: Sendable, Hashable {
    public var partition: String
    public var namespace: String

    public init(partition: String? = nil, namespace: String? = nil) {
        self.partition = partition.flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        self.namespace = namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default"
    }

    public static let `default` = KVScope()
}

/// Everything one datacenter of the double stores: keys by namespace, sessions and the raft index. A
/// value type, so a write can be tried on a copy and committed only when all of it succeeded.
struct DoubleState: Sendable {
    private(set) var index: UInt64 = 1
    private var tables: [KVScope: [String: DoubleEntry]] = [:]
    /// Each table's keys in byte order, as Consul's radix tree keeps them: a listing is a binary
    /// search and a walk, not a sort of the whole store.
    private var ordered: [KVScope: [String]] = [:]
    /// Deleted keys and the index of their deletion, so a listing's index never slides back when a
    /// key goes (hashicorp/consul agent/consul/state/graveyard.go); Consul reaps them after a while.
    private var tombstones: [KVScope: [String: UInt64]] = [:]
    /// The highest index at which any key was written or deleted: Consul's `kvsMaxIndex`, the index of
    /// the `kvs` and `tombstones` tables.
    private var kvIndex: UInt64 = 0
    var sessions: [String: DoubleSession] = [:]
    /// Keys whose lock was lost by an invalidated session; no session may acquire them before this instant.
    private var lockDelays: [KVScope: [String: ContinuousClock.Instant]] = [:]

    func entry(_ key: String, in scope: KVScope = .default) -> DoubleEntry? { tables[scope]?[key] }

    /// Every entry whose key starts with `prefix`, in Consul's order (by bytes: the store is a radix tree).
    func entries(under prefix: String, in scope: KVScope = .default) -> [DoubleEntry] {
        keys(under: prefix, in: scope).compactMap { tables[scope]?[$0] }
    }

    /// The keys starting with `prefix`'s bytes, in byte order.
    private func keys(under prefix: String, in scope: KVScope) -> ArraySlice<String> {
        let keys = ordered[scope] ?? []
        let start = Self.position(of: prefix, in: keys)
        var end = start
        while end < keys.count, keys[end].utf8.starts(with: prefix.utf8) { end += 1 }
        return keys[start..<end]
    }

    /// Where `key` is or would go in `keys` (sorted by bytes).
    private static func position(of key: String, in keys: [String]) -> Int {
        var low = 0, high = keys.count
        while low < high {
            let middle = (low + high) / 2
            if keys[middle].precedesInByteOrder(key) { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// `X-Consul-Index` of a listing (`?recurse`, `?keys`, whatever the separator collapses): the highest
    /// ModifyIndex under `prefix`, tombstones included, else the whole table's index (hashicorp/consul
    /// agent/consul/state/kvs.go `kvsListTxn`; agent/consul/kvs_endpoint.go `List`/`ListKeys` answer
    /// 1 rather than 0). Computed before ACL filtering, as Consul does.
    func listIndex(under prefix: String, in scope: KVScope = .default) -> UInt64 {
        var highest: UInt64 = 0
        if !prefix.isEmpty {
            for key in keys(under: prefix, in: scope) { highest = max(highest, tables[scope]?[key]?.modifyIndex ?? 0) }
            for (key, index) in tombstones[scope] ?? [:] where key.utf8.starts(with: prefix.utf8) { highest = max(highest, index) }
        }
        return max(highest == 0 ? kvIndex : highest, 1)
    }

    /// `X-Consul-Index` of a single-key read: the entry's ModifyIndex, or the table's index when the key
    /// is absent (agent/consul/kvs_endpoint.go `Get`).
    func keyIndex(_ key: String, in scope: KVScope = .default) -> UInt64 {
        tables[scope]?[key]?.modifyIndex ?? max(kvIndex, 1)
    }

    /// Forgets the tombstones of deletions at or before `index`, as Consul's tombstone GC does
    /// (graveyard.go `ReapTxn`): a listing's index may then go backwards.
    mutating func reapTombstones(through index: UInt64) {
        for scope in tombstones.keys { tombstones[scope] = tombstones[scope]?.filter { $0.value > index } }
    }

    /// Runs `body` on a copy at the next raft index and keeps the copy only if `body` did not throw,
    /// as one raft entry does: all of it or nothing. A transaction is one raft entry, so all of its
    /// writes share one index (hashicorp/consul agent/consul/state/txn.go, `TxnRW(idx, ops)`).
    mutating func write<T, E: Error>(_ body: (inout DoubleState, UInt64) throws(E) -> T) throws(E) -> T {
        var copy = self
        let next = index + 1
        let result = try body(&copy, next)
        copy.index = next
        self = copy
        return result
    }

    /// Applies one verb at raft index `index`; returns the entries a transaction result reports for it.
    mutating func apply(
        _ op: KVOperation, at index: UInt64, now: ContinuousClock.Instant
    ) throws(OperationFailure) -> [DoubleEntry] {
        let existing = tables[op.scope]?[op.key]
        let quoted = "\"\(op.key)\""
        switch op.verb {
        case .set:
            return [store(op, at: index, session: existing?.session, lockIndex: existing?.lockIndex ?? 0)]
        case .cas:
            let stale = existing == nil ? op.index != 0 : existing?.modifyIndex != op.index || op.index == 0
            if stale { throw .condition("failed to set key \(quoted), index is stale") }
            return [store(op, at: index, session: existing?.session, lockIndex: existing?.lockIndex ?? 0)]
        case .lock:
            let session = try validSession(op)
            if let until = lockDelays[op.scope]?[op.key], now < until {
                throw .condition("failed to lock key \(quoted) due to lock delay")
            }
            if let holder = existing?.session, holder != session {
                throw .condition("failed to lock key \(quoted), lock is already held")
            }
            let lockIndex = (existing?.lockIndex ?? 0) + (existing?.session == session ? 0 : 1)
            return [store(op, at: index, session: session, lockIndex: lockIndex)]
        case .unlock:
            let session = try validSession(op)
            guard let existing, existing.session == session else {
                throw .condition("failed to unlock key \(quoted), lock isn't held, or is held by another session")
            }
            return [store(op, at: index, session: nil, lockIndex: existing.lockIndex)]
        case .get:
            guard let existing else { throw .condition("key \(quoted) doesn't exist") }
            return [existing]
        case .getOrEmpty:
            // An absent key answers the operation's own entry with no value and zero indexes
            // (hashicorp/consul agent/consul/state/txn.go, `case api.KVGetOrEmpty`).
            return [existing ?? DoubleEntry(key: op.key, value: [], flags: op.flags, modifyIndex: op.index)]
        case .getTree:
            return entries(under: op.key, in: op.scope)
        case .checkIndex:
            guard let existing else { throw .condition("failed to check index, key \(quoted) doesn't exist") }
            guard existing.modifyIndex == op.index else {
                throw .condition(
                    "failed index check for key \(quoted), current modify index \(existing.modifyIndex) != \(op.index)")
            }
            return [existing]
        case .checkSession:
            guard let existing else { throw .condition("failed to check session, key \(quoted) doesn't exist") }
            guard existing.session == op.session else {
                throw .condition(
                    "failed session check for key \(quoted), current session \"\(existing.session ?? "")\" != \"\(op.session ?? "")\"")
            }
            return [existing]
        case .checkNotExists:
            if existing != nil { throw .condition("key \(quoted) exists") }
            return []
        case .delete:
            remove(op.key, in: op.scope, at: index)
            return []
        case .deleteTree:
            for key in keys(under: op.key, in: op.scope) { remove(key, in: op.scope, at: index) }
            return []
        case .deleteCAS:
            // An absent key succeeds: there is nothing left to protect (hashicorp/consul
            // agent/consul/state/kvs.go, kvsDeleteCASTxn returns `entry == nil`).
            if let existing, existing.modifyIndex != op.index || op.index == 0 {
                throw .condition("failed to delete key \(quoted), index is stale")
            }
            remove(op.key, in: op.scope, at: index)
            return []
        }
    }

    /// Puts `entry` as given (seeding), bookkeeping its indexes at `index`.
    mutating func seed(_ entry: DoubleEntry, at index: UInt64, in scope: KVScope = .default) {
        var entry = entry
        entry.createIndex = tables[scope]?[entry.key]?.createIndex ?? index
        entry.modifyIndex = index
        if tables[scope]?[entry.key] == nil { insertOrdered(entry.key, in: scope) }
        tables[scope, default: [:]][entry.key] = entry
        kvIndex = index
    }

    /// Ends a session: its locks are released or its keys deleted, per its behaviour, and the keys stay
    /// unlockable for its lock delay.
    mutating func invalidate(session id: String, at index: UInt64, now: ContinuousClock.Instant) {
        guard let session = sessions.removeValue(forKey: id) else { return }
        for (scope, table) in tables {
            for (key, entry) in table where entry.session == id {
                switch session.behavior {
                case .release:
                    tables[scope]?[key]?.session = nil
                    tables[scope]?[key]?.modifyIndex = index
                    kvIndex = index
                case .delete:
                    remove(key, in: scope, at: index)
                }
                if session.lockDelay > .zero { lockDelays[scope, default: [:]][key] = now + session.lockDelay }
            }
        }
    }

    /// An entry equal in value, flags, session and lock index is left as it was, ModifyIndex included
    /// (hashicorp/consul agent/consul/state/kvs.go, kvsSetTxn: `existing.Equal(entry)` skips the write).
    private mutating func store(_ op: KVOperation, at index: UInt64, session: String?, lockIndex: UInt64) -> DoubleEntry {
        let existing = tables[op.scope]?[op.key]
        if let existing, existing.value == op.value, existing.flags == op.flags, existing.session == session,
           existing.lockIndex == lockIndex {
            return existing
        }
        let entry = DoubleEntry(
            key: op.key, value: op.value, flags: op.flags, createIndex: existing?.createIndex ?? index,
            modifyIndex: index, lockIndex: lockIndex, session: session)
        if existing == nil { insertOrdered(op.key, in: op.scope) }
        tables[op.scope, default: [:]][op.key] = entry
        kvIndex = index
        return entry
    }

    /// Deleting leaves a tombstone at the deletion's index (agent/consul/state/kvs.go `kvsDeleteTxn`);
    /// an absent key changes nothing.
    private mutating func remove(_ key: String, in scope: KVScope, at index: UInt64) {
        guard tables[scope]?.removeValue(forKey: key) != nil else { return }
        if let keys = ordered[scope] {
            let at = Self.position(of: key, in: keys)
            ordered[scope]?.remove(at: at)
        }
        tombstones[scope, default: [:]][key] = index
        kvIndex = index
    }

    private mutating func insertOrdered(_ key: String, in scope: KVScope) {
        let at = Self.position(of: key, in: ordered[scope] ?? [])
        ordered[scope, default: []].insert(key, at: at)
    }

    private func validSession(_ op: KVOperation) throws(OperationFailure) -> String {
        guard let session = op.session, !session.isEmpty else { throw .invalid("missing session") }
        guard sessions[session] != nil else { throw .invalid("invalid session \"\(session)\"") }
        return session
    }
}

extension DoubleState {
    /// Invalidates every session whose TTL lapsed, as one raft entry. Called before each request is served,
    /// which is indistinguishable from a timer firing for anyone who can only ask through requests.
    mutating func expireSessions(now: ContinuousClock.Instant) {
        let lapsed = sessions.values.filter { $0.deadline.map { $0 <= now } ?? false }.map(\.id)
        guard !lapsed.isEmpty else { return }
        write { state, index in
            for id in lapsed { state.invalidate(session: id, at: index, now: now) }
        }
    }
}
