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

/// A revision with its settings and result cache, its manifests not resolved yet (resolving them is
/// most of what reading a commit costs, which a republish answered from the cache never pays).
public struct OpenedRevision {
    public let source: SourceTree
    public let config: KVConfig
    /// Results kept from earlier runs, when caching was asked for and the revision allows it.
    public let cache: ResultCache?
    let configDiagnostics: [Diagnostic]

    /// `cached` reuses results of earlier runs for blobs already seen (see `ResultCache`).
    public init(_ revision: Revision, in repository: Repository, cached: Bool = false) throws {
        source = try revision.open(in: repository)
        (config, configDiagnostics) = try KVConfig.load(from: source)
        cache = cached ? try ResultCache.open(for: source, config: config, repository: repository) : nil
    }

    /// The id of the commit, for records of the cache kept per commit; nil for the index and the worktree.
    public var commit: String? { (source as? RevisionSnapshot)?.commit.id.description }

    public func load() throws -> LoadedRevision { try LoadedRevision(self) }
}

/// A revision with its settings and resolved tree: what every command starts from.
public struct LoadedRevision {
    public let source: SourceTree
    public let config: KVConfig
    public let loaded: LoadedTree
    /// Results kept from earlier runs, when caching was asked for and the revision allows it.
    public let cache: ResultCache?

    /// Settings problems come first, then the manifests' own.
    public var diagnostics: [Diagnostic] { configDiagnostics + loaded.diagnostics }
    private let configDiagnostics: [Diagnostic]

    /// `cached` reuses results of earlier runs for blobs already seen (see `ResultCache`).
    public init(_ revision: Revision, in repository: Repository, cached: Bool = false) throws {
        try self.init(OpenedRevision(revision, in: repository, cached: cached))
    }

    init(_ opened: OpenedRevision) throws {
        (source, config, configDiagnostics, cache) = (opened.source, opened.config, opened.configDiagnostics, opened.cache)
        loaded = try ManifestLoader(config: config).load(from: source, memo: cache)
    }
}

extension LoadedRevision {
    /// The revision's JSON files under the schema folder, keyed by path relative to it.
    public func schemaFiles() throws -> [String: [UInt8]] {
        guard try source.kind(of: config.schemas) == .directory else { return [:] }
        var files: [String: [UInt8]] = [:]
        for file in try source.files(under: config.schemas) where file.kind == .file && file.path.hasSuffix(".json") {
            files[String(file.path.dropFirst(config.schemas.count + 1))] = try source.contents(of: file.path)
        }
        return files
    }
}
