import Yams

/// One `config:` entry as written, before its `file:` is read.
struct ManifestEntry: Sendable, Equatable {
    enum Payload: Sendable, Equatable {
        /// The bytes and where the `value:` scalar starts, which findings about the value point at.
        case value([UInt8], at: SourceLocation)
        case file(String, at: SourceLocation)
    }

    let key: String
    let location: SourceLocation
    let payload: Payload
    let options: EntryOptions
}

/// A parsed candidate file: a manifest with its entries, or data that merely has a YAML name.
struct Manifest: Sendable, Equatable {
    static let fields = ["key", "value", "file", "schema", "type", "allow-secret", "sentinel"]

    let path: String
    let isManifest: Bool
    let entries: [ManifestEntry]
    let diagnostics: [Diagnostic]

    static func isCandidate(_ path: String) -> Bool {
        (path.hasSuffix(".yaml") || path.hasSuffix(".yml"))
            && !path.hasSuffix(".notkv.yaml") && !path.hasSuffix(".notkv.yml")
    }

    /// A file is a manifest when its top level is a mapping with a `config:` sequence. A file whose first
    /// top-level key is `config` claims to be one: when it is not a valid manifest (a YAML error, `config:`
    /// empty or a mapping), it is kept as a non-manifest with diagnostics, and the loader reports them unless
    /// a `file:` reads it as data. Other YAML files under the root are data, which their own validators check.
    static func parse(_ bytes: [UInt8], path: String) -> Manifest {
        parseFast(bytes, path: path) ?? parseWithYams(bytes, path: path)
    }

    /// The plain block form without Yams; nil when the scanner is not sure, never a different answer.
    static func parseFast(_ bytes: [UInt8], path: String) -> Manifest? {
        PlainManifestScanner.scan(bytes, path: path).map { check($0, path: path) }
    }

    static func parseWithYams(_ bytes: [UInt8], path: String) -> Manifest {
        let root: Node
        let repeats: [Diagnostic]
        switch YAMLDocument.compose(bytes, file: path) {
        case .failure(let diagnostic):
            return claimsToBeManifest(bytes) ? claimed(path, diagnostic) : data(path)
        case .success(let composed):
            guard let node = composed.root else { return data(path) }
            (root, repeats) = (node, composed.repeats)
        }
        guard let outline = ManifestOutline(root, in: path) else {
            guard let config = root.mapping?.first, config.key.scalar?.string == "config" else { return data(path) }
            let empty = config.value.scalar.map(YAMLDocument.isNull) ?? false
            let problem = switch config.value {
            case .scalar: empty ? "is empty" : "is a scalar"
            case .mapping: "is a mapping"
            default: "is not a list"
            }
            let at = empty ? config.key : config.value
            return claimed(path, LoaderRules.manifestStructure.finding(at: YAMLDocument.location(of: at, in: path),
                "'config' \(problem); a manifest's 'config:' is a list of entries like '- key: some/key' with 'value:' or 'file:'"
                    + " (name the file *.notkv.yaml if it is not a manifest)"), repeats: repeats)
        }
        let manifest = check(outline, path: path)
        guard !repeats.isEmpty else { return manifest }
        return Manifest(path: path, isManifest: true, entries: manifest.entries,
                        diagnostics: (repeats + manifest.diagnostics).sortedByLocation())
    }

    private static func data(_ path: String) -> Manifest {
        Manifest(path: path, isManifest: false, entries: [], diagnostics: [])
    }

    private static func claimed(_ path: String, _ diagnostic: Diagnostic, repeats: [Diagnostic] = []) -> Manifest {
        Manifest(path: path, isManifest: false, entries: [], diagnostics: (repeats + [diagnostic]).sortedByLocation())
    }

    private static func check(_ outline: ManifestOutline, path: String) -> Manifest {
        var parser = EntryParser()
        for key in outline.strayKeys {
            parser.error(at: key, rule: LoaderRules.manifestStructure,
                         "unknown top-level field '\(key.text ?? "?")'; a manifest has only 'config:'")
        }
        for item in outline.items { parser.parse(item) }
        return Manifest(path: path, isManifest: true, entries: parser.entries, diagnostics: parser.diagnostics)
    }

    /// Whether the first top-level key, as written, is `config` (plain or quoted), after a byte order
    /// mark, blank and comment lines, directives and a `---`: read from the text, because the YAML may not parse.
    private static func claimsToBeManifest(_ bytes: [UInt8]) -> Bool {
        var text = bytes[...]
        if text.starts(with: [0xEF, 0xBB, 0xBF]) { text = text.dropFirst(3) }
        for line in text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            let content = line.last == UInt8(ascii: "\r") ? line.dropLast() : line
            let trimmed = content.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
            if trimmed.isEmpty || trimmed.first == UInt8(ascii: "#") || content.first == UInt8(ascii: "%") { continue }
            if content.starts(with: Array("---".utf8)) && content.dropFirst(3).allSatisfy({ $0 == UInt8(ascii: " ") }) { continue }
            for name in ["config", "\"config\"", "'config'"] where content.starts(with: Array(name.utf8)) {
                let rest = content.dropFirst(name.utf8.count).drop { $0 == UInt8(ascii: " ") }
                let after = rest.dropFirst().first
                if rest.first == UInt8(ascii: ":") && (after == nil || after == UInt8(ascii: " ") || after == UInt8(ascii: "\t")) {
                    return true
                }
            }
            return false
        }
        return false
    }
}

