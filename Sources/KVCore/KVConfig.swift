import Yams

/// Settings from the optional `kvctl.yaml` at the repository root. No file means these defaults.
/// Unknown settings are errors: a misspelt setting silently ignored is a release going wrong later.
public struct KVConfig: Sendable, Equatable {
    public static let fileName = "kvctl.yaml"

    /// The folder holding manifests, relative to the repository root.
    public var root = "kv"
    /// The folder holding JSON Schema documents, relative to the repository root.
    public var schemas = "schemas"
    /// What release tags start with: `v` makes version 1.4.0 the tag `v1.4.0`.
    public var tagPrefix = "v"

    public init() {}

    static let settings = ["root", "schemas", "tag-prefix"]

    /// Reads `kvctl.yaml` from a revision when it has one.
    public static func load(from source: SourceTree) throws -> (KVConfig, [Diagnostic]) {
        guard try source.kind(of: fileName) == .file else { return (KVConfig(), []) }
        return parse(try source.contents(of: fileName))
    }

    public static func parse(_ bytes: [UInt8], file: String = fileName) -> (KVConfig, [Diagnostic]) {
        var config = KVConfig()
        let node: Node
        switch YAMLDocument.compose(bytes, file: file) {
        case .failure(let diagnostic): return (config, [diagnostic])
        case .success(nil): return (config, [])
        case .success(let composed?): node = composed
        }
        guard let mapping = node.mapping else {
            return (config, [LoaderRules.configInvalid.finding(at: YAMLDocument.location(of: node, in: file),
                                    "expected a mapping of settings (\(settings.joined(separator: ", ")))")])
        }
        var diagnostics: [Diagnostic] = []
        for (keyNode, valueNode) in mapping {
            let name = keyNode.scalar?.string ?? ""
            let at = YAMLDocument.location(of: keyNode, in: file)
            guard settings.contains(name) else {
                diagnostics.append(LoaderRules.configUnknownSetting.finding(at: at,
                                          "unknown setting '\(name)'; expected one of \(settings.joined(separator: ", "))"))
                continue
            }
            let valueAt = YAMLDocument.location(of: valueNode, in: file)
            let text = valueNode.scalar?.string
            switch (name, name == "tag-prefix" ? tagPrefix(text) : normalizedFolder(text ?? "")) {
            case (_, .failure(let problem)):
                diagnostics.append(LoaderRules.configInvalid.finding(at: valueAt, "'\(name)': \(problem.message)"))
            case ("root", .success(let folder)): config.root = folder
            case ("schemas", .success(let folder)): config.schemas = folder
            case (_, .success(let prefix)): config.tagPrefix = prefix
            }
        }
        return (config, diagnostics)
    }

    struct Problem: Error { let message: String }

    /// Empty is allowed (tags like `1.4.0`); otherwise characters that are safe in any ref name,
    /// so every version gives a valid tag.
    private static func tagPrefix(_ text: String?) -> Result<String, Problem> {
        let allowed = text?.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "-_./".unicodeScalars.contains($0)
        }
        guard let prefix = text, allowed == true, !prefix.contains(".."), !prefix.contains("//"), !prefix.hasPrefix("/"),
              !prefix.hasPrefix("."), !prefix.hasPrefix("-") else {
            return .failure(Problem(message: "expected a tag prefix of letters, digits, '-', '_', '.' and '/', like 'v' or 'release/'"))
        }
        return .success(prefix)
    }

    private static func normalizedFolder(_ folder: String) -> Result<String, Problem> {
        let trimmed = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        let segments = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        if trimmed.isEmpty || segments.contains(where: { ["", ".", ".."].contains($0) }) {
            return .failure(Problem(message: "expected a relative folder path inside the repository, like 'kv', without empty, '.' or '..' segments"))
        }
        return .success(trimmed)
    }
}
