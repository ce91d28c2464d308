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

/// A key with the kind of content its value holds.
public struct Item: Sendable {
    public let entry: KVEntry
    public let kind: ItemKind

    public var key: String { entry.key }
}

/// Everything validators may consult: the version's items and its settings.
public struct VersionUnderTest: Sendable {
    public let tree: KVTree
    public let items: [Item]
    public let settings: ValidationSettings

    public init(tree: KVTree, settings: ValidationSettings) {
        self.tree = tree
        self.settings = settings
        items = tree.entries.map { Item(entry: $0, kind: ItemKind.detect($0, settings: settings)) }
    }
}

/// The validation part of `kvctl.yaml`.
public struct ValidationSettings: Sendable {
    /// Consul's default `kv_max_value_size`.
    public var maxValueSize = 512 * 1024

    public init() {}
}
