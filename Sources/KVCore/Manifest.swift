import Yams

/// One `config:` entry as written, before its `file:` is read.
struct ManifestEntry: Sendable, Equatable {
    enum Payload: Sendable, Equatable {
        case value([UInt8])
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

    /// A file is a manifest when its top level is a mapping with a `config:` sequence. A YAML error is
    /// reported only for files that look like manifests (a line starting `config:`): other YAML files
    /// under the root are data, which their own validators check.
    static func parse(_ bytes: [UInt8], path: String) -> Manifest {
        parseFast(bytes, path: path) ?? parseWithYams(bytes, path: path)
    }

    /// The plain block form without Yams; nil when the scanner is not sure, never a different answer.
    static func parseFast(_ bytes: [UInt8], path: String) -> Manifest? {
        PlainManifestScanner.scan(bytes, path: path).map { check($0, path: path) }
    }

    static func parseWithYams(_ bytes: [UInt8], path: String) -> Manifest {
        let root: Node
        switch YAMLDocument.compose(bytes, file: path) {
        case .failure(let diagnostic):
            let manifest = looksLikeManifest(bytes)
            return Manifest(path: path, isManifest: manifest, entries: [], diagnostics: manifest ? [diagnostic] : [])
        case .success(nil): return Manifest(path: path, isManifest: false, entries: [], diagnostics: [])
        case .success(let node?): root = node
        }
        guard let outline = ManifestOutline(root, in: path) else {
            return Manifest(path: path, isManifest: false, entries: [], diagnostics: [])
        }
        return check(outline, path: path)
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

    private static func looksLikeManifest(_ bytes: [UInt8]) -> Bool {
        let marker = Array("config:".utf8)
        var lineStart = 0
        while lineStart + marker.count <= bytes.count {
            if bytes[lineStart..<lineStart + marker.count].elementsEqual(marker) { return true }
            guard let newline = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) else { return false }
            lineStart = newline + 1
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
            entries.append(ManifestEntry(key: key, location: keyNode.location, payload: .value(Array(scalar.utf8)),
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
