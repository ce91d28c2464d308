import ConsulTemplate
import KVCore

/// What a rendering may read besides the version's own keys: values of `external-keys` (from
/// `--set` or a live store), and the environment for `env` (from `--set-env`).
public struct RenderInputs: Sendable {
    /// Values for keys other repositories own; keys not matching `external-keys` are ignored,
    /// as the version itself defines every other key.
    public var externalValues: [String: String]
    /// The environment consul-template would run with; a variable not in it is unset. Nil makes
    /// `env` a placeholder, as validation renders it.
    public var environment: [String: String]?
    /// What an external key with no value reads as; nil leaves it absent (a `key` on it then waits).
    public var externalStandIn: (@Sendable (String) -> String)?

    public init(externalValues: [String: String] = [:], environment: [String: String]? = nil,
                externalStandIn: (@Sendable (String) -> String)? = nil) {
        self.externalValues = externalValues
        self.environment = environment
        self.externalStandIn = externalStandIn
    }

    /// For comparisons of two versions: external keys read as a marked stand-in on both sides, so
    /// only this repository's changes show.
    public static let standIns = RenderInputs(externalStandIn: { "<external value of \($0)>" })
}

/// One template rendered as consul-template would render it, with what made the output uncertain.
public struct RenderedTemplate: Sendable {
    /// A read consul-template could not satisfy offline.
    public struct Gap: Sendable, Equatable {
        public let function: String
        public let key: String
        public let line: Int
        public let column: Int
        /// consul-template waits for the key (`key`, `safeLs`, `safeTree`): it would write nothing.
        public let blocks: Bool
        /// The key is one of `external-keys`, owned by another repository.
        public let external: Bool
    }

    public let key: String
    /// The repository file holding the template (nil for an inline value).
    public let file: String?
    public let output: String
    public let gaps: [Gap]
    /// Placeholder-producing calls (secret, service, …) with their template lines, in source order.
    public let placeholders: [(function: String, line: Int)]

    /// Whether consul-template would write this output at all.
    public var isComplete: Bool { !gaps.contains(where: \.blocks) }
}

/// A template that could not be rendered: the parse or execution error at its position.
public struct RenderFailure: Error, Sendable {
    public let key: String
    public let file: String?
    public let line: Int
    public let column: Int
    public let message: String

    public var location: SourceLocation { SourceLocation(file: file ?? key, line: line, column: column) }
}

/// Renders the templates of one version of the tree, as `kvctl render`, `diff --rendered` and
/// `review` show them. Templates are the values validation treats as consul-template templates.
public struct VersionRenderer: Sendable {
    public let tree: KVTree
    public let config: KVConfig
    public let inputs: RenderInputs

    public init(tree: KVTree, config: KVConfig, inputs: RenderInputs = RenderInputs()) {
        self.tree = tree
        self.config = config
        self.inputs = inputs
    }

    /// The keys holding templates, in byte order.
    public var templateKeys: [String] {
        tree.entries.filter { Classification($0, config: config).isTemplate }.map(\.key)
    }

    public func isTemplate(_ key: String) -> Bool {
        tree[key].map { Classification($0, config: config).isTemplate } ?? false
    }

    /// The template's parse, or its syntax error as a failure.
    public func parse(_ key: String) throws(RenderFailure) -> ParsedTemplate {
        guard let entry = tree[key] else {
            throw RenderFailure(key: key, file: nil, line: 1, column: 1, message: "no key '\(key)' in this version")
        }
        do {
            return try TemplateParser(name: key).parse(String(decoding: entry.value, as: UTF8.self))
        } catch {
            throw RenderFailure(key: key, file: entry.origin.file, line: error.line, column: error.column, message: error.message)
        }
    }

    public func render(_ key: String) throws(RenderFailure) -> RenderedTemplate {
        let parsed = try parse(key)
        let entry = tree[key]!
        let lookup = InputLookup(tree: TreeLookup(tree: tree, external: []), external: config.externalKeys, inputs: inputs)
        let result: RenderResult
        do {
            result = try parsed.render(using: lookup)
        } catch {
            throw RenderFailure(key: key, file: entry.origin.file, line: error.line, column: error.column, message: error.message)
        }
        var gaps = result.blockedKeys.map {
            RenderedTemplate.Gap(function: $0.function, key: $0.key, line: $0.position.line, column: $0.position.column,
                                 blocks: true, external: lookup.isExternal($0.key))
        }
        // keyOrDefault, keyExists, ls and tree on an external key with no value render (the default,
        // false, nothing) but the output is not what the live store would give.
        for reference in parsed.keyReferences where reference.datacenter == nil {
            guard let read = reference.key, lookup.isExternal(read), !TemplateValidator.blocking.contains(reference.function),
                  lookup.value(forKey: read) == nil, lookup.pairs(underPrefix: read, recursive: true).isEmpty else { continue }
            gaps.append(RenderedTemplate.Gap(function: reference.function, key: read, line: reference.position.line,
                                             column: reference.position.column, blocks: false, external: true))
        }
        let environmentKnown = inputs.environment != nil
        let placeholders = parsed.externalUses
            .filter { !(environmentKnown && $0.category == .environment) }
            .map { (function: $0.function, line: $0.position.line) }
        return RenderedTemplate(key: key, file: entry.origin.file, output: result.output,
                                gaps: gaps.sorted { ($0.line, $0.column) < ($1.line, $1.column) }, placeholders: placeholders)
    }
}

/// The version's keys, then `external-keys` from the inputs.
struct InputLookup: KeyLookup {
    let tree: TreeLookup
    let external: [KeyGlob]
    let inputs: RenderInputs

    func isExternal(_ key: String) -> Bool { external.contains { $0.matches(key) } }

    var environment: [String: String]? { inputs.environment }

    func value(forKey key: String) -> String? {
        if let value = tree.value(forKey: key) { return value }
        guard isExternal(key) else { return nil }
        return inputs.externalValues[key] ?? inputs.externalStandIn?(key)
    }

    func pairs(underPrefix prefix: String, recursive: Bool) -> [KeyValuePair] {
        let own = tree.pairs(underPrefix: prefix, recursive: recursive)
        let length = prefix.utf8.count
        let given = inputs.externalValues.compactMap { key, value -> KeyValuePair? in
            guard key.hasPrefix(prefix), isExternal(key), tree.value(forKey: key) == nil else { return nil }
            let relative = String(decoding: key.utf8.dropFirst(length).drop { $0 == UInt8(ascii: "/") }, as: UTF8.self)
            if relative.isEmpty || relative.hasSuffix("/") || (!recursive && relative.contains("/")) { return nil }
            return KeyValuePair(path: key, key: relative, value: value)
        }
        guard !given.isEmpty else { return own }
        return (own + given).sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }
}
