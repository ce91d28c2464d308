/// Everything known about one revision after reading its manifests.
public struct LoadedTree: Sendable {
    public let tree: KVTree
    public let diagnostics: [Diagnostic]
    public let manifests: [String]
    /// Files under the root that are neither manifests nor read by one.
    public let orphans: [String]
}

/// Turns a revision's manifests into the resolved key/value tree, reporting every problem found.
public struct ManifestLoader {
    public let config: KVConfig

    public init(config: KVConfig) {
        self.config = config
    }

    /// With a `memo`, manifests whose blob id was seen before are neither read nor parsed.
    public func load(from source: SourceTree, memo: (any ResultMemo)? = nil) throws -> LoadedTree {
        guard try source.kind(of: config.root) == .directory else {
            throw LoadError.rootMissing(config.root, in: source.label)
        }
        let files = try source.files(under: config.root)
        let candidates = try files.filter { $0.kind == .file && Manifest.isCandidate($0.path) }
            .map { (path: $0.path, content: try source.lazyContents(of: $0.path)) }
        let parsed = candidates.concurrentMap { candidate in
            let key = candidate.content.id.map { Manifest.memoKey(path: candidate.path, id: $0) }
            if let key, let record = memo?.recall(key), let manifest = Manifest(record: record, path: candidate.path) {
                return manifest
            }
            let manifest = Manifest.parse(candidate.content.bytes, path: candidate.path)
            if let key { memo?.store(key, manifest.record) }
            return manifest
        }.filter(\.isManifest)

        var diagnostics = parsed.flatMap(\.diagnostics)
        var used = Set(parsed.map(\.path))
        var resolver = PathResolver(source: source)
        var entries: [KVEntry] = []
        var firstDefinition: [String: SourceLocation] = [:]

        for manifest in parsed {
            let folder = manifest.path.split(separator: "/").dropLast().joined(separator: "/")
            for entry in manifest.entries {
                if let first = firstDefinition[entry.key] {
                    diagnostics.append(LoaderRules.keyDuplicate.finding(at: entry.location,
                                              "key '\(entry.key)' is already defined at \(first); expected each key once"))
                    continue
                }
                firstDefinition[entry.key] = entry.location
                switch entry.payload {
                case .value(let bytes):
                    entries.append(KVEntry(key: entry.key, value: bytes, origin: KeyOrigin(location: entry.location, file: nil),
                                           options: entry.options))
                case .file(let reference, let at):
                    switch try resolver.resolve(reference, from: folder) {
                    case .failure(let problem):
                        diagnostics.append(LoaderRules.fileReference.finding(at: at,
                                                  "cannot read file '\(reference)' for key '\(entry.key)': \(problem)"))
                    case .file(let path, let links):
                        used.insert(path)
                        used.formUnion(links)
                        entries.append(KVEntry(key: entry.key, file: try source.lazyContents(of: path),
                                               origin: KeyOrigin(location: entry.location, file: path), options: entry.options))
                    }
                }
            }
        }

        let orphans = files.map(\.path).filter { !used.contains($0) }
        diagnostics += orphans.map {
            LoaderRules.orphanFile.finding(at: SourceLocation(file: $0, line: 1, column: 0),
                     "this file is neither a manifest nor read by one; reference it with 'file:' or remove it")
        }
        return LoadedTree(tree: KVTree(entries), diagnostics: diagnostics.sortedByLocation(),
                          manifests: parsed.map(\.path), orphans: orphans)
    }
}

public enum LoadError: Error, CustomStringConvertible {
    case rootMissing(String, in: String)

    public var description: String {
        switch self {
        case let .rootMissing(root, label):
            "there is no '\(root)/' folder in \(label); kvctl reads manifests from it (set 'root:' in kvctl.yaml to use another folder)"
        }
    }
}
