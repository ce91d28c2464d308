import ArgumentParser
import Foundation
import KVCore
import Publishing

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

    struct Report: Encodable {
        struct Key: Encodable {
            let key: String
            let kind: String
        }

        let name: String
        let store: String
        /// The environment's name, with --env or --all.
        let environment: String?
        /// The release tag the environment's pin names now; nil without a pin.
        let pinned: String?
        let live: Publication?
        let history: [Publication]
        let unfinished: PublishJournal?
        /// Who holds the publish lock now; nil when it is free.
        let lock: LockHolder?
        /// The unfinished publish is a running one: its lock holder is alive.
        let running: Bool
        let drift: [Key]

        /// Drift, an incomplete publish, or a live release other than the pinned one.
        var alerts: Bool { !drift.isEmpty || unfinished != nil || (pinned != nil && pinned != live?.tag) }
    }

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
        let (report, drift) = try await Self.report(target, name: name, settings: settings, environment: environment, pinned: pinned)
        if output == .json {
            print(try jsonText(report))
        } else {
            writeError("kvctl: status of '\(name)' in \(environment.map { "environment \($0), " } ?? "")\(targetName)")
            print(text(report, drift: drift), terminator: "")
        }
        return report.alerts
    }

    /// What status shows of one store (also `kvctl agent`'s /v1/status and its drift metric).
    static func report(_ target: any KVStore, name: String, settings: PublishSettings, environment: String?,
                       pinned: String?) async throws -> (Report, [Drift]) {
        let live: LiveState, lock: LockHolder?
        do {
            live = try await LiveStateReader(store: target, layout: settings.layout, name: name).read(keys: [], prune: settings.prune)
            lock = try await (target as? any LockingStore)?.holder(of: settings.layout.lock(of: name))
        } catch { throw refuse("\(error)") }
        let drift = DriftDetector(prune: settings.prune).drift(in: live)
        let report = Report(name: name, store: target.description, environment: environment, pinned: pinned,
                            live: live.own?.record.current, history: live.own?.record.history ?? [], unfinished: live.unfinished?.journal,
                            lock: lock, running: live.unfinished != nil && lock?.isAlive == true,
                            drift: drift.map { Report.Key(key: $0.key, kind: $0.kind.rawValue) })
        return (report, drift)
    }

    private func text(_ report: Report, drift: [Drift]) -> String {
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
        text += drift.isEmpty ? "drift: none\n"
            : "drift: \(TreeDiff.count(drift.count, "key")) changed outside kvctl since \(live.tag) was published:\n"
                + drift.map { "  \($0)\n" }.joined()
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
