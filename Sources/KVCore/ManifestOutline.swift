import Yams

/// One YAML node as the entry checks read it. Both the Yams path and `PlainManifestScanner` produce
/// these, so every manifest rule and message lives in one place (`EntryParser`), whichever path parsed.
struct ManifestNode: Equatable, Sendable {
    enum Shape: Equatable, Sendable {
        /// A scalar's value (quotes and escapes resolved) and whether YAML reads it as null.
        case scalar(String, isNull: Bool)
        case mapping, sequence, alias
    }

    let shape: Shape
    let location: SourceLocation
    /// A scalar tagged `!!binary`: YAML means base64-encoded bytes by it, kvctl would keep the text.
    var isBinary = false

    var text: String? {
        if case .scalar(let text, _) = shape { text } else { nil }
    }

    init(_ shape: Shape, at location: SourceLocation) {
        self.shape = shape
        self.location = location
    }

    init(_ node: Node, in path: String) {
        switch node {
        case .scalar(let scalar):
            shape = .scalar(scalar.string, isNull: YAMLDocument.isNull(scalar))
            isBinary = scalar.tag.rawValue == Tag.Name.binary.rawValue
        case .mapping: shape = .mapping
        case .sequence: shape = .sequence
        case .alias: shape = .alias
        }
        location = YAMLDocument.location(of: node, in: path)
    }
}

/// One item of the `config:` list.
struct ManifestItem: Equatable, Sendable {
    let node: ManifestNode
    /// Every field name in source order, for the unknown-field check; empty unless `node` is a mapping.
    let names: [ManifestNode]
    /// The value of each field in `Manifest.fields` that is present, as a mapping lookup finds it.
    let fields: [String: ManifestNode]

    init(node: ManifestNode, names: [ManifestNode], fields: [String: ManifestNode]) {
        self.node = node
        self.names = names
        self.fields = fields
    }

    init(_ item: Node, in path: String) {
        node = ManifestNode(item, in: path)
        guard let mapping = item.mapping else {
            names = []
            fields = [:]
            return
        }
        names = mapping.keys.map { ManifestNode($0, in: path) }
        // Yams' lookup, not a scan of `names`: it matches on the resolved tag as well as the text.
        var fields: [String: ManifestNode] = [:]
        for name in Manifest.fields {
            if let value = mapping[name] { fields[name] = ManifestNode(value, in: path) }
        }
        self.fields = fields
    }
}

/// A document that has a top-level mapping with a `config:` sequence, reduced to what the checks read.
struct ManifestOutline: Equatable, Sendable {
    /// Top-level keys other than `config`, each an error.
    let strayKeys: [ManifestNode]
    let items: [ManifestItem]

    init(strayKeys: [ManifestNode], items: [ManifestItem]) {
        self.strayKeys = strayKeys
        self.items = items
    }

    /// Nil when the document is not a manifest: no top-level mapping, or its `config:` is not a sequence.
    init?(_ root: Node, in path: String) {
        guard let mapping = root.mapping, let list = mapping["config"]?.sequence else { return nil }
        strayKeys = mapping.keys.filter { $0.scalar?.string != "config" }.map { ManifestNode($0, in: path) }
        items = list.map { ManifestItem($0, in: path) }
    }
}
