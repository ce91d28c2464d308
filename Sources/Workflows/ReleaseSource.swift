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
        let opened = try OpenedRevision(.commit(release.commit.description), in: repository, cached: true)
        let headline = "refusing to publish \(release.tag.name): its content does not validate"
        // A validated commit whose digest is kept too is not resolved until a plan needs its values.
        if let (findings, readSets) = opened.cachedValidation(), let digest = Self.cachedDigest(opened) {
            try InvalidContent.check(findings, headline: headline)
            return LoadedRelease(release: release, opened: opened, readSets: readSets, publisher: publisher(), digest: digest)
        }
        let revision = try opened.load()
        let (all, readSets) = try revision.validated(saving: false)
        var loaded = LoadedRelease(release: release, opened: opened, readSets: readSets, publisher: publisher(), revision: revision)
        // Kept whatever the findings: the cached findings refuse an invalid release as the full run does.
        // One save writes the validation and the digest together.
        if let cache = opened.cache {
            if let commit = opened.commit {
                let digest = VersionDigest(try loaded.keys())
                cache.store(Self.digestKey(commit), digest.encoded())
                loaded.digest = digest
            }
            cache.save()
        }
        try InvalidContent.check(all, headline: headline)
        return loaded
    }

    /// The digest of the commit's keys kept with its validation, or nil (no cache, none kept, damaged).
    private static func cachedDigest(_ opened: OpenedRevision) -> VersionDigest? {
        guard let commit = opened.commit, let record = opened.cache?.recall(digestKey(commit)) else { return nil }
        return VersionDigest(decoding: record)
    }

    private static func digestKey(_ commit: String) -> String { "publish-digest\u{0}\(commit)" }

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

/// A validated release, ready to become a publish request. Its manifests are resolved when a request
/// first needs the values, once.
public struct LoadedRelease {
    public let release: ReleaseTags.Release
    public let opened: OpenedRevision
    public let readSets: [TemplateReadSet]
    public let publisher: String
    /// The keys and value hashes of the release (see `VersionDigest`), when the cache holds them or
    /// they were just computed; a republish of the live release is decided from it.
    public internal(set) var digest: VersionDigest?
    private let resolved: Resolved

    /// The resolved revision and its request keys, made on first use and shared by copies.
    private final class Resolved {
        var revision: LoadedRevision?
        var keys: [DesiredKey]?
        init(_ revision: LoadedRevision?) { self.revision = revision }
    }

    init(release: ReleaseTags.Release, opened: OpenedRevision, readSets: [TemplateReadSet], publisher: String,
         digest: VersionDigest? = nil, revision: LoadedRevision? = nil) {
        (self.release, self.opened, self.readSets, self.publisher, self.digest) = (release, opened, readSets, publisher, digest)
        resolved = Resolved(revision)
    }

    public var tag: String { release.tag.name }
    public var config: KVConfig { opened.config }
    public var settings: PublishSettings { PublishSettings(opened.config) }

    /// The revision with its manifests resolved.
    public func revision() throws -> LoadedRevision {
        if let revision = resolved.revision { return revision }
        let revision = try opened.load()
        resolved.revision = revision
        return revision
    }

    /// The release's keys as a publish request holds them.
    func keys() throws -> [DesiredKey] {
        if let keys = resolved.keys { return keys }
        let revision = try revision(), sentinels = revision.config.sentinels
        let keys = PublishRequest.keys(of: revision.loaded.tree, sentinels: sentinels)
        resolved.keys = keys
        return keys
    }

    /// `via`: the command making it, recorded in the publication (`sync`).
    public func request(name: String, kind: PublicationKind, via: String? = nil) throws -> PublishRequest {
        var request = PublishRequest(name: name, version: release.version, publication: publication(keys: try keys().count, kind: kind, via: via),
                                     keys: try keys(), readSets: readSets)
        request.digest = digest
        return request
    }

    /// The plan of republishing this release as `name` when the store holds what its record says
    /// (`LiveStateReader.unchangedSinceRecord`), decided from the digest without resolving the tree;
    /// nil when anything differs or no digest is known, so the full plan decides.
    public func unchangedPlan(name: String, kind: PublicationKind, via: String? = nil, reader: LiveStateReader) async throws -> PublishPlan? {
        guard let digest, reader.layout == settings.layout, reader.name == name else { return nil }
        let records = try await reader.readRecords()
        let request = PublishRequest(name: name, version: release.version, publication: publication(keys: digest.keys.count, kind: kind, via: via),
                                     keys: [], readSets: readSets)
        guard try await reader.unchangedSinceRecord(digest, as: request.publication, records: records, prune: settings.prune) else { return nil }
        return Planner(settings: settings).unchangedPlan(request, digest: digest, live: records)
    }

    private func publication(keys: Int, kind: PublicationKind, via: String?) -> Publication {
        var publication = PublishRequest.publication(version: release.version, tag: tag, commit: release.commit.description,
                                                     publisher: publisher, date: Date(), keys: keys, kind: kind)
        publication.via = via
        return publication
    }
}
