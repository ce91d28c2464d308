/// How far an unfinished publish got, read from the keys: those its target writes (their stamp in the
/// target differs from the live record's) that hold the target's value, and those it deletes (owned by
/// the live record, not by the target) that are gone. Exact whatever transaction it stopped in, since
/// the keys are what was applied.
public struct PublishProgress: Sendable, Equatable, Encodable, CustomStringConvertible {
    public let written: Int
    public let writes: Int
    public let deleted: Int
    public let deletes: Int

    public var description: String {
        var parts = ["\(written) of \(writes) key\(writes == 1 ? "" : "s") written"]
        if deletes > 0 { parts.append("\(deleted) of \(deletes) deleted") }
        return parts.joined(separator: ", ")
    }
}

extension LiveState {
    /// Nil without an unfinished publish, or while its target's chunks are not all written (then no
    /// key has changed yet: the chunks go first). Needs the entries of the live record's and the
    /// target's keys, which `LiveStateReader.read(keys:prune:)` reads.
    public var progress: PublishProgress? {
        guard let target = unfinished?.target else { return nil }
        let from = own?.stamps ?? [:]
        var written = 0, writes = 0, deleted = 0, deletes = 0
        for (key, stamp) in target where from[key] != stamp {
            writes += 1
            if entries[key].map(stamp.matches) == true { written += 1 }
        }
        for key in own?.keys ?? [] where target[key] == nil {
            deletes += 1
            if entries[key] == nil { deleted += 1 }
        }
        return PublishProgress(written: written, writes: writes, deleted: deleted, deletes: deletes)
    }
}
