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
        /// The chunks' lines in their order: `keys` with their stamps.
        public let owned: [OwnedKey]
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
    /// The entries were not read but are the version's values, checked against the record's stamps
    /// (`LiveStateReader.read(for:prune:)`): the stamps need no hashing again.
    public var unchangedSinceRecord = false

    /// The keys this repository owns: its record's, and those an unfinished publish already wrote,
    /// which are kvctl's too (a rollback or an unpublish deletes them).
    public var ownedKeys: Set<String> {
        let target = unfinished?.target ?? [:]
        return Set(own?.keys ?? []).union(target.filter { key, stamp in entries[key].map(stamp.matches) ?? false }.keys)
    }
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
        try await read(keys: wanted, prune: prune, records: try await readRecords())
    }

    /// The live state a plan of `request` needs. When the store lists keys with their index, this
    /// repository's record says the same tag and commit is live, no publish is unfinished and nothing
    /// was written or deleted under the read prefixes since the record, no value is read: the keys hold
    /// what that publish left, their stamps. One listing per read prefix instead of a recursive read.
    public func read(for request: PublishRequest, prune: [String]) async throws -> LiveState {
        let records = try await readRecords()
        if let unchanged = try await unchangedSinceRecord(records, request: request, prune: prune) { return unchanged }
        return try await read(keys: request.keys.map(\.key), prune: prune, records: records)
    }

    /// Nil unless every condition of `read(for:prune:)` holds: each version key is owned with a stamp of
    /// its value, each listing's index is at most the record's ModifyIndex (a write or a delete under
    /// the prefix after the record raises it), and every owned key is listed (a delete whose tombstone
    /// Consul has reaped no longer raises the index: hashicorp/consul agent/consul/state/graveyard.go
    /// `ReapTxn`), with no unowned key under a `prune:` prefix. The entries it returns are the
    /// version's values with their stamps' Flags; their ModifyIndex is the record's, the most it can be.
    private func unchangedSinceRecord(_ records: LiveState, request: PublishRequest, prune: [String]) async throws -> LiveState? {
        guard let own = recordsSame(records, as: request.publication, keys: request.keys.count) else { return nil }
        let since = own.entry.modifyIndex
        let stamped = Array(request.keys.indices).concurrentMap { index in
            let wanted = request.keys[index]
            return own.stamps[wanted.key].flatMap { stamp in
                request.stamp(at: index, flags: stamp.flags) == stamp
                    ? StoredEntry(key: wanted.key, value: wanted.value, flags: stamp.flags, modifyIndex: since) : nil
            }
        }
        var entries: [String: StoredEntry] = [:]
        for case let entry? in stamped { entries[entry.key] = entry }
        guard entries.count == request.keys.count, try await listedAsRecorded(entries.keys, own: own, records: records, prune: prune) else {
            return nil
        }
        return LiveState(own: own, unfinished: nil, chunks: records.chunks, owners: records.owners, entries: entries,
                         recordsMark: records.recordsMark, unchangedSinceRecord: true)
    }

    /// `read(for:prune:)`'s conditions for a version known only by its `digest` (the same keys, each
    /// stamp's hash that of the value), checked without a value: true when the store still holds what
    /// `records`' publish of `publication` left, so republishing it has nothing to write.
    public func unchangedSinceRecord(_ digest: VersionDigest, as publication: Publication, records: LiveState,
                                     prune: [String]) async throws -> Bool {
        guard let own = recordsSame(records, as: publication, keys: digest.keys.count) else { return false }
        // In the digest's order: a record listing the same keys otherwise has chunks this version would
        // not write, so the full plan rewrites it anyway.
        for (index, owned) in own.owned.enumerated() where owned.key != digest.keys[index] || owned.stamp?.hash != digest.hashes[index] {
            return false
        }
        return try await listedAsRecorded(digest.keys, own: own, records: records, prune: prune)
    }

    /// The record, when the store lists keys with their index, and the record says `publication`'s tag
    /// and commit are live with `keys` owned keys and no publish is unfinished.
    private func recordsSame(_ records: LiveState, as publication: Publication, keys: Int) -> LiveState.Own? {
        guard store is any KeyListing, let own = records.own, records.unfinished == nil, own.record.current.tag == publication.tag,
              own.record.current.commit == publication.commit, own.keys.count == keys else { return nil }
        return own
    }

    /// Whether one key listing per read prefix of `keys` (each of them owned with a stamp, as many as
    /// the record owns) shows all of them and nothing written, deleted or added since the record.
    private func listedAsRecorded(_ keys: some Collection<String>, own: LiveState.Own, records: LiveState,
                                  prune: [String]) async throws -> Bool {
        guard let listing = store as? any KeyListing else { return false }
        var listed = 0
        for prefix in ReadPrefixes.covering(keys, prune: prune) {
            let (names, index) = try await listing.keys(under: prefix)
            guard index <= own.entry.modifyIndex else { return false }
            for key in names where !key.hasPrefix(layout.prefix) {
                if own.stamps[key] != nil {
                    listed += 1
                } else if prune.contains(where: key.hasPrefix) && records.owners[key] == nil {
                    return false
                }
            }
        }
        return listed == keys.count
    }

    private func read(keys wanted: [String], prune: [String], records meta: LiveState) async throws -> LiveState {
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
                                                       uniquingKeysWith: { first, _ in first }), owned: keys)
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
