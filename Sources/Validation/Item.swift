import ConsulTemplate
import KVCore
import LogstashConfig

/// A key with the kind of content its value holds and what parsing it produced, computed once
/// and shared by every validator.
public struct Item: Sendable {
    public let entry: KVEntry
    public let kind: ItemKind
    /// A consul-template template (rendered against the version before any Logstash check).
    public let isTemplate: Bool
    /// The value read as JSON data, or why it could not be; nil for other content.
    public let document: Result<Document, Diagnostic>?
    /// A declared type that kvctl does not know.
    public let typeProblem: Diagnostic?
    public let template: Result<ParsedTemplate, TemplateSyntaxError>?
    /// The Logstash texts checked: one for a snippet, one per way a template's unknowable
    /// conditions can go. Empty when the template does not parse or render.
    public let logstash: [LogstashCheck]
    public let renderProblem: TemplateRenderError?

    public var key: String { entry.key }

    init(_ entry: KVEntry, _ classification: Classification, lookup: TreeLookup) {
        self.entry = entry
        kind = classification.kind
        isTemplate = classification.isTemplate
        document = classification.document
        typeProblem = classification.typeProblem
        let text = String(decoding: entry.value, as: UTF8.self)
        var checks: [LogstashCheck] = []
        var renderProblem: TemplateRenderError?
        if isTemplate {
            let parsed = Result { () throws(TemplateSyntaxError) in try TemplateParser(name: entry.key).parse(text) }
            template = parsed
            // Every template renders: execution errors (wrong argument counts among them, which Go
            // reports only when a call runs) and render limits apply whatever the content.
            if case .success(let template) = parsed {
                do {
                    var outputs: Set<String> = []
                    for truthy in [true, false] {
                        let rendered = try template.render(using: lookup, options: RenderOptions(placeholdersAreTruthy: truthy))
                        // A template reading an undefined key never renders (consul-template blocks);
                        // the undefined key is the finding, not the empty text it leaves here.
                        if kind == .logstash, rendered.blockedKeys.isEmpty, outputs.insert(rendered.output).inserted {
                            checks.append(LogstashCheck(rendered.output, entry: entry, sourceMap: rendered.sourceMap,
                                                        branch: rendered.usedPlaceholders ? (truthy ? "true" : "false") : nil))
                        }
                        // Only placeholders' truth differs between the two ways: without any, both render the same.
                        if !rendered.usedPlaceholders { break }
                    }
                } catch {
                    renderProblem = error
                }
            }
        } else {
            template = nil
            if kind == .logstash { checks.append(LogstashCheck(text, entry: entry, sourceMap: nil, branch: nil)) }
        }
        logstash = checks
        self.renderProblem = renderProblem
    }
}

/// One Logstash text and how to point back at the lines that produced it.
public struct LogstashCheck: Sendable {
    public let result: Result<LogstashConfig, LogstashSyntaxError>
    /// For a rendered template: which way unknowable conditions (secrets, services) were taken.
    public let branch: String?
    private let entry: KVEntry
    private let sourceMap: SourceMap?

    init(_ text: String, entry: KVEntry, sourceMap: SourceMap?, branch: String?) {
        result = Result { () throws(LogstashSyntaxError) in try LogstashParser.parse(text) }
        self.entry = entry
        self.sourceMap = sourceMap
        self.branch = branch
    }

    /// The value's byte offset of `range` of the Logstash text when those bytes are the value's own
    /// (always, for a snippet); nil when a template action produced any of them, as a value read
    /// from Consul, Vault or the environment is a reference, not a literal.
    public func sourceOffset(ofLiteral range: Range<Int>) -> Int? {
        guard let sourceMap else { return range.lowerBound }
        guard !range.isEmpty, let start = sourceMap.templatePosition(forOutputOffset: range.lowerBound)?.offset,
              let last = sourceMap.templatePosition(forOutputOffset: range.upperBound - 1)?.offset, last >= start,
              last < entry.value.count else { return nil }
        let span = entry.value[start...min(last + 1, entry.value.count - 1)]
        let opensAction = zip(span, span.dropFirst()).contains { $0 == UInt8(ascii: "{") && $1 == UInt8(ascii: "{") }
        return opensAction ? nil : start
    }

    /// The repository position of a line and column of the Logstash text.
    public func location(line: Int, column: Int) -> SourceLocation {
        guard let file = entry.origin.file else { return entry.valueLocation }
        guard let sourceMap else { return SourceLocation(file: file, line: line, column: column) }
        let position = sourceMap.templatePosition(forOutputLine: line, column: column)
        return SourceLocation(file: file, line: position?.line ?? line, column: position?.column ?? column)
    }
}

/// The version's own keys, as consul-template would see them in Consul. Keys another repository
/// owns (`external-keys`) read as a placeholder: their value is unknown here, but they exist.
struct TreeLookup: KeyLookup, Sendable {
    static let externalPlaceholder = "EXTERNAL_VALUE"

    let tree: KVTree
    let external: [KeyGlob]

    func value(forKey key: String) -> String? {
        if let entry = tree[key] { return String(decoding: entry.value, as: UTF8.self) }
        return external.contains { $0.matches(key) } ? Self.externalPlaceholder : nil
    }

    /// Consul lists by plain string prefix (`tree "app/hosts"` also finds `app/hostsX/a`), and
    /// consul-template trims the prefix and any leading `/` (dependency/kv_list.go), then drops
    /// folder markers, and for `ls` anything deeper (template/funcs.go, lsFunc and treeFunc).
    func pairs(underPrefix prefix: String, recursive: Bool) -> [KeyValuePair] {
        let length = prefix.utf8.count
        return tree.entries(under: prefix).compactMap { entry in
            let relative = String(decoding: entry.key.utf8.dropFirst(length).drop { $0 == UInt8(ascii: "/") }, as: UTF8.self)
            if relative.isEmpty || relative.hasSuffix("/") { return nil }
            guard recursive || !relative.contains("/") else { return nil }
            return KeyValuePair(path: entry.key, key: relative, value: String(decoding: entry.value, as: UTF8.self))
        }
    }
}
