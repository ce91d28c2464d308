import ArgumentParser
import ConsulKit
import Foundation
import GitKit
import KVCore
import Publishing

struct Promote: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pin a release in an environment, as a commit, once its gates pass.",
        discussion: """
            Sets the environment's 'version:' in kvctl.yaml to the release's tag and commits that one change on \
            HEAD's branch (through libgit2, signed with user.name and user.email); only that scalar changes, so \
            comments and layout stay, and an environment without 'version:' gets one as its block's last entry. \
            Run kvctl sync --env NAME afterwards (or let CI run it) to make the environment match.
            Gates: with 'after: ENV', the release must be live and in sync (no drift, no unfinished publish) in \
            every datacenter of ENV, and with 'soak: 30m' it must have been live there that long, counted from \
            the publication that made it live (publishing it again to heal drift, or resuming, does not restart \
            the clock). A failed gate refuses the promotion; --force promotes anyway and says so in the message.
            An environment that follows a 'track:' is refused: the track decides its release.
            Exit status: 0 committed (or nothing to change, or --dry-run); 1 a gate failed, uncommitted changes, \
            a detached HEAD, or the environment tracks a range; 2 bad arguments, an unknown environment or release.
            """
    )

    @Argument(help: ArgumentHelp("The release to promote: a version like 1.4.0 or its tag v1.4.0.", valueName: "version"))
    var version: String

    @Option(help: ArgumentHelp("The environment to pin it in, under 'environments:' in kvctl.yaml.", valueName: "name"))
    var to: String

    @Flag(help: "Commit even when a gate fails; the message says which failed and that --force overrode them.")
    var force = false

    @Flag(help: "Check the gates and print the commit message and the change; write nothing.")
    var dryRun = false

    @OptionGroup var location: RepositoryOptions

    func run() async throws {
        let source = try ReleaseSource(directory: location.directory)
        let repository = source.repository
        let branch: String
        switch try repository.head() {
        case .unborn: throw refuse("the repository has no commits yet, so there is no kvctl.yaml to pin a release in")
        case .detached(let id):
            throw refuse("HEAD is detached at \(id.short); check out the branch whose kvctl.yaml pins the environments, then promote")
        case .branch(let name, _): branch = name
        }
        let config = try source.headConfig()
        let target = try StoreOptions.parse(["--env", to]).environment(in: config)
        try requireClean(repository, config: config, because: "promote commits \(KVConfig.fileName) from HEAD")
        let release = try source.release(version)
        let tag = release.tag
        if case .track(let track)? = target?.pin {
            throw refuse("environment '\(to)' follows track \(track), which decides its release; "
                + "replace 'track:' with 'version: \(tag)' in \(KVConfig.fileName) to pin one release")
        }
        if case .version? = target?.pin, let pinned = target?.pin, try source.pinnedTag(pinned, of: to) == tag {
            writeError("kvctl: environment '\(to)' already pins \(tag); nothing to commit")
            return
        }

        let results = try await gates(release, after: target?.after, soak: target?.soak, config: config, root: source.root)
        for result in results { writeError("kvctl: gate \(result)") }
        let failed = results.filter { !$0.passed }
        if !failed.isEmpty && !force {
            throw refuse("not promoting \(tag) to \(to): \(failed.count == 1 ? "a gate failed" : "\(failed.count) gates failed"); "
                + "kvctl promote --force overrides them")
        }

        let head = try repository.resolveCommit("HEAD")
        guard let entry = try head.tree().entry(at: KVConfig.fileName) else { throw refuse("HEAD has no \(KVConfig.fileName)") }
        let old = try repository.blob(entry.id)
        let new: [UInt8]
        do { new = try PinEdit.settingVersion(tag, of: to, in: old) } catch { throw refuse("cannot pin \(tag) in \(to): \(error)") }
        // The edit must read back as the pin it was meant to be, and change no other setting.
        var expected = config
        expected.environments[to]?.pin = .version(tag)
        let (reread, findings) = KVConfig.parse(new)
        guard reread.environments == expected.environments, !findings.contains(where: { $0.severity == .error }) else {
            throw refuse("cannot pin \(tag) in \(to): editing \(KVConfig.fileName) in place would change more than the pin; edit it by hand")
        }

        let message = Self.message(tag: tag, environment: to, from: target?.pin, after: target?.after, results: results, forced: force)
        let diff = UnifiedDiff.render(old: String(decoding: old, as: UTF8.self), new: String(decoding: new, as: UTF8.self),
                                      oldLabel: "a/\(KVConfig.fileName)", newLabel: "b/\(KVConfig.fileName)")
        if dryRun {
            print("would commit on \(branch):\n\n" + message.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map { "    \($0)" }
                .joined(separator: "\n") + "\n\n" + diff, terminator: "")
            return
        }
        let signature: Signature
        do { signature = try repository.defaultSignature() } catch { throw refuse(error.message) }
        let commit: ObjectID
        do {
            commit = try repository.commit(file: KVConfig.fileName, bytes: new, message: message, signature: signature)
        } catch { throw refuse("\(error)") }
        writeError("kvctl: committed \(commit.short) on \(branch): \(to) pins \(tag)"
            + (failed.isEmpty ? "" : " (gates overridden with --force)") + "; push it, then kvctl sync --env \(to) makes it live")
        print(commit.description)
    }

    /// Every gate in every datacenter of `after`, in the listed order; none without `after:`.
    private func gates(_ release: LoadedRelease, after: String?, soak: Int?, config: KVConfig, root: URL) async throws -> [PromotionGates.Result] {
        guard let after else { return [] }
        let checks = PromotionGates(tag: release.tag, after: after, soak: soak)
        let name = try repositoryName(config: release.revision.config, root: root)
        let settings = release.settings, now = Date()
        var results: [PromotionGates.Result] = []
        try await StoreOptions.parse(["--env", after]).withStore(config: config, repositoryRoot: root, everyDatacenter: true) { store, _ in
            let datacenter = after + ((store as? ConsulClient)?.configuration.datacenter.map { " \($0)" } ?? "")
            results += await checks.check(LiveStateReader(store: store, layout: settings.layout, name: name), prune: settings.prune,
                                          place: datacenter, now: now)
        }
        return results
    }

    static func message(tag: String, environment: String, from pin: EnvironmentPin?, after: String?, results: [PromotionGates.Result],
                        forced: Bool) -> String {
        var text = "Promote \(tag) to \(environment)\n\n"
        let previous = if case .version(let written)? = pin { written } else { "(none)" }
        text += "\(environment): version \(previous) -> \(tag)\n\n"
        guard let after else { return text + "Gates: none (\(environment) has no 'after:')\n" }
        let failed = results.contains { !$0.passed }
        text += failed && forced ? "Gates after \(after): FAILED, promoted anyway with --force:\n" : "Gates after \(after): passed\n"
        return text + results.map { "- \($0)\n" }.joined()
    }
}
