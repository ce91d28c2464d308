import KVCore
import Publishing

/// `kvctl unpublish`: `unpublish(store:settings:name:)` deletes everything a repository owns in a
/// store (its keys, its version record, its chunks, its journal), for decommissioning. Not a publish: the delete guard does not apply, but
/// the lock does, and every delete is conditioned on the ModifyIndex read. No journal: the keys go
/// first, the record and journal after them, the chunks last, so an interrupted unpublish leaves a
/// record owning only the keys not deleted yet (or leftover chunks), and running it again finishes it.
extension ApplyWorkflow {
    /// The deletions, in order: keys, then record and journal, then chunks. Keys another repository's
    /// record owns are never among them, even when this one's lists them too.
    static func unpublishing(_ live: LiveState, layout: MetaLayout, name: String, limits: TransactionLimits)
        throws(PublishError) -> (keys: Int, chunks: Int, transactions: [[StoreOperation]]) {
        let owned = live.ownedKeys
        let keys = live.entries.values.filter { owned.contains($0.key) && live.owners[$0.key] == nil }
            .sorted { $0.key.precedesInByteOrder($1.key) }
        var units = keys.map { [StoreOperation.compareAndDelete(key: $0.key, index: $0.modifyIndex)] }
        let meta = [live.own?.entry, live.unfinished?.entry].compactMap { $0 }
        if !meta.isEmpty { units.append(meta.map { .compareAndDelete(key: $0.key, index: $0.modifyIndex) }) }
        units += live.chunks.values.sorted { $0.key < $1.key }.map { [.compareAndDelete(key: $0.key, index: $0.modifyIndex)] }
        return (keys.count, live.chunks.count, try Batcher(limits: limits).transactions(units: units, final: []))
    }

    /// Returns how many keys (outside the meta prefix) it deleted.
    @discardableResult
    public func unpublish(store: any KVStore, settings: PublishSettings, name: String) async throws -> Int {
        var lock: (any HeldLock)?
        if let locking = store as? any LockingStore {
            lock = try await acquireLock(locking, layout: settings.layout, name: name, operation: "unpublish")
        }
        do {
            let deleted = try await unpublish(store: store, settings: settings, name: name, lock: lock)
            await lock?.release()
            return deleted
        } catch {
            await lock?.release()
            throw error
        }
    }

    private func unpublish(store: any KVStore, settings: PublishSettings, name: String, lock: (any HeldLock)?) async throws -> Int {
        let layout = settings.layout
        let live = try await refusing { try await LiveStateReader(store: store, layout: layout, name: name).read(keys: [], prune: []) }
        let (keys, chunks, transactions) = try await refusing { try Self.unpublishing(live, layout: layout, name: name, limits: settings.limits) }
        guard !transactions.isEmpty else {
            interaction.say("kvctl: nothing to unpublish: '\(name)' owns nothing in \(store.description)")
            return 0
        }
        let what = [TreeDiff.count(keys, "key"), live.own.map { "its version record (\($0.record.current.tag) live)" },
                    chunks > 0 ? TreeDiff.count(chunks, "chunk") + " of its key list" : nil, live.unfinished.map { _ in "its journal" }]
            .compactMap { $0 }.joined(separator: ", ")
        interaction.say("kvctl: unpublish '\(name)' from \(store.description): deletes \(what)"
            + (live.owners.isEmpty ? "" : "; keys other repositories own are left alone"))
        if !policy.confirmed { try await interaction.confirm("unpublish '\(name)' from \(store.description)") }
        let stop = interaction.beginApply()
        defer { stop.end() }
        do {
            try await Publisher(store: store, settings: settings).apply(transactions, live: live.own?.record.current, holding: lock,
                                                                      progress: { interaction.progress($0) }, stop: { stop.requested })
        } catch {
            let again = "; kvctl unpublish again deletes what is left"
            if error is PublishStopped { throw WorkflowError("unpublish interrupted (Ctrl-C): \(error)\(again)", status: 130) }
            if let aborted = error as? PublishAborted {
                throw WorkflowError("unpublish aborted: \(aborted.key) changed in the store after unpublish read it (transaction "
                    + "\(aborted.transaction) of \(aborted.totalTransactions)); \(TreeDiff.count(aborted.transaction - 1, "transaction")) "
                    + "applied, nothing was overwritten\(again)")
            }
            throw WorkflowError("unpublish aborted: \(error)\(again)")
        }
        interaction.say("kvctl: unpublished '\(name)' from \(store.description): deleted \(TreeDiff.count(keys, "key")) and kvctl's "
            + "record of them in \(TreeDiff.count(transactions.count, "transaction"))")
        return keys
    }
}
