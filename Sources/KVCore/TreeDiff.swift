/// The key-level difference between two trees: what a release adds, removes and changes.
public struct TreeDiff: Sendable {
    public struct Change: Sendable {
        public let old: KVEntry
        public let new: KVEntry
    }

    public let added: [KVEntry]
    public let removed: [KVEntry]
    /// Keys in both trees whose bytes differ (moving a key to another manifest is not a change).
    public let changed: [Change]

    public init(from old: KVTree, to new: KVTree) {
        added = new.entries.filter { old[$0.key] == nil }
        removed = old.entries.filter { new[$0.key] == nil }
        changed = new.entries.compactMap { entry in
            guard let previous = old[entry.key], !previous.hasSameValue(as: entry) else { return nil }
            return Change(old: previous, new: entry)
        }
    }

    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }

    /// The level the change calls for and why: readers of a removed key break (major), new keys
    /// are new features (minor), new values alone are fixes (patch). Nil when nothing changed.
    public var proposedLevel: (level: ReleaseLevel, reason: String)? {
        if !removed.isEmpty {
            return (.major, "\(Self.count(removed.count, "key")) removed (\(Self.sample(removed.map(\.key)))); readers of a removed key break")
        }
        if !added.isEmpty {
            return (.minor, "\(Self.count(added.count, "key")) added (\(Self.sample(added.map(\.key)))) and none removed")
        }
        if !changed.isEmpty {
            return (.patch, "only values changed: \(Self.count(changed.count, "key")) (\(Self.sample(changed.map(\.new.key))))")
        }
        return nil
    }

    /// `2 added, 1 changed, 0 removed`: the one-line form for tag subjects and summaries.
    public var summary: String {
        "\(added.count) added, \(changed.count) changed, \(removed.count) removed"
    }

    public static func count(_ number: Int, _ noun: String) -> String {
        "\(number) \(noun)\(number == 1 ? "" : "s")"
    }

    private static func sample(_ keys: [String]) -> String {
        keys.count <= 3 ? keys.joined(separator: ", ") : keys.prefix(3).joined(separator: ", ") + ", and \(keys.count - 3) more"
    }
}
