import ArgumentParser
import Foundation
import KVCore
import Workflows

struct Promote: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "Pin a release in an environment, gates permitting.",
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
        let promotion = try await Promotion.prepare(source, version: version, environment: to)
        let tag = promotion.tag
        if promotion.alreadyPinned {
            writeError("kvctl: environment '\(to)' already pins \(tag); nothing to commit")
            return
        }
        for result in promotion.results { writeError("kvctl: gate \(result)") }
        let failed = promotion.failed
        if !failed.isEmpty && !force {
            throw refuse("not promoting \(tag) to \(to): \(failed.count == 1 ? "a gate failed" : "\(failed.count) gates failed"); "
                + "kvctl promote --force overrides them")
        }
        if dryRun {
            let diff = UnifiedDiff.render(old: String(decoding: promotion.old, as: UTF8.self), new: String(decoding: promotion.new, as: UTF8.self),
                                          oldLabel: "a/\(KVConfig.fileName)", newLabel: "b/\(KVConfig.fileName)")
            let message = promotion.message(forced: force).dropLast().split(separator: "\n", omittingEmptySubsequences: false)
            print("would commit on \(promotion.branch):\n\n" + message.map { "    \($0)" }.joined(separator: "\n") + "\n\n" + diff,
                  terminator: "")
            return
        }
        let commit = try promotion.commit(in: source.repository, forced: force)
        writeError("kvctl: committed \(commit.short) on \(promotion.branch): \(to) pins \(tag)"
            + (failed.isEmpty ? "" : " (gates overridden with --force)") + "; push it, then kvctl sync --env \(to) makes it live")
        print(commit.description)
    }
}
