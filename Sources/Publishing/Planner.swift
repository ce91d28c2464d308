import KVCore

/// Decides what a publish writes, from the version, the live state and the settings. Ownership is by
/// record: keys are deleted only when this repository's live record owns them (or they are under a
/// `prune:` prefix) and the version no longer defines them; keys another repository's record owns are
/// never written nor deleted.
public struct Planner: Sendable {
    public let settings: PublishSettings

    public init(settings: PublishSettings) {
        self.settings = settings
    }

    public func plan(_ request: PublishRequest, live: LiveState) throws(PublishError) -> PublishPlan {
        guard let flags = VersionFlags(request.version)?.value else {
            throw PublishError("\(request.version) does not fit the version encoding in Flags (at most 65535 per component)")
        }
        let layout = settings.layout
        var changes: [PublishPlan.Change] = [], refusals: [PublishPlan.Refusal] = [], unchanged = 0
        for wanted in request.keys {
            if wanted.key.hasPrefix(layout.prefix) {
                refusals.append(.init(key: wanted.key, description: "\(wanted.key) is under kvctl's meta prefix '\(layout.prefix)', where version records live"))
            } else if let owner = live.owners[wanted.key] {
                refusals.append(.init(key: wanted.key, description:
                    "\(wanted.key) is owned by repository '\(owner)' (its record \(layout.record(of: owner))), so '\(request.name)' may not write it"))
            }
            switch live.entries[wanted.key] {
            case nil: changes.append(.init(key: wanted.key, action: .create, old: nil, new: wanted.value, sentinel: wanted.sentinel, pruned: false))
            case let old? where old.value != wanted.value:
                changes.append(.init(key: wanted.key, action: .update, old: old, new: wanted.value, sentinel: wanted.sentinel, pruned: false))
            default: unchanged += 1
            }
        }
        let defined = Set(request.keys.map(\.key))
        let owned = live.ownedKeys
        for (key, old) in live.entries where !defined.contains(key) && live.owners[key] == nil {
            let pruned = settings.prune.contains { key.hasPrefix($0) }
            guard owned.contains(key) || pruned else { continue }
            changes.append(.init(key: key, action: .delete, old: old, new: nil, sentinel: false, pruned: !owned.contains(key)))
        }
        changes.sort { $0.key.precedesInByteOrder($1.key) }

        // What each key will hold once published: the drift baseline of the next publish.
        let changed = Set(changes.filter { $0.action != .delete }.map(\.key))
        let ownedKeys = Array(request.keys.indices).concurrentMap { index in
            let wanted = request.keys[index]
            let keyFlags = changed.contains(wanted.key) ? flags : live.entries[wanted.key]?.flags ?? flags
            if live.unchangedSinceRecord, let stamp = live.own?.stamps[wanted.key], stamp.flags == keyFlags {
                return OwnedKey(key: wanted.key, stamp: stamp)
            }
            return OwnedKey(key: wanted.key, stamp: request.stamp(at: index, flags: keyFlags))
        }
        let chunks = OwnedKeyChunks.chunks(of: ownedKeys)
        let changing = Set(changes.map(\.key))
        let drift = DriftDetector(prune: settings.prune).drift(in: live).filter { changing.contains($0.key) }
        let alreadyPublished = live.own.map {
            $0.record.current.version == request.publication.version && $0.record.current.commit == request.publication.commit
                && $0.record.owned == chunks.map(\.id)
        } ?? false
        let journal = PublishJournal(name: request.name, from: live.own?.record.current, to: request.publication, owned: chunks.map(\.id),
                                     transactions: 0)
        let journalKey = layout.journal(of: request.name)
        let packing = ReadSetPacking(readSets: request.readSets, room: settings.limits)
        let ownedCount = live.own?.keys.count ?? 0
        func plan(_ transactions: [[StoreOperation]]) -> PublishPlan {
            PublishPlan(request: request, live: live.own?.record.current, unfinished: live.unfinished?.journal, changes: changes,
                        unchanged: unchanged, refusals: refusals, drift: drift, transactions: transactions,
                        deleteLimit: settings.deleteGuard.limit(owned: ownedCount), ownedCount: ownedCount,
                        spanning: packing.spanning(transactions, changes: changes), recordsMark: live.recordsMark)
        }
        guard refusals.isEmpty, !(changes.isEmpty && alreadyPublished && live.unfinished == nil) else { return plan([]) }

        // The new chunks first, so an unfinished publish's target is readable before any key changes
        // (see `PublishJournal`); creates and updates before deletes, so consumers see new keys before
        // old ones go, packed so each template's read set shares a transaction; sentinels, the retired
        // chunks and the record last, in one transaction. Each of the three is a phase of the batcher.
        var newChunks: [[StoreOperation]] = [], writes: [StoreOperation] = [], deletes: [[StoreOperation]] = [], final: [StoreOperation] = []
        let name = request.name
        for chunk in chunks where live.chunks[chunk.id] == nil {
            newChunks.append([.compareAndSet(key: layout.chunk(chunk.id, of: name), value: chunk.bytes, flags: flags, index: 0)])
        }
        for change in changes {
            let operation: StoreOperation = switch change.action {
            case .create: .compareAndSet(key: change.key, value: change.new ?? [], flags: flags, index: 0)
            case .update: .compareAndSet(key: change.key, value: change.new ?? [], flags: flags, index: change.old?.modifyIndex ?? 0)
            case .delete: .compareAndDelete(key: change.key, index: change.old?.modifyIndex ?? 0)
            }
            if change.sentinel { final.append(operation) } else if change.action == .delete { deletes.append([operation]) } else { writes.append(operation) }
        }
        let kept = Set(chunks.map(\.id))
        for (id, entry) in live.chunks.sorted(by: { $0.key < $1.key }) where !kept.contains(id) {
            final.append(.compareAndDelete(key: entry.key, index: entry.modifyIndex))
        }
        let record = live.own?.record.succeeded(by: request.publication, owned: chunks.map(\.id))
            ?? VersionRecord(name: name, current: request.publication, history: [], owned: chunks.map(\.id))
        final.append(.compareAndSet(key: layout.record(of: name), value: record.encoded(), flags: flags,
                                    index: live.own?.entry.modifyIndex ?? 0))
        return plan(try JournaledBatches(limits: settings.limits, key: journalKey, existing: live.unfinished?.entry,
                                         record: (layout.record(of: name), live.own?.entry.modifyIndex ?? 0),
                                         firstReserve: (1, Batcher.size(of: .set(key: layout.lock(of: name),
                                                                                 value: Array(repeating: 0, count: LockHolder.transactionBytes), flags: 0))))
            .transactions([newChunks, packing.units(writes), deletes], final: final, journal: journal, flags: flags))
    }
}

