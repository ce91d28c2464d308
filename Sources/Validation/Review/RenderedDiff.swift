import ConsulTemplate
import JSONSchema
import KVCore

/// A template whose rendered output differs between two versions, and why.
public struct RenderedChange: Sendable, Encodable {
    public let key: String
    public let file: String?
    /// What made the output change: "its own text", and the changed keys it reads.
    public let causes: [String]
    /// The unified diff of the two outputs; a side that does not render shows its error instead.
    public let diff: String
}

/// Who reads a key, found statically from the templates' references and the settings.
public struct Consumer: Sendable, Encodable, Equatable {
    /// `template`, `dashboard` or `pipeline`.
    public let kind: String
    /// The template's or dashboard's key, or the pipeline's prefix.
    public let name: String
    /// `file:line` of the read (the template's call), or the file that defines the consumer.
    public let location: String
    /// How it reads the key: `key`, `ls prefix "p"`, `tree prefix "p"`, ….
    public let how: String
}

public struct KeyImpact: Sendable, Encodable {
    public let key: String
    /// `added`, `changed` or `removed`.
    public let change: String
    public let consumers: [Consumer]
}

/// Changed keys, what reads them, and what the templates render differently: the parts of
/// `diff --rendered`, `impact` and `review` that need both versions.
public struct VersionComparison: Sendable {
    public let old: VersionRenderer
    public let new: VersionRenderer
    public let diff: TreeDiff
    /// Templates of either version, each with its parse in the newer one (the older for a removed template).
    private let templates: [(key: String, renderer: VersionRenderer, parsed: ParsedTemplate?)]

    public init(old: (tree: KVTree, config: KVConfig), new: (tree: KVTree, config: KVConfig), inputs: RenderInputs = .standIns) {
        let older = VersionRenderer(tree: old.tree, config: old.config, inputs: inputs)
        let newer = VersionRenderer(tree: new.tree, config: new.config, inputs: inputs)
        self.old = older
        self.new = newer
        diff = TreeDiff(from: old.tree, to: new.tree)
        var seen: Set<String> = []
        var list: [(String, VersionRenderer, ParsedTemplate?)] = []
        for (renderer, keys) in [(newer, newer.templateKeys), (older, older.templateKeys)] {
            for key in keys where seen.insert(key).inserted { list.append((key, renderer, try? renderer.parse(key))) }
        }
        templates = list
    }

    /// Changed keys with how each changed, in byte order.
    public var changes: [(key: String, change: String)] {
        (diff.added.map { ($0.key, "added") } + diff.changed.map { ($0.new.key, "changed") } + diff.removed.map { ($0.key, "removed") })
            .sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
    }

    /// How `reference` reads `key`, nil when it does not: exact keys, and prefixes as Consul lists
    /// them (a plain string prefix; `ls` only one level below it).
    static func reads(_ reference: KeyReference, _ key: String) -> String? {
        if reference.key == nil, let pattern = reference.pattern, KeyGlob(pattern).matches(key) {
            return "\(reference.function) of a computed key like \"\(pattern)\""
        }
        guard let read = reference.key, reference.datacenter == nil else { return nil }
        guard reference.isPrefix else { return read == key ? reference.function : nil }
        guard key.hasPrefix(read) else { return nil }
        let relative = key.utf8.dropFirst(read.utf8.count).drop { $0 == UInt8(ascii: "/") }
        if relative.isEmpty || relative.last == UInt8(ascii: "/") { return nil }
        if !reference.function.hasSuffix("ree"), relative.contains(UInt8(ascii: "/")) { return nil }
        return "\(reference.function) prefix \"\(read)\""
    }