/// Checks the shape of each entry, collecting every problem rather than stopping at the first.
private struct EntryParser {
    var entries: [ManifestEntry] = []
    var diagnostics: [Diagnostic] = []

    mutating func error(at node: ManifestNode, rule: Rule, _ message: String) {
        diagnostics.append(rule.finding(at: node.location, message))
    }

    mutating func parse(_ item: ManifestItem) {
        guard item.node.shape == .mapping else {
            return error(at: item.node, rule: LoaderRules.manifestStructure,
                         "expected an entry mapping with 'key' and either 'value' or 'file'")
        }
        let fields = item.fields
        for name in item.names where !Manifest.fields.contains(name.text ?? "") {
            error(at: name, rule: LoaderRules.manifestStructure,
                  "unknown field '\(name.text ?? "?")'; expected one of \(Manifest.fields.joined(separator: ", "))")
        }
        guard let keyNode = fields["key"] else {
            return error(at: item.node, rule: LoaderRules.manifestStructure, "the entry has no 'key'; expected 'key: some/consul/key'")
        }
        guard case .scalar(let key, isNull: false) = keyNode.shape else {
            return error(at: keyNode, rule: LoaderRules.manifestStructure, "'key' must be a non-empty string like 'config/app/port'")
        }
        if let problem = KeyRules.problem(with: key) {
            return error(at: keyNode, rule: LoaderRules.keyInvalid, "invalid key '\(key)': \(problem)")
        }
        if let problem = KeyRules.consulVersionProblem(with: key) {
            diagnostics.append(LoaderRules.keyConsulVersions.finding(at: keyNode.location, "key '\(key)': \(problem)"))
        }
        let options = EntryOptions(schema: text(fields["schema"], "schema"), type: text(fields["type"], "type"),
                                   allowSecret: text(fields["allow-secret"], "allow-secret"),
                                   sentinel: flag(fields["sentinel"], "sentinel"))
        switch (fields["value"], fields["file"]) {
        case (nil, nil):
            error(at: item.node, rule: LoaderRules.manifestStructure, "the entry for '\(key)' has neither 'value' nor 'file'; expected exactly one")
        case (.some, .some(let file)):
            error(at: file, rule: LoaderRules.manifestStructure, "the entry for '\(key)' has both 'value' and 'file'; expected exactly one")
        case (let value?, nil):
            guard case .scalar(let scalar, isNull: false) = value.shape else {
                return error(at: value, rule: LoaderRules.valueNotScalar, value.text != nil
                    ? "the value of '\(key)' is null; write value: \"\" for an empty value"
                    : "the value of '\(key)' is a \(describe(value)); expected a scalar (store structured data with 'file:')")
            }
            if value.isBinary {
                return error(at: value, rule: LoaderRules.valueBinary,
                             "the value of '\(key)' is tagged !!binary; kvctl stores a value's text as written, so keep the bytes in a file and reference it with 'file:'")
            }
            entries.append(ManifestEntry(key: key, location: keyNode.location, payload: .value(Array(scalar.utf8), at: value.location),
                                         options: options))
        case (nil, let file?):
            guard case .scalar(let reference, isNull: false) = file.shape else {
                return error(at: file, rule: LoaderRules.manifestStructure, "'file' must be a path relative to the manifest's folder")
            }
            entries.append(ManifestEntry(key: key, location: keyNode.location, payload: .file(reference, at: file.location),
                                         options: options))
        }
    }

    /// An optional text field; anything but a non-empty scalar is reported and ignored.
    private mutating func text(_ node: ManifestNode?, _ name: String) -> Located<String>? {
        guard let node else { return nil }
        guard case .scalar(let text, isNull: false) = node.shape else {
            error(at: node, rule: LoaderRules.manifestStructure, "'\(name)' must be a non-empty text")
            return nil
        }
        return Located(text, at: node.location)
    }

    /// An optional boolean field: `true` or `false`, anything else is reported and read as false.
    private mutating func flag(_ node: ManifestNode?, _ name: String) -> Bool {
        guard let node else { return false }
        guard let text = node.text, ["true", "false"].contains(text) else {
            error(at: node, rule: LoaderRules.manifestStructure, "'\(name)' must be true or false")
            return false
        }
        return text == "true"
    }

    private func describe(_ node: ManifestNode) -> String {
        switch node.shape {
        case .mapping: "mapping"
        case .sequence: "sequence"
        case .alias: "YAML alias"
        case .scalar: "scalar"
        }
    }
}