extension Planner {
    /// The plan `plan(_:live:)` makes when republishing the live release changes nothing, from its
    /// `digest` alone: nil unless `live` (the records) passed `LiveStateReader.unchangedSinceRecord`
    /// for this digest, no key is refused, and the record's chunks are the ones this version would
    /// write (a record chunked otherwise is rewritten by the full plan). Such a plan has nothing to
    /// write, so its request carries no keys: `unchanged` counts them.
    public func unchangedPlan(_ request: PublishRequest, digest: VersionDigest, live: LiveState) -> PublishPlan? {
        guard VersionFlags(request.version) != nil, let own = live.own, live.unfinished == nil,
              own.record.current.version == request.publication.version, own.record.current.commit == request.publication.commit,
              own.owned.map(\.key) == digest.keys, !live.owners.keys.contains(where: { own.stamps[$0] != nil }),
              !digest.keys.contains(where: { $0.hasPrefix(settings.layout.prefix) }) else { return nil }
        guard own.record.owned == OwnedKeyChunks.chunks(of: own.owned).map(\.id) else { return nil }
        return PublishPlan(request: request, live: own.record.current, unfinished: nil, changes: [], unchanged: digest.keys.count,
                           refusals: [], drift: [], transactions: [], deleteLimit: settings.deleteGuard.limit(owned: own.keys.count),
                           ownedCount: own.keys.count, spanning: [], recordsMark: live.recordsMark)
    }
}
