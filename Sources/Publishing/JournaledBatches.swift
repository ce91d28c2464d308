import KVCore

/// Batches a publish and threads its journal through the transactions when it takes more than one, or
/// when it completes or undoes an unfinished one: transaction N (but the last) also writes the journal
/// saying N are done, so the note and the batch commit together; the last one deletes it with the
/// record's update. Each transaction keeps one operation and the journal's size free for it.
struct JournaledBatches {
    /// The journal's share of each transaction: one operation and its largest encoding.
    static func reserved(_ journal: PublishJournal, key: String, flags: UInt64) -> Int {
        var largest = journal
        (largest.transactions, largest.done) = (Int(Int32.max), Int(Int32.max))
        return Batcher.size(of: .set(key: key, value: largest.encoded(), flags: flags))
    }

    let limits: TransactionLimits
    let key: String
    /// The unfinished publish's journal entry, which the first write replaces.
    let existing: StoredEntry?

    /// `units`: see `Batcher.transactions(units:final:)`.
    func transactions(_ units: [[StoreOperation]], final: [StoreOperation], journal: PublishJournal,
                      flags: UInt64) throws(PublishError) -> [[StoreOperation]] {
        let plain = try Batcher(limits: limits).transactions(units: units, final: final)
        guard plain.count > 1 || existing != nil else { return plain }
        let reserved = Self.reserved(journal, key: key, flags: flags)
        let reduced = TransactionLimits(maxOperations: limits.maxOperations - 1, maxBytes: limits.maxBytes - reserved)
        guard reduced.maxOperations > 0, reduced.maxBytes > 0 else {
            throw PublishError("a transaction of \(limits.maxOperations) operations and \(limits.maxBytes / 1024) KiB has no room for the "
                + "publish journal (\(reserved) bytes); raise the transaction limits")
        }
        var batches = try Batcher(limits: reduced).transactions(units: units, final: [.delete(key: key)] + final)
        for position in batches.indices.dropLast() {
            var note = journal
            (note.transactions, note.done) = (batches.count, position + 1)
            batches[position].append(position == 0
                ? .compareAndSet(key: key, value: note.encoded(), flags: flags, index: existing?.modifyIndex ?? 0)
                : .set(key: key, value: note.encoded(), flags: flags))
        }
        return batches
    }
}
