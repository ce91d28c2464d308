import ConsulKit
import Foundation
import GitKit
import KVCore
import Publishing

/// Refuses when anything kvctl reads (the manifest and schema folders, kvctl.yaml) is staged, modified
/// or untracked: `reason` says why the command needs committed content (release, promote).
public func requireClean(_ repository: Repository, config: KVConfig, because reason: String) throws {
    let dirty = try repository.status(of: [config.root, config.schemas, KVConfig.fileName])
    guard !dirty.isEmpty else { return }
    throw WorkflowError("uncommitted changes in \(config.root)/, \(config.schemas)/ or \(KVConfig.fileName); "
        + "\(reason), so commit or stash them first:\n"
        + dirty.map { "  \($0.code) \($0.path)" }.joined(separator: "\n"))
}

/// `kvctl promote VERSION --to NAME`, prepared: the gates checked in every datacenter of NAME's
/// `after:` environment, and kvctl.yaml with NAME's `version:` set to the release (only that scalar
/// changed, see `PinEdit`). `commit` writes it on HEAD's branch.
public struct Promotion {
    public let tag: String
    public let environment: String
    public let branch: String
    /// NAME's `version:` as written before; nil when it had none.
    public let previous: String?
    public let after: String?
    /// Empty without `after:`.
    public let results: [PromotionGates.Result]
    /// kvctl.yaml at HEAD, and as the commit will hold it; equal when NAME pins the release already.
    public let old: [UInt8]
    public let new: [UInt8]

    public var failed: [PromotionGates.Result] { results.filter { !$0.passed } }
    public var alreadyPinned: Bool { old == new }

    /// Reads HEAD (a branch, with nothing uncommitted that kvctl reads), the release (which must
    /// validate) and NAME's pin, then checks the gates against the stores as of `now`.
    public static func prepare(_ source: ReleaseSource, version: String, environment: String, now: Date = Date()) async throws -> Promotion {
        let repository = source.repository
        let branch: String
        switch try repository.head() {
        case .unborn: throw WorkflowError("the repository has no commits yet, so there is no kvctl.yaml to pin a release in")
        case .detached(let id):
            throw WorkflowError("HEAD is detached at \(id.short); check out the branch whose kvctl.yaml pins the environments, then promote")
        case .branch(let name, _): branch = name
        }
        let config = try source.headConfig()
        let target = try StoreSelection(env: environment).environment(in: config)
        try requireClean(repository, config: config, because: "promote commits \(KVConfig.fileName) from HEAD")
        let release = try source.release(version)
        let tag = release.tag
        var previous: String?
        switch target?.pin {
        case .track(let track)?:
            throw WorkflowError("environment '\(environment)' follows track \(track), which decides its release; "
                + "replace 'track:' with 'version: \(tag)' in \(KVConfig.fileName) to pin one release")
        case .version(let written)?:
            previous = written
            // A pin naming the release already (with or without the tag prefix) needs no commit, nor gates.
            if (try? source.pinnedTag(.version(written), of: environment)) == tag {
                let bytes = try headFile(repository)
                return Promotion(tag: tag, environment: environment, branch: branch, previous: previous, after: target?.after,
                                 results: [], old: bytes, new: bytes)
            }
        case nil: break
        }
        let results = try await gates(release, after: target?.after, soak: target?.soak, config: config, source: source, now: now)
        let old = try headFile(repository)
        let new: [UInt8]
        do { new = try PinEdit.settingVersion(tag, of: environment, in: old) } catch {
            throw WorkflowError("cannot pin \(tag) in \(environment): \(error)")
        }
        // The edit must read back as the pin it was meant to be, and change no environment's other settings.
        var expected = config.environments
        expected[environment]?.pin = .version(tag)
        let (reread, findings) = KVConfig.parse(new)
        guard reread.environments == expected, !findings.contains(where: { $0.severity == .error }) else {
            throw WorkflowError("cannot pin \(tag) in \(environment): editing \(KVConfig.fileName) in place would change more than the pin; "
                + "edit it by hand")
        }
        return Promotion(tag: tag, environment: environment, branch: branch, previous: previous, after: target?.after,
                         results: results, old: old, new: new)
    }

    private static func headFile(_ repository: Repository) throws -> [UInt8] {
        guard let entry = try repository.resolveCommit("HEAD").tree().entry(at: KVConfig.fileName) else {
            throw WorkflowError("HEAD has no \(KVConfig.fileName)")
        }
        return try repository.blob(entry.id)
    }

    /// Every gate in every datacenter of `after`, in the listed order; none without `after:`. What a
    /// publish wrote (name, meta prefix, prune) comes from the release's tag, as sync reads it.
    private static func gates(_ release: LoadedRelease, after: String?, soak: Int?, config: KVConfig, source: ReleaseSource,
                              now: Date) async throws -> [PromotionGates.Result] {
        guard let after else { return [] }
        let checks = PromotionGates(tag: release.tag, after: after, soak: soak)
        let name = try source.name(release.config), settings = release.settings
        var results: [PromotionGates.Result] = []
        try await StoreSelection(env: after).withStore(config: config, repositoryRoot: source.root, everyDatacenter: true) { store, _ in
            let place = after + ((store as? ConsulClient)?.configuration.datacenter.map { " \($0)" } ?? "")
            results += await checks.check(LiveStateReader(store: store, layout: settings.layout, name: name), prune: settings.prune,
                                          place: place, now: now)
        }
        return results
    }

    /// What changed and the gate results; `forced` says failed gates were overridden.
    public func message(forced: Bool) -> String {
        var text = "Promote \(tag) to \(environment)\n\n\(environment): version \(previous ?? "(none)") -> \(tag)\n\n"
        guard let after else { return text + "Gates: none (\(environment) has no 'after:')\n" }
        text += !failed.isEmpty && forced ? "Gates after \(after): FAILED, promoted anyway with --force:\n" : "Gates after \(after): passed\n"
        return text + results.map { "- \($0)\n" }.joined()
    }

    /// Commits the new kvctl.yaml on top of HEAD as `signature`; the working tree and index follow.
    public func commit(in repository: Repository, forced: Bool) throws -> ObjectID {
        let signature: Signature
        do { signature = try repository.defaultSignature(environment: ProcessInfo.processInfo.environment) } catch { throw WorkflowError(error.message) }
        do {
            return try repository.commit(file: KVConfig.fileName, bytes: new, message: message(forced: forced), signature: signature)
        } catch { throw WorkflowError("\(error)") }
    }
}
