/// How far an apply has got, reported after each transaction.
public struct ApplyProgress: Sendable {
    public let transactions: Int
    public let totalTransactions: Int
    public let operations: Int
    public let totalOperations: Int
    public let elapsed: Duration

    public var operationsPerSecond: Double {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return seconds > 0 ? Double(operations) / seconds : 0
    }
}

/// A transaction the store rolled back: what it was, and what had been applied before it.
public struct PublishAborted: Error, Sendable, CustomStringConvertible {
    public let transaction: Int
    public let totalTransactions: Int
    public let key: String
    public let conflict: TransactionConflict
    public let live: Publication?

    public var description: String {
        let stillLive = live.map { "the store still records \($0.tag) as live" } ?? "the store records no version as live yet"
        let applied = transaction == 1 ? "nothing was written"
            : "transactions 1–\(transaction - 1) were applied, the rest were not (the version record included), so \(stillLive)"
        return "\(key) changed in the store after the plan read it (transaction \(transaction) of \(totalTransactions), \(conflict)); "
            + "\(applied). Nothing was overwritten: run the publish again to plan against the new state"
    }
}

/// A transaction that failed for another reason than a condition (the network, the store, ACLs): what
/// had been applied before it. Whether the failed one applied is unknown only when an answer was lost;
/// its conditions make replaying it safe either way.
public struct PublishInterrupted: Error, Sendable, CustomStringConvertible {
    public let transaction: Int
    public let totalTransactions: Int
    public let reason: String

    public var description: String {
        "transaction \(transaction) of \(totalTransactions) failed: \(reason); "
            + (transaction == 1 ? "no earlier transaction was applied" : "transactions 1–\(transaction - 1) were applied")
    }
}

/// The user asked the publish to stop (Ctrl-C): it did, between two transactions.
public struct PublishStopped: Error, Sendable, CustomStringConvertible {
    /// Transactions applied before stopping.
    public let applied: Int
    public let totalTransactions: Int

    public var description: String {
        applied == 0 ? "stopped before the first of \(totalTransactions) transactions; nothing was written"
            : "stopped after \(applied) of \(totalTransactions) transactions"
    }
}

/// Plans and applies publishes against any store.
public struct Publisher: Sendable {
    public let store: any KVStore
    public let settings: PublishSettings

    public init(store: any KVStore, settings: PublishSettings) {
        self.store = store
        self.settings = settings
    }

    /// `records`: the meta prefix as just read (`LiveStateReader.readRecords`), so it is not read again.
    /// A plan of several transactions, for a store whose server may take more operations per
    /// transaction than the default and no `max-operations` set, is split at the server's limit (one
    /// transaction cannot become fewer, so a small publish never asks).
    public func plan(_ request: PublishRequest, records: LiveState? = nil) async throws -> PublishPlan {
        let reader = LiveStateReader(store: store, layout: settings.layout, name: request.name)
        let live = try await (records.map(reader.primed) ?? reader).read(for: request, prune: settings.prune)
        var plan = try Planner(settings: settings).plan(request, live: live)
        guard plan.transactions.count > 1, settings.limits.followsServer, let probing = store as? any TransactionLimitProbing else {
            return plan
        }
        switch try await probing.serverTransactionLimit() {
        case .operations(let count, _) where count > settings.limits.maxOperations:
            var raised = settings
            raised.limits.maxOperations = count
            plan = try Planner(settings: raised).plan(request, live: live)
        case .unknown(let reason):
            plan.notes.append(reason)
        case .operations:
            break
        }
        return plan
    }

    /// Before a publish of several transactions, asks a store with access rules whether every planned
    /// key may be written, so a missing right refuses the publish before anything is written.
    /// `lock`: the lock key the first transaction takes (`PendingLock`), checked with it.
    public func checkWriteAccess(_ plan: PublishPlan, taking lock: String? = nil) async throws {
        guard plan.transactions.count > 1, let checking = store as? any WriteAccessChecking else { return }
        var groups = plan.transactions.map { $0.map(\.key) }
        if let lock { groups[0].insert(lock, at: 0) }
        try await checking.checkWriteAccess(groups)
    }

    /// Applies the plan's transactions in order; a rolled-back transaction stops the publish, and so
    /// do losing `lock` and `stop()` turning true, checked before each transaction (the journal then
    /// lets `--resume` or a rollback finish the job). A `PendingLock` not taken yet is taken by the
    /// first transaction; `LockBusy` when someone else holds it, with nothing applied.
    public func apply(_ plan: PublishPlan, holding lock: (any HeldLock)? = nil,
                      progress: (ApplyProgress) -> Void = { _ in }, stop: () -> Bool = { false }) async throws {
        try await apply(plan.transactions, live: plan.live, holding: lock, progress: progress, stop: stop)
    }

    /// `apply(_:holding:progress:stop:)` for transactions of another origin (unpublish); `live`: what
    /// the store records as live, for the abort's message.
    public func apply(_ transactions: [[StoreOperation]], live: Publication?, holding lock: (any HeldLock)? = nil,
                      progress: (ApplyProgress) -> Void = { _ in }, stop: () -> Bool = { false }) async throws {
        let clock = ContinuousClock(), start = clock.now
        let total = transactions.count, totalOperations = transactions.reduce(0) { $0 + $1.count }
        var operations = 0
        for (position, transaction) in transactions.enumerated() {
            if stop() { throw PublishStopped(applied: position, totalTransactions: total) }
            if lock?.isLost == true {
                throw PublishInterrupted(transaction: position + 1, totalTransactions: total,
                                         reason: "the publish lock was lost (its session could not be renewed), so another publisher may hold it")
            }
            do {
                if position == 0, let pending = lock as? any PendingLock, !pending.isTaken {
                    try await pending.applyTaking(transaction)
                } else {
                    try await store.apply(transaction)
                }
            } catch let busy as LockBusy {
                throw busy
            } catch let conflict as TransactionConflict {
                let key = transaction.indices.contains(conflict.operationIndex) ? transaction[conflict.operationIndex].key : "a key"
                throw PublishAborted(transaction: position + 1, totalTransactions: total, key: key, conflict: conflict, live: live)
            } catch {
                throw PublishInterrupted(transaction: position + 1, totalTransactions: total, reason: "\(error)")
            }
            operations += transaction.count
            progress(ApplyProgress(transactions: position + 1, totalTransactions: total, operations: operations,
                                   totalOperations: totalOperations, elapsed: clock.now - start))
        }
    }

    /// The live entries of the keys this repository's record owns, and the record; empty when it has
    /// published nothing.
    public func liveEntries(of name: String) async throws -> (record: VersionRecord?, entries: [StoredEntry]) {
        let live = try await LiveStateReader(store: store, layout: settings.layout, name: name).read(keys: [], prune: [])
        let entries = (live.own?.keys ?? []).compactMap { live.entries[$0] }
        return (live.own?.record, entries)
    }
}
