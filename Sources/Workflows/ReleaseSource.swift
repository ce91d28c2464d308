import Foundation
import GitKit
import KVCore
import Publishing
import Snapshots

/// The repository publish, rollback and status work from: its release tags, HEAD's settings (which
/// say where the store is and what the repository is called there) and the trees of its releases.
public struct ReleaseSource {
    public let repository: Repository
    public let root: URL

    public init(directory: String) throws {
        repository = try Repository(discovering: directory)
        guard let workdir = repository.workdir else { throw WorkflowError.usage("a bare repository has no place for the local store; run kvctl in a clone") }
        root = URL(fileURLWithPath: workdir)
    }

    /// HEAD's settings; only errors in kvctl.yaml itself stop the command. Only kvctl.yaml is read:
    /// HEAD's manifests do not matter here (loading them was a fifth of a no-op publish).
    public func headConfig() throws -> KVConfig {
        let (config, diagnostics) = try KVConfig.load(from: try Revision.commit("HEAD").open(in: repository))
        try InvalidContent.check(diagnostics.filter { $0.location.file == KVConfig.fileName })
        return config
    }

    public func name(_ config: KVConfig) throws -> String {
        try repositoryName(config: config, root: root)
    }

    /// The release tagged `version` (`1.2.0` or `v1.2.0`), refused with its findings when it does not validate.
    public func release(_ version: String) throws -> LoadedRelease {
        if try repository.head() == .unborn {
            throw WorkflowError("the repository has no commits yet, so it has no releases; commit the configuration, then kvctl release")
        }
        let tags = try ReleaseTags(repository: repository, prefix: try tagPrefix(in: repository))
        guard let wanted = SemanticVersion(version) ?? SemanticVersion(version, prefix: tags.prefix) else {
            throw WorkflowError.usage("'\(version)' is not a semantic version like 1.2.0")
        }
        guard let release = tags.releases.first(where: { $0.tag.name == tags.prefix + wanted.description }) else {
            throw WorkflowError.usage("no release tag \(tags.prefix + wanted.description)" + Self.known(tags))
        }
        let revision = try LoadedRevision(.commit(release.commit.description), in: repository, cached: true)
        let (all, readSets) = try revision.validated()
        try InvalidContent.check(all, headline: "refusing to publish \(release.tag.name): its content does not validate")
        return LoadedRelease(release: release, revision: revision, readSets: readSets, publisher: publisher())
    }

    /// The release tag `pin` names now: its version's tag, or the highest release its track matches
    /// (releases are the annotated tags `kvctl versions` lists).
    public func pinnedTag(_ pin: EnvironmentPin, of environment: String) throws -> String {
        let tags = try ReleaseTags(repository: repository, prefix: try tagPrefix(in: repository))
        switch pin {
        case .version(let version):
            guard let wanted = SemanticVersion(version) ?? SemanticVersion(version, prefix: tags.prefix),
                  let release = tags.releases.last(where: { $0.version == wanted }) else {
                throw WorkflowError.usage("environment '\(environment)' pins version \(version), which is no release tag"
                    + Self.known(tags))
            }
            return release.tag.name
        case .track(let track):
            guard let release = tags.releases.last(where: { track.matches($0.version) }) else {
                throw WorkflowError.usage("no release matches environment '\(environment)''s track \(track)" + Self.known(tags))
            }
            return release.tag.name
        }
    }

    private static func known(_ tags: ReleaseTags) -> String {
        tags.releases.isEmpty ? "; create one with kvctl release" : "; the releases are \(tags.releases.map(\.tag.name).joined(separator: ", "))"
    }

    /// Who publishes, for the version record and the lock: git's committer identity, else `user@host`.
    private func publisher() -> String {
        if let signature = try? repository.defaultSignature(environment: ProcessInfo.processInfo.environment) {
            return "\(signature.name) <\(signature.email)>"
        }
        return LockHolder.account
    }
}

/// A validated release, ready to become a publish request.
public struct LoadedRelease {
    public let release: ReleaseTags.Release
    public let revision: LoadedRevision
    public let readSets: [TemplateReadSet]
    public let publisher: String

    public var tag: String { release.tag.name }
    public var settings: PublishSettings { PublishSettings(revision.config) }

    /// `via`: the command making it, recorded in the publication (`sync`).
    public func request(name: String, kind: PublicationKind, via: String? = nil) -> PublishRequest {
        let request = PublishRequest(name: name, version: release.version, tag: tag, commit: release.commit.description, publisher: publisher,
                                     date: Date(), tree: revision.loaded.tree, sentinels: revision.config.sentinels, readSets: readSets,
                                     kind: kind)
        guard let via else { return request }
        var publication = request.publication
        publication.via = via
        return request.publishing(as: publication)
    }
}
