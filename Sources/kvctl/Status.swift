import ArgumentParser
import Foundation
import KVCore
import Publishing
import Workflows

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the live version, its history and drift.",
        discussion: """
            Drift is an owned key whose value or Flags differ from what the last publish left (only keys written \
            after the version record are hashed), an owned key that is gone, or a key under a 'prune:' prefix \
            that no record owns. Settings (name, meta-prefix, prune) come from HEAD.
            With --env NAME, an environment that pins a release ('version:' or 'track:' in kvctl.yaml) also shows \
            the pinned release beside the live one, in each of its datacenters; --all does so for every \
            environment, in name order.
            Exit status: 0 in sync; 3 drift, an incomplete publish, or a live release other than the pinned one \
            (so a cron job or CI can alert); 1 a store error; 2 bad arguments.
            """
    )

    @OptionGroup var store: StoreOptions

    @Flag(help: "Every environment in kvctl.yaml, one after another.")
    var all = false

    @Option(help: "Output format: text or json.")
    var output: OutputFormat = .text

    @OptionGroup var location: RepositoryOptions

    func validate() throws {
        if all && (store.env != nil || store.consul != nil) { throw ValidationError("--all takes no --env or --consul") }
    }

    func run() async throws {
        let source = try ReleaseSource(directory: location.directory)
        let config = try source.headConfig(), name = try source.name(config)
        if all && config.environments.isEmpty { throw usageError("\(KVConfig.fileName) defines no environments") }
        var alert = false
        for env in all ? config.environments.keys.sorted().map(Optional.some) : [store.env] {
            var options = store
            options.env = env
            let pinned = try options.environment(in: config)?.pin.map { try source.pinnedTag($0, of: env ?? "") }
            try await options.withStore(config: config, repositoryRoot: source.root, everyDatacenter: true) { target, targetName in
                alert = try await show(target, targetName, name: name, settings: PublishSettings(config), environment: env, pinned: pinned)
                    || alert
            }
        }
        if alert { throw ExitCode(3) }
    }

    /// Reports one store; true when it differs from what it should be.
    private func show(_ target: any KVStore, _ targetName: String, name: String, settings: PublishSettings, environment: String?,
                      pinned: String?) async throws -> Bool {
        let report = try await StatusReport.read(target, name: name, settings: settings, environment: environment, pinned: pinned)
        if output == .json {
            print(try jsonText(report))
        } else {
            writeError("kvctl: status of '\(name)' in \(environment.map { "environment \($0), " } ?? "")\(targetName)")
            print(text(report), terminator: "")
        }
        return report.differs
    }

    private func text(_ report: StatusReport) -> String {
        let pinned = report.pinned.map { tag in
            "pinned: \(tag)" + (tag == report.live?.tag ? " (live)\n" : " (not live: kvctl sync --env \(report.environment ?? "") makes it live)\n")
        } ?? ""
        guard let live = report.live else {
            return pinned + "live: nothing published yet as '\(report.name)'\n"
                + (report.unfinished.map { unfinishedLine($0, running: report.lock) } ?? "")
        }
        var text = pinned + "live: \(line(live))\n"
        if !report.history.isEmpty {
            text += "history:\n" + report.history.map { "  \(line($0))\n" }.joined()
        }
        if let journal = report.unfinished { text += unfinishedLine(journal, running: report.lock) }
        text += "lock: " + (report.lock.map { "held by \($0)" } ?? "free") + "\n"
        text += report.drift.isEmpty ? "drift: none\n"
            : "drift: \(TreeDiff.count(report.drift.count, "key")) changed outside kvctl since \(live.tag) was published:\n"
                + report.drift.map { "  \($0.description)\n" }.joined()
        return text
    }

    private func line(_ publication: Publication) -> String {
        "\(publication.tag) (commit \(publication.commit.prefix(7))), \(publication.kind == .rollback ? "rolled back to" : "published") "
            + "\(publication.published) by \(publication.publisher)"
    }

    /// While the lock's holder is alive the journal is a running publish's: resuming it would only wait.
    private func unfinishedLine(_ journal: PublishJournal, running holder: LockHolder?) -> String {
        if let holder, holder.isAlive {
            return "\(journal.summary): a publish is running (lock held by \(holder)); wait for it to finish\n"
        }
        return "\(journal.summary): kvctl publish --resume finishes it, kvctl rollback returns to \(journal.from?.tag ?? "the state before it")\n"
    }
}
