import KVCore

/// Transactions of a publish with the journal written in the first one and deleted in the last: its
/// presence marks the publish unfinished. It is written once, not in every transaction: how far the
/// publish got is read from the keys themselves (`LiveState.progress`), so each transaction carries
/// only the publish's own operations (a 10,050-key publish takes 80 transactions of 128, not 81).
struct JournaledBatches {
    let limits: TransactionLimits
    let key: String
    /// The unfinished publish's journal entry, which the first write replaces.
    let existing: StoredEntry?
    /// The version record's key and the ModifyIndex the plan read (0: none yet). The first transaction
    /// is conditioned on it: a publisher that finished between this plan's read and its lock changed
    /// the record, so the publish stops before writing anything (and `ApplyWorkflow` plans again).
    let record: (key: String, index: UInt64)
    /// `Batcher.firstReserve`.
    let firstReserve: (operations: Int, bytes: Int)

    /// `phases`: see `Batcher.transactions(phases:final:)`; the condition and the journal go first.
    func transactions(_ phases: [[[StoreOperation]]], final: [StoreOperation], journal: PublishJournal,
                      flags: UInt64) throws(PublishError) -> [[StoreOperation]] {
        var batcher = Batcher(limits: limits)
        batcher.firstReserve = firstReserve
        let plain = try batcher.transactions(phases: phases, final: final)
        guard plain.count > 1 || existing != nil else { return plain }
        // Sized with the largest count it can hold, then written with the real one, which is never longer.
        var note = journal
        note.transactions = Int(Int32.max)
        let opening: [StoreOperation] = [.check(key: record.key, index: record.index), journalWrite(note, flags: flags)]
        var batches = try batcher.transactions(phases: [[opening]] + phases, final: [.delete(key: key)] + final)
        note.transactions = batches.count
        batches[0][1] = journalWrite(note, flags: flags)
        return batches
    }

    private func journalWrite(_ journal: PublishJournal, flags: UInt64) -> StoreOperation {
        .compareAndSet(key: key, value: journal.encoded(), flags: flags, index: existing?.modifyIndex ?? 0)
    }
}
