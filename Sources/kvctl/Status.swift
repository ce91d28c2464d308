import ArgumentParser
import Foundation
import KVCore
import Publishing
import Workflows

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the live version, its history and drift.",
        discussion: """
            Drift is an owned key whose value or Flags differ from what the last publish left (only keys written \
            after the version record are hashed), an owned key that is gone, or a key under a 'prune:' prefix \
            that no record owns. Settings (name, meta-prefix, prune) come from HEAD.
            With --env NAME, an environment that pins a release ('version:' or 'track:' in kvctl.yaml) also shows \
            the pinned release beside the live one, in each of its datacenters; --all does so for every \
            environment, in name order, marking a pin that names no release and going on with the others. \
            With --output json, one document: an object for one store, an array with --all or several datacenters.
            Exit status: 0 in sync; 3 drift, an incomplete publish, or a live release other than the pinned one \
            (so a cron job or CI can alert); 1 a store error; 2 bad arguments, or a pin naming no release (with --all, \
            after every environment is shown).
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
        var alert = false, unresolved: [String] = [], reports: [StatusReport] = []
        for env in all ? config.environments.keys.sorted().map(Optional.some) : [store.env] {
            var options = store
            options.env = env
            var pinned: String?, problem: String?
            if let pin = try options.environment(in: config)?.pin {
                do {
                    pinned = try source.pinnedTag(pin, of: env ?? "")
                } catch let error as WorkflowError where all {
                    // --all reports every environment; the one whose pin names nothing is marked.
                    problem = error.message
                    unresolved.append(error.message)
                }
            }
            try await options.withStore(config: config, repositoryRoot: source.root, everyDatacenter: true) { target, targetName in
                var report = try await StatusReport.read(target, name: name, settings: PublishSettings(config), environment: env,
                                                         pinned: pinned)
                report.pinProblem = problem
                alert = report.differs || alert
                if output == .json {
                    reports.append(report)
                } else {
                    writeError("kvctl: status of '\(name)' in \(env.map { "environment \($0), " } ?? "")\(targetName)")
                    print(text(report), terminator: "")
                }
            }
        }
        // One JSON document: an array when several stores were read (--all, several datacenters).
        if output == .json { print(all || reports.count != 1 ? try jsonText(reports) : try jsonText(reports[0])) }
        if !unresolved.isEmpty { throw usageError(unresolved.joined(separator: "\n")) }
        if alert { throw ExitCode(3) }
    }

    private func text(_ report: StatusReport) -> String {
        let problem = report.pinProblem.map { "pinned: no release: \($0)\n" } ?? ""
        let pinned = problem + (report.pinned.map { tag in
            "pinned: \(tag)" + (tag == report.live?.tag ? " (live)\n" : " (not live: kvctl sync --env \(report.environment ?? "") makes it live)\n")
        } ?? "")
        guard let live = report.live else {
            return pinned + "live: nothing published yet as '\(report.name)'\n"
                + (report.unfinished.map { unfinishedLine($0, progress: report.progress, running: report.lock) } ?? "")
        }
        var text = pinned + "live: \(line(live))\n"
        if !report.history.isEmpty {
            text += "history:\n" + report.history.map { "  \(line($0))\n" }.joined()
        }
        if let journal = report.unfinished { text += unfinishedLine(journal, progress: report.progress, running: report.lock) }
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
    /// The progress is read from the keys; without it (the key list not all written) no key changed yet.
    private func unfinishedLine(_ journal: PublishJournal, progress: PublishProgress?, running holder: LockHolder?) -> String {
        let summary = journal.summary + ", " + (progress.map { "\($0) so far" } ?? "no key written yet")
        if let holder, holder.isAlive {
            return "\(summary): a publish is running (lock held by \(holder)); wait for it to finish\n"
        }
        return "\(summary): kvctl publish --resume finishes it, kvctl rollback returns to \(journal.from?.tag ?? "the state before it")\n"
    }
}
