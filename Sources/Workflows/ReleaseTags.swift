import GitKit
import KVCore
import Snapshots

/// The release tags: annotated tags named prefix + semantic version, oldest version first.
public struct ReleaseTags {
    public struct Release {
        public let version: SemanticVersion
        public let tag: TagReference
        public let commit: ObjectID
    }

    public let prefix: String
    public let releases: [Release]
    /// Every tag name, releases or not: a new release must not reuse any.
    public let names: Set<String>
    private let notVersions: [String]
    private let lightweight: [String]

    public init(repository: Repository, prefix: String) throws {
        let tags = try repository.tags()
        var releases: [Release] = [], notVersions: [String] = [], lightweight: [String] = []
        for tag in tags {
            guard let version = SemanticVersion(tag.name, prefix: prefix), let commit = tag.commit else {
                notVersions.append(tag.name)
                continue
            }
            guard tag.isAnnotated else {
                lightweight.append(tag.name)
                continue
            }
            releases.append(Release(version: version, tag: tag, commit: commit))
        }
        // Equal precedence (build metadata differs): order by name so output is stable.
        self.releases = releases.sorted { ($0.version, $0.tag.name) < ($1.version, $1.tag.name) }
        names = Set(tags.map(\.name))
        self.notVersions = notVersions
        self.lightweight = lightweight
        self.prefix = prefix
    }

    public var latest: Release? { releases.last }

    /// What a front end should warn about: tags that look like releases but are not.
    public var warnings: [String] {
        (notVersions.isEmpty ? [] : ["kvctl: warning: ignoring tags that are not releases (named '\(prefix)' + a semantic version, like \(prefix)1.2.0, on a commit): "
            + notVersions.joined(separator: ", ")])
        + (lightweight.isEmpty ? [] : ["kvctl: warning: ignoring lightweight tags (releases are annotated tags): \(lightweight.joined(separator: ", "))"])
    }
}

/// The tag prefix from `kvctl.yaml` at HEAD; the default in a repository without commits.
public func tagPrefix(in repository: Repository) throws -> String {
    guard try repository.head() != .unborn else { return KVConfig().tagPrefix }
    let (config, diagnostics) = try KVConfig.load(from: RevisionSnapshot(repository: repository, revision: "HEAD"))
    try InvalidContent.check(diagnostics)
    return config.tagPrefix
}
