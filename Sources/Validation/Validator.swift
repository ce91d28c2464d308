import JSONSchema
import KVCore

/// One kind of check over a version. Each validator is a small type owning a few rules,
/// the way SwiftLint keeps one rule per type.
public protocol Validator: Sendable {
    /// Every rule this validator can report.
    var rules: [Rule] { get }
    func validate(_ version: VersionUnderTest) -> [Diagnostic]
}

/// A validator that looks at items one at a time; they are checked in parallel.
public protocol ItemValidator: Validator {
    func validate(_ item: Item, in version: VersionUnderTest) -> [Diagnostic]
}

extension ItemValidator {
    public func validate(_ version: VersionUnderTest) -> [Diagnostic] {
        version.items.concurrentMap { validate($0, in: version) }.flatMap { $0 }
    }
}

/// Everything validators may consult: the version's items, its settings and its schemas.
public struct VersionUnderTest: Sendable {
    public let tree: KVTree
    public let config: KVConfig
    public let items: [Item]
    public let schemas: SchemaCatalog

    /// `schemaFiles` are the revision's files under the schema folder, keyed by path relative to it.
    public init(tree: KVTree, config: KVConfig, schemaFiles: [String: [UInt8]] = [:]) {
        self.tree = tree
        self.config = config
        schemas = SchemaCatalog(files: schemaFiles, folder: config.schemas)
        var classes = tree.entries.concurrentMap { Classification($0, config: config) }
        Classification.promoteTemplates(&classes, entries: tree.entries, config: config)
        let lookup = TreeLookup(tree: tree, external: config.externalKeys)
        items = Array(zip(tree.entries, classes)).concurrentMap { Item($0.0, $0.1, lookup: lookup) }
    }

    public func items(of kind: ItemKind) -> [Item] {
        items.filter { $0.kind == kind }
    }
}
