/// What the store holds that a plan needs: this repository's record and owned keys, the keys other
/// repositories own, and the live entries of the keys involved.
public struct LiveState: Sendable {
    /// This repository's record, the entry holding it (its ModifyIndex conditions the next write) and
    /// the keys it owns.
    public struct Own: Sendable {
        public let record: VersionRecord
        public let entry: StoredEntry
        public let keys: [String]
        /// What the last publish left in each owned key; empty for format 1 records.
        public let stamps: [String: KeyStamp]
    }

    /// An unfinished publish: its journal, the entry holding it, and the stamps of the keys its target
    /// version owns (nil until all of its chunks are written, which happens before any key is).
    public struct Unfinished: Sendable {
        public let journal: PublishJournal
        public let entry: StoredEntry
        public let target: [String: KeyStamp]?
    }

    public let own: Own?
    public let unfinished: Unfinished?
    /// Chunk entries under this repository's `owned/` folder, referenced or left over, by id.
    public let chunks: [String: StoredEntry]
    /// Keys owned by other repositories' records, with the owner's name.
    public let owners: [String: String]
    /// Live entries of the keys the plan concerns, outside the meta prefix.
    public let entries: [String: StoredEntry]
    /// The ModifyIndex of every entry under the meta prefix but the locks: equal marks mean no
    /// publisher wrote a record, chunk or journal in between.
    public let recordsMark: [String: UInt64]
}

/// Reads the live state with one recursive read of the meta prefix, then one per prefix of
/// `ReadPrefixes` over the version's keys, the owned keys and the prune prefixes.
public struct LiveStateReader: Sendable {
    public let store: any KVStore
    public let layout: MetaLayout
    public let name: String

    /// Records read already, which `readRecords` returns instead of reading again.
    private let primed: LiveState?

    public init(store: any KVStore, layout: MetaLayout, name: String) {
        self.store = store
        self.layout = layout
        self.name = name
        primed = nil
    }

    private init(_ reader: LiveStateReader, primed: LiveState) {
        (store, layout, name) = (reader.store, reader.layout, reader.name)
        self.primed = primed
    }

    /// This reader answering `readRecords` with `records`: one read serves both choosing what to
    /// publish and planning it.
    public func primed(with records: LiveState) -> LiveStateReader {
        LiveStateReader(self, primed: records)
    }

    /// The live state with the entries of `keys`, of the keys this repository owns or an unfinished
    /// publish writes, and of the keys under `prune`.
    public func read(keys wanted: [String], prune: [String]) async throws -> LiveState {
        let meta = try await readRecords()
        let relevant = Set(wanted).union(meta.own?.keys ?? []).union(meta.unfinished?.target.map { Array($0.keys) } ?? [])
        let prefixes = ReadPrefixes.covering(relevant, prune: prune)
        var entries: [String: StoredEntry] = [:]
        for prefix in prefixes {
            for entry in try await store.entries(under: prefix)
            where !entry.key.hasPrefix(layout.prefix) && (relevant.contains(entry.key) || prune.contains { entry.key.hasPrefix($0) }) {
                entries[entry.key] = entry
            }
        }
        return LiveState(own: meta.own, unfinished: meta.unfinished, chunks: meta.chunks, owners: meta.owners, entries: entries,
                         recordsMark: meta.recordsMark)
    }

    /// The meta prefix alone, in one read: records, chunks and journal, with no key entries.
    public func readRecords() async throws -> LiveState {
        if let primed { return primed }
        var own: LiveState.Own?, chunks: [String: StoredEntry] = [:], owners: [String: String] = [:]
        var journalEntry: StoredEntry?, mark: [String: UInt64] = [:]
        for (repository, meta) in try await metaEntries() {
            for entry in meta where entry.key != layout.lock(of: repository) { mark[entry.key] = entry.modifyIndex }
            let ownedChunks = meta.filter { $0.key.hasPrefix(layout.chunks(of: repository)) }
            if repository == name {
                chunks = Dictionary(ownedChunks.map { (String($0.key.dropFirst(layout.chunks(of: name).count)), $0) },
                                    uniquingKeysWith: { first, _ in first })
                journalEntry = meta.first { $0.key == layout.journal(of: name) }
            }
            guard let entry = meta.first(where: { $0.key == layout.record(of: repository) }) else { continue }
            let record = try VersionRecord.decode(entry.value, key: entry.key)
            let keys = try ownedKeys(of: record, named: repository, from: ownedChunks)
            if repository == name {
                own = LiveState.Own(record: record, entry: entry, keys: keys.map(\.key),
                                    stamps: Dictionary(keys.compactMap { owned in owned.stamp.map { (owned.key, $0) } },
                                                       uniquingKeysWith: { first, _ in first }))
            } else {
                for owned in keys { owners[owned.key] = repository }
            }
        }
        var unfinished: LiveState.Unfinished?
        if let journalEntry {
            let journal = try PublishJournal.decode(journalEntry.value, key: journalEntry.key)
            let targetChunks = journal.owned.compactMap { chunks[$0] }
            let target = targetChunks.count == journal.owned.count
                ? Dictionary(targetChunks.flatMap { OwnedKeyChunks.owned(in: $0.value) }.compactMap { owned in owned.stamp.map { (owned.key, $0) } },
                             uniquingKeysWith: { first, _ in first })
                : nil
            unfinished = LiveState.Unfinished(journal: journal, entry: journalEntry, target: target)
        }
        return LiveState(own: own, unfinished: unfinished, chunks: chunks, owners: owners, entries: [:], recordsMark: mark)
    }

    /// The entries under the meta prefix, grouped by repository name.
    private func metaEntries() async throws -> [String: [StoredEntry]] {
        var byName: [String: [StoredEntry]] = [:]
        for entry in try await store.entries(under: layout.prefix) {
            if let (repository, _) = layout.split(entry.key) { byName[repository, default: []].append(entry) }
        }
        return byName
    }

    private func ownedKeys(of record: VersionRecord, named repository: String, from entries: [StoredEntry]) throws -> [OwnedKey] {
        let byKey = Dictionary(entries.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        return try record.owned.flatMap { id in
            guard let chunk = byKey[layout.chunk(id, of: repository)] else {
                throw StoreStateError("the version record of '\(repository)' lists \(layout.chunk(id, of: repository)), which is missing")
            }
            return OwnedKeyChunks.owned(in: chunk.value)
        }
    }
}
