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
        }
        let claimed = parsed.filter { !$0.isManifest && !$0.diagnostics.isEmpty }
        return try resolve(parsed.filter(\.isManifest), claimed: claimed, files: files, in: source)
    }

    /// Reads every manifest's entries and `file:` references, then reports what no manifest read.
    private func resolve(_ parsed: [Manifest], claimed: [Manifest], files: [SourceFile], in source: SourceTree) throws -> LoadedTree {
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
                case .value(let bytes, let at):
                    entries.append(KVEntry(key: entry.key, value: bytes, origin: KeyOrigin(location: entry.location, file: nil, value: at),
                                           options: entry.options))
                case .file(let reference, let at):
                    switch try resolver.resolve(reference, from: folder) {
                    case .failure(let problem):
                        diagnostics.append(LoaderRules.fileReference.finding(at: at,
                                                  "cannot read file '\(reference)' for key '\(entry.key)': \(problem)"))
                    case .folder(let path):
                        diagnostics.append(LoaderRules.fileReference.finding(at: at,
                                                  "cannot read file '\(reference)' for key '\(entry.key)': '\(path)' is a folder; expected a file"))
                    case .file(let path, let links):
                        used.insert(path)
                        used.formUnion(links)
                        entries.append(KVEntry(key: entry.key, file: try source.lazyContents(of: path),
                                               origin: KeyOrigin(location: entry.location, file: path), options: entry.options))
                    }
                }
            }
        }

        // A file that claims to be a manifest but is not a valid one is an error, unless a `file:` reads it as data.
        // A link a `file:` went through was reported there if it failed.
        used.formUnion(resolver.followed)
        let broken = claimed.filter { !used.contains($0.path) }
        diagnostics += broken.flatMap(\.diagnostics)
        used.formUnion(broken.map(\.path))
        for link in files where link.kind == .symlink && !used.contains(link.path) {
            if let finding = try unfollowed(link.path, resolver: &resolver) {
                diagnostics.append(finding)
                used.insert(link.path)
            }
        }

        let orphans = files.map(\.path).filter { !used.contains($0) }
        diagnostics += orphans.map {
            LoaderRules.orphanFile.finding(at: SourceLocation(file: $0, line: 1, column: 1),
                     "this file is neither a manifest nor read by one; reference it with 'file:' or remove it")
        }
        return LoadedTree(tree: KVTree(entries), diagnostics: diagnostics.sortedByLocation(),
                          manifests: (parsed + broken).map(\.path).sorted { $0.precedesInByteOrder($1) }, orphans: orphans)
    }

    /// kvctl reads manifests and folders under the root only as they are, never through a symlink. A link
    /// named like a manifest, or one to a folder or out of the repository, would leave out what the user
    /// meant to publish, so it is an error; a link to a file in the repository is an ordinary orphan (nil).
    private func unfollowed(_ path: String, resolver: inout PathResolver) throws -> Diagnostic? {
        let at = SourceLocation(file: path, line: 1, column: 1)
        let parts = path.split(separator: "/")
        let outcome = try resolver.resolve(String(parts.last!), from: parts.dropLast().joined(separator: "/"))
        switch outcome {
        case .file where !Manifest.isCandidate(path): return nil
        case .file(let target, _):
            return LoaderRules.symlinkUnread.finding(at: at,
                "this manifest is a symlink (to '\(target)'); kvctl does not read manifests through symlinks, "
                    + "so none of its keys would be published; replace the link with the file")
        case .folder(let target):
            return LoaderRules.symlinkUnread.finding(at: at,
                "this symlink leads to the folder '\(target)'; kvctl does not look for manifests through symlinks, "
                    + "so nothing in it is published; move the folder here or replace the link with one")
        case .failure(let problem):
            return LoaderRules.symlinkUnread.finding(at: at,
                "this symlink is not followed, so nothing it leads to is published: \(problem); "
                    + "replace it with the file or folder, or remove it")
        }
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
