import JSONSchema
import KVCore

/// One kind of check over a version. Each validator is a small type owning a few rules,
/// the way SwiftLint keeps one rule per type.
public protocol Validator: Sendable {
    /// Every rule this validator can report.
    var rules: [Rule] { get }
}

/// Looks at items one at a time; they are checked in parallel. Except for templates, which read
/// other keys, an item's results depend on its own entry alone and are reused while it is unchanged.
public protocol ItemValidator: Validator {
    func validate(_ item: Item, in version: VersionUnderTest) -> [Diagnostic]
}

/// Looks across items, through their summaries, so that unchanged items need not be read.
public protocol VersionValidator: Validator {
    func validate(_ version: VersionUnderTest) -> [Diagnostic]
}

/// Everything validators may consult: the version's items, its settings and its schemas.
public struct VersionUnderTest: Sendable {
    public let tree: KVTree
    public let config: KVConfig
    public let schemas: SchemaCatalog
    /// The items checked in this run: every item, less those whose results an earlier run left.
    public let items: [Item]
    /// Every item's kind and what cross-item checks need of it, checked now or earlier.
    public let summaries: [ItemSummary]
    /// Findings of the items whose results were reused.
    let reusedFindings: [Diagnostic]
    let memo: (any ResultMemo)?

    /// `schemaFiles` are the revision's files under the schema folder, keyed by path relative to it.
    /// With a `memo`, items whose record is found there are not checked again.
    public init(tree: KVTree, config: KVConfig, schemaFiles: [String: [UInt8]] = [:], memo: (any ResultMemo)? = nil) {
        self.tree = tree
        self.config = config
        self.memo = memo
        schemas = SchemaCatalog(files: schemaFiles, folder: config.schemas)
        let records = tree.entries.concurrentMap { entry -> ItemRecord? in
            guard let memo, let key = ItemRecord.key(for: entry), let record = memo.recall(key) else { return nil }
            return ItemRecord(record: record)
        }
        var classes = Array(tree.entries.indices).concurrentMap { index in
            records[index].map { Classification(reused: $0.kind) } ?? Classification(tree.entries[index], config: config)
        }
        Classification.promoteTemplates(&classes, entries: tree.entries, config: config)
        let lookup = TreeLookup(tree: tree, external: config.externalKeys)
        let fresh = tree.entries.indices.filter { records[$0] == nil }
        let freshClasses = fresh.map { classes[$0] }
        items = Array(zip(fresh, freshClasses)).concurrentMap { Item(tree.entries[$0.0], $0.1, lookup: lookup) }
        var checked = items.makeIterator()
        summaries = tree.entries.indices.map { index in
            guard let record = records[index] else { return checked.next()!.summary }
            return ItemSummary(entry: tree.entries[index], kind: record.kind, dashboard: record.dashboard, pipeline: record.pipeline, fresh: nil)
        }
        reusedFindings = records.compactMap { $0?.findings }.flatMap { $0 }
    }

    public func items(of kind: ItemKind) -> [Item] {
        items.filter { $0.kind == kind }
    }
}