    /// For every template whose output changes (its text changed, a key or prefix it reads did, or
    /// it computes keys at render time), the diff of the two renderings. Only those are rendered.
    public func renderedChanges(oldLabel: String, newLabel: String) -> [RenderedChange] {
        let changed = changes.map(\.key)
        let changedSet = Set(changed)
        var result: [RenderedChange] = []
        for (key, renderer, parsed) in templates {
            var causes: [String] = changedSet.contains(key) ? ["its own text"] : []
            let references = parsed?.keyReferences ?? []
            for changedKey in changed where changedKey != key && references.contains(where: { Self.reads($0, changedKey) != nil }) {
                causes.append(changedKey)
            }
            let computed = references.contains { $0.key == nil && $0.pattern == nil }
            guard !causes.isEmpty || computed else { continue }
            let before = side(old, key), after = side(new, key)
            guard before != after else { continue }
            if causes.isEmpty { causes = ["a key computed at render time"] }
            let body = UnifiedDiff.render(old: before, new: after, oldLabel: "\(oldLabel):\(key) (rendered)", newLabel: "\(newLabel):\(key) (rendered)")
            result.append(RenderedChange(key: key, file: renderer.tree[key]?.origin.file, causes: causes, diff: body))
        }
        return result.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
    }

    /// One side's output: "" when the template is not in that version, the error when it does not render.
    private func side(_ renderer: VersionRenderer, _ key: String) -> String {
        guard renderer.isTemplate(key) else { return "" }
        do {
            return try renderer.render(key).output
        } catch {
            return "(does not render: \(error.location): \(error.message))\n"
        }
    }

    /// For each changed key, who consumes it in the newer version (the older one for what it removed).
    public func impact() -> [KeyImpact] {
        let references = templates.map { ($0.key, $0.renderer, $0.parsed?.keyReferences ?? []) }
        var datasourceChanges: [String: DatasourceImpact] = [:]
        for (key, _) in changes {
            let sides = [(old.tree[key], old.config), (new.tree[key], new.config)].map { entry, config in entry.map { Classification($0, config: config) } }
            guard sides.contains(where: { $0?.kind == .grafanaDatasources }) else { continue }
            let values = sides.map { side -> JSONValue? in if case .success(let document)? = side?.document { document.value } else { nil } }
            datasourceChanges[key] = DatasourceImpact(old: values[0], new: values[1])
        }
        // Parsed once, and only when a datasources file changed.
        let dashboards: [(entry: KVEntry, model: DashboardModel)] = datasourceChanges.isEmpty ? [] : new.tree.entries.compactMap { entry in
            let classification = Classification(entry, config: new.config)
            guard classification.kind == .grafanaDashboard, case .success(let document)? = classification.document,
                  let model = DashboardModel(document.value) else { return nil }
            return (entry, model)
        }
        return changes.map { key, change in
            var consumers: [Consumer] = []
            for (template, renderer, refs) in references {
                let file = renderer.tree[template]?.origin.file ?? template
                for reference in refs {
                    guard let how = Self.reads(reference, key) else { continue }
                    consumers.append(Consumer(kind: "template", name: template, location: "\(file):\(reference.position.line)", how: how))
                }
            }
            if let datasources = datasourceChanges[key] {
                consumers += dashboards.compactMap { entry, model in
                    datasources.reach(model).map {
                        Consumer(kind: "dashboard", name: entry.key, location: entry.origin.file ?? entry.origin.location.file, how: $0)
                    }
                }
            }
            for prefix in new.config.logstashPipelines where key.hasPrefix(prefix) {
                let snippets = new.tree.entries(under: prefix).count
                consumers.append(Consumer(kind: "pipeline", name: prefix, location: KVConfig.fileName,
                                          how: "one of the \(TreeDiff.count(snippets, "snippet")) concatenated into this pipeline"))
            }
            return KeyImpact(key: key, change: change, consumers: consumers)
        }
    }

    /// Templates reading keys computed at render time, which the impact cannot see through.
    public var uncheckedTemplates: [Consumer] {
        templates.flatMap { key, renderer, parsed in
            (parsed?.keyReferences ?? []).filter { $0.key == nil && $0.pattern == nil }.map {
                Consumer(kind: "template", name: key, location: "\(renderer.tree[key]?.origin.file ?? key):\($0.position.line)",
                         how: "\($0.function) of a key computed at render time")
            }
        }
    }
}
