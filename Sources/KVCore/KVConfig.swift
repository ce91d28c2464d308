import Yams

/// Settings from the optional `kvctl.yaml` at the repository root. No file means these defaults.
/// Unknown settings are errors: a misspelt setting silently ignored is a release going wrong later.
public struct KVConfig: Sendable, Equatable {
    public static let fileName = "kvctl.yaml"

    /// The folder holding manifests, relative to the repository root.
    public var root = "kv"
    /// The folder holding JSON Schema documents, relative to the repository root.
    public var schemas = "schemas"

    public init() {}

    static let settings = ["root", "schemas"]

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
            return (config, [.error(at: YAMLDocument.location(of: node, in: file), rule: "config-invalid",
                                    "expected a mapping of settings (\(settings.joined(separator: ", ")))")])
        }
        var diagnostics: [Diagnostic] = []
        for (keyNode, valueNode) in mapping {
            let name = keyNode.scalar?.string ?? ""
            let at = YAMLDocument.location(of: keyNode, in: file)
            guard settings.contains(name) else {
                diagnostics.append(.error(at: at, rule: "config-unknown-setting",
                                          "unknown setting '\(name)'; expected one of \(settings.joined(separator: ", "))"))
                continue
            }
            let valueAt = YAMLDocument.location(of: valueNode, in: file)
            switch normalizedFolder(valueNode.scalar?.string ?? "") {
            case .failure(let problem):
                diagnostics.append(.error(at: valueAt, rule: "config-invalid", "'\(name)': \(problem.message)"))
            case .success(let folder) where name == "root": config.root = folder
            case .success(let folder): config.schemas = folder
            }
        }
        return (config, diagnostics)
    }

    struct Problem: Error { let message: String }

    private static func normalizedFolder(_ folder: String) -> Result<String, Problem> {
        let trimmed = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        let segments = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        if trimmed.isEmpty || segments.contains(where: { ["", ".", ".."].contains($0) }) {
            return .failure(Problem(message: "expected a relative folder path inside the repository, like 'kv', without empty, '.' or '..' segments"))
        }
        return .success(trimmed)
    }
}
