import KVCore

/// A key changed in the store outside kvctl since this repository's last publish.
public struct Drift: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// An owned key whose value or Flags differ from what the last publish left.
        case changed
        /// An owned key that is gone.
        case deleted
        /// A key under a `prune:` prefix that nobody's record owns.
        case added
    }

    public let key: String
    public let kind: Kind

    public var description: String {
        switch kind {
        case .changed: "~ \(key) (changed)"
        case .deleted: "- \(key) (deleted)"
        case .added: "+ \(key) (added under a prune: prefix)"
        }
    }
}

/// Compares the live state with what the last publish left: the owned keys' stamps in the record's
/// chunks, and its ModifyIndex (a key not written since the record was cannot have drifted, so only
/// newer keys are hashed). While a publish is unfinished, a key matching its target version's stamp,
/// or an owned key the target drops that is gone, is kvctl's own half-done work, not drift.
public struct DriftDetector: Sendable {
    public let prune: [String]

    public init(prune: [String]) {
        self.prune = prune
    }

    /// Sorted by key; empty when nothing was published yet.
    public func drift(in live: LiveState) -> [Drift] {
        guard let own = live.own else { return [] }
        let since = own.entry.modifyIndex, target = live.unfinished?.target
        var found: [Drift] = []
        for key in own.keys {
            guard let entry = live.entries[key] else {
                if target.map({ $0[key] == nil }) != true { found.append(Drift(key: key, kind: .deleted)) }
                continue
            }
            guard entry.modifyIndex > since else { continue }
            // Format 1 records have no stamps: any write after the record is drift.
            let expected = own.stamps[key].map { $0.matches(entry) } ?? false
            if !expected && target?[key]?.matches(entry) != true { found.append(Drift(key: key, kind: .changed)) }
        }
        let owned = Set(own.keys)
        for (key, entry) in live.entries where !owned.contains(key) && live.owners[key] == nil && prune.contains(where: { key.hasPrefix($0) }) {
            if target?[key]?.matches(entry) != true { found.append(Drift(key: key, kind: .added)) }
        }
        return found.sorted { $0.key.precedesInByteOrder($1.key) }
    }
}
