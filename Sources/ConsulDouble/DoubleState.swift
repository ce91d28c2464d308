import KVCore

/// Everything the double stores: keys, sessions and the raft index. A value type, so a write can be
/// tried on a copy and committed only when all of it succeeded.
struct DoubleState: Sendable {
    private(set) var index: UInt64 = 1
    private(set) var entries: [String: DoubleEntry] = [:]
    var sessions: [String: DoubleSession] = [:]
    /// Keys whose lock was lost by an invalidated session; no session may acquire them before this instant.
    private var lockDelays: [String: ContinuousClock.Instant] = [:]

    func entry(_ key: String) -> DoubleEntry? { entries[key] }

    /// Every entry whose key starts with `prefix`, in Consul's order (by bytes: the store is a radix tree).
    func entries(under prefix: String) -> [DoubleEntry] {
        entries.values.filter { $0.key.hasPrefix(prefix) }.sorted { $0.key.precedesInByteOrder($1.key) }
    }

    /// Runs `body` on a copy at the next raft index and keeps the copy only if `body` did not throw,
    /// as one raft entry does: all of it or nothing.
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
        let existing = entries[op.key]
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
            if let until = lockDelays[op.key], now < until {
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
            return existing.map { [$0] } ?? []
        case .getTree:
            return entries(under: op.key)
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
            entries[op.key] = nil
            return []
        case .deleteTree:
            for key in entries.keys where key.hasPrefix(op.key) { entries[key] = nil }
            return []
        case .deleteCAS:
            // Consul answers success for an absent key: there is nothing left to protect.
            if let existing, existing.modifyIndex != op.index || op.index == 0 {
                throw .condition("failed to delete key \(quoted), index is stale")
            }
            entries[op.key] = nil
            return []
        }
    }

    /// Puts `entry` as given (seeding), bookkeeping its indexes at `index`.
    mutating func seed(_ entry: DoubleEntry, at index: UInt64) {
        var entry = entry
        entry.createIndex = entries[entry.key]?.createIndex ?? index
        entry.modifyIndex = index
        entries[entry.key] = entry
    }

    /// Ends a session: its locks are released or its keys deleted, per its behaviour, and the keys stay
    /// unlockable for its lock delay.
    mutating func invalidate(session id: String, at index: UInt64, now: ContinuousClock.Instant) {
        guard let session = sessions.removeValue(forKey: id) else { return }
        for (key, entry) in entries where entry.session == id {
            switch session.behavior {
            case .release:
                entries[key]?.session = nil
                entries[key]?.modifyIndex = index
            case .delete:
                entries[key] = nil
            }
            if session.lockDelay > .zero { lockDelays[key] = now + session.lockDelay }
        }
    }

    private mutating func store(_ op: KVOperation, at index: UInt64, session: String?, lockIndex: UInt64) -> DoubleEntry {
        let entry = DoubleEntry(
            key: op.key, value: op.value, flags: op.flags, createIndex: entries[op.key]?.createIndex ?? index,
            modifyIndex: index, lockIndex: lockIndex, session: session)
        entries[op.key] = entry
        return entry
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
