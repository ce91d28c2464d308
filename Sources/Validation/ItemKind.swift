import Foundation
import JSONSchema
import KVCore

/// What a value holds, which decides the validators that look at it.
public enum ItemKind: String, Sendable, CaseIterable {
    case setting
    case logstash
    case consulTemplate = "consul-template"
    case grafanaDashboard = "grafana-dashboard"
    case grafanaDatasources = "grafana-datasources"
    case json, yaml, text

    /// The names a manifest's `type:` or a `kvctl.yaml` rule may give.
    static let declarable: [ItemKind] = [.logstash, .consulTemplate, .grafanaDashboard, .grafanaDatasources, .json, .yaml, .text]

    static let templateExtensions = [".ctmpl", ".tmpl", ".tpl"]
}

/// Decides each value's kind. Precedence: the entry's `type:`, then the first `kvctl.yaml` rule
/// with a type, then the file name and content (see README, "Content types").
struct Classification {
    var kind: ItemKind
    /// Whether the text is a consul-template template, rendered before any Logstash check.
    var isTemplate: Bool
    var declared: Bool
    var typeProblem: Diagnostic?
    var document: Result<Document, Diagnostic>?

    init(_ entry: KVEntry, config: KVConfig) {
        let declaration = entry.options.type ?? config.rules.first { $0.type != nil && $0.matches(entry) }?.type
        var declaredKind: ItemKind?
        if let declaration {
            declaredKind = ItemKind.declarable.first { $0.rawValue == declaration.value }
            if declaredKind == nil {
                typeProblem = ItemRules.unknownType.finding(at: declaration.location,
                    "unknown type '\(declaration.value)'; expected one of \(ItemKind.declarable.map(\.rawValue).joined(separator: ", "))")
            }
        }
        declared = declaredKind != nil
        let file = entry.origin.file ?? ""
        let templateFile = ItemKind.templateExtensions.contains { file.hasSuffix($0) }
        let isYAML = file.hasSuffix(".yaml") || file.hasSuffix(".yml")
        switch declaredKind {
        case .grafanaDashboard?, .json?: document = Document.json(entry.value, file: file)
        case .grafanaDatasources?, .yaml?: document = Document.yaml(entry.value, file: file)
        case .some: document = nil
        case nil where entry.origin.file == nil: document = .success(Document.setting(entry))
        case nil where file.hasSuffix(".json"): document = Document.json(entry.value, file: file)
        case nil where isYAML: document = Document.yaml(entry.value, file: file)
        case nil: document = nil
        }
        // An inline value has no file of its own: its findings point at the manifest entry, naming the
        // place inside the value.
        if entry.origin.file == nil, case .failure(var problem)? = document {
            problem.message = "in the value (its line \(problem.location.line), column \(problem.location.column)): \(problem.message)"
            problem.location = entry.valueLocation
            document = .failure(problem)
        }
        if let declaredKind {
            kind = declaredKind
        } else if entry.origin.file == nil {
            kind = .setting
        } else if file.hasSuffix(".conf") {
            kind = .logstash
        } else if templateFile {
            kind = .consulTemplate
        } else {
            kind = Self.sniff(document, isYAML: isYAML)
        }
        isTemplate = kind == .consulTemplate || (kind == .logstash && templateFile)
    }

    /// An item whose results were reused: only its kind is needed, and it is never a template.
    init(reused kind: ItemKind) {
        self.kind = kind
        isTemplate = false
        declared = true
    }

    private static func sniff(_ document: Result<Document, Diagnostic>?, isYAML: Bool) -> ItemKind {
        guard let document else { return .text }
        guard case .success(let parsed) = document, let object = parsed.value.objectValue else { return isYAML ? .yaml : .json }
        if isYAML {
            return object["apiVersion"] != nil && (object["datasources"] != nil || object["deleteDatasources"] != nil)
                ? .grafanaDatasources : .yaml
        }
        let dashboard = object["dashboard"]?.objectValue ?? object
        return dashboard["panels"] != nil || dashboard["rows"] != nil ? .grafanaDashboard : .json
    }

    /// An undeclared template's output is checked as Logstash when its name says so (`x.conf.ctmpl`),
    /// when it sits under a `logstash-pipelines` prefix, when it opens with a section keyword, or when
    /// it sits beside Logstash: a snippet, or a template recognised by one of the first three rules
    /// (a folder of `.ctmpl` files rendered into one `conf.d` is one pipeline). Promotion by folder
    /// adds no folder, so one pass for each kind of evidence is the fixed point. The sibling rule is
    /// what catches a snippet opening with a top-level `if`.
    static func promoteTemplates(_ classes: inout [Classification], entries: [KVEntry], config: KVConfig) {
        var logstashFolders = Set(zip(classes, entries).filter { $0.0.kind == .logstash }.map { folder(of: $0.1.key) })
        var undecided: [Int] = []
        for index in classes.indices where classes[index].kind == .consulTemplate && !classes[index].declared {
            let entry = entries[index]
            let file = entry.origin.file ?? ""
            let bare = ItemKind.templateExtensions.reduce(file) { name, suffix in
                name.hasSuffix(suffix) ? String(name.dropLast(suffix.count)) : name
            }
            if bare.hasSuffix(".conf") || config.logstashPipelines.contains(where: { entry.key.hasPrefix($0) })
                || opensWithSection(entry.value) {
                classes[index].kind = .logstash
                logstashFolders.insert(folder(of: entry.key))
            } else {
                undecided.append(index)
            }
        }
        for index in undecided where logstashFolders.contains(folder(of: entries[index].key)) {
            classes[index].kind = .logstash
        }
    }

    private static func folder(of key: String) -> Substring {
        key[..<(key.lastIndex(of: "/") ?? key.startIndex)]
    }

    /// Skips blank lines, `#` comments and `{{/* */}}` template comments before the first word, which
    /// must open a section.
    private static func opensWithSection(_ bytes: [UInt8]) -> Bool {
        var text = Substring(String(decoding: bytes.prefix(4096), as: UTF8.self))
        while true {
            text = text.drop { $0.isWhitespace }
            if text.hasPrefix("#") {
                text = text.drop { $0 != "\n" }
            } else if text.hasPrefix("{{"), let close = text.range(of: "}}"),
                      text[text.index(text.startIndex, offsetBy: 2)..<close.lowerBound].trimmingCharacters(in: ["-", " "]).hasPrefix("/*") {
                text = text[close.upperBound...]
            } else {
                break
            }
        }
        // `plugin_type cs "{"` in Logstash's grammar: `output = 1` in an ini template is no section.
        guard let keyword = ["input", "filter", "output"].first(where: { text.hasPrefix($0) }) else { return false }
        return text.dropFirst(keyword.count).drop { $0.isWhitespace }.hasPrefix("{")
    }
}

enum ItemRules {
    static let unknownType = Rule("type-unknown", .error, "A `type:` names a kind of content kvctl does not know.",
                                  rationale: "A misspelt type would silently skip the checks the author asked for.",
                                  consumer: "No consumer reads `type:`: it is the author's instruction to kvctl, and a check the author asked for that cannot run must fail closed rather than pass.")
}
