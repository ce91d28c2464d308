import GitKit
import KVCore

/// Which revision of the repository a command reads.
public enum Revision: Sendable, Equatable {
    case commit(String)
    case staged
    case worktree

    public func open(in repository: Repository) throws -> SourceTree {
        switch self {
        case .commit(let spec): try RevisionSnapshot(repository: repository, revision: spec)
        case .staged: try IndexSnapshot(repository: repository)
        case .worktree: try WorktreeSnapshot(repository: repository)
        }
    }
}

/// A revision with its settings and resolved tree: what every command starts from.
public struct LoadedRevision {
    public let source: SourceTree
    public let config: KVConfig
    public let loaded: LoadedTree

    /// Settings problems come first, then the manifests' own.
    public var diagnostics: [Diagnostic] { configDiagnostics + loaded.diagnostics }
    private let configDiagnostics: [Diagnostic]

    public init(_ revision: Revision, in repository: Repository) throws {
        source = try revision.open(in: repository)
        (config, configDiagnostics) = try KVConfig.load(from: source)
        loaded = try ManifestLoader(config: config).load(from: source)
    }
}
