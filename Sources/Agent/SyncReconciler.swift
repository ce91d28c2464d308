import ConsulKit
import Foundation
import GitKit
import KVCore
import Logging
import NIOConcurrencyHelpers
import Publishing
import Workflows

/// The agent's reconcile: fetch, then the sync workflow (what `kvctl sync --env NAME --yes` runs, with
/// `--force` when the environment heals), and the store read as status does, for the metrics: before
/// the sync when only the store can have moved, after it when the sync changed it or the release moved.
public final class SyncReconciler: Reconciler, @unchecked Sendable {
    public struct Checkout: Sendable {
        public let url: String
        public let directory: String
        public let credentials: RemoteCredentials

        public init(url: String, directory: String, credentials: RemoteCredentials) {
            self.url = url
            self.directory = directory
            self.credentials = credentials
        }
    }

    public let selection: StoreSelection
    public let checkout: Checkout?
    /// The repository read: the clone, or the repository at -C without --repo.
    public let directory: String
    /// Touched by the reconcile loop only, one call at a time.
    private var leadership: Leadership?
    private var leaderClient: ConsulClient?
    private var leaderless = false
    /// Blocking queries on what the last store read covered, one client per datacenter; leader only.
    private let watcher: DriftWatcher
    private var watchClients: [ConsulClient] = []
    /// The refs the last full reconcile saw and how it ended: an idle interval repeats it.
    private var last: (refs: String, outcome: ReconcileOutcome)?

    public init(environment: String, checkout: Checkout?, directory: String, wakeup: Wakeup) {
        selection = StoreSelection(env: environment)
        self.checkout = checkout
        self.directory = directory
        watcher = DriftWatcher(wakeup: wakeup)
    }

    private var environment: String { selection.env ?? "" }

    /// The first call fetches (the leader key's place comes from kvctl.yaml) and opens the leader lock in
    /// the environment's first datacenter; the local store needs no leader.
    public func lead() async throws -> Bool {
        if leaderless { return true }
        if leadership == nil {
            try fetch()
            let source = try ReleaseSource(directory: directory)
            let config = try source.headConfig(), name = try source.name(config)
            guard let configuration = try selection.consulConfigurations(config: config, repositoryRoot: source.root)?.first else {
                leaderless = true
                return true
            }
            let client = try ConsulClient(configuration: configuration)
            leaderClient = client
            leadership = Leadership(store: client, key: PublishSettings(config).layout.folder(of: name) + "leader")
        }
        let leading: Bool
        do { leading = try await leadership!.ensure() } catch {
            watcher.stop()
            throw error
        }
        if !leading { watcher.stop() }
        return leading
    }

    public func reconcile(id: String, logger: Logger, stopping: @escaping @Sendable () -> Bool,
                          drifted: @escaping @Sendable (Int) -> Void) async -> ReconcileOutcome {
        let interaction = AgentInteraction(logger: logger, stopping: stopping)
        do {
            try fetch()
            let source = try ReleaseSource(directory: directory)
            let refs = try Self.refs(source)
            // Cleared before the store is read, so a change during this reconcile wakes the next one.
            let moved = watcher.takeMoved()
            // A refusal is tried again: what it waits for (the publish lock, another publish) is not watched.
            if let last, last.refs == refs, watcher.watching, !moved, last.outcome.result == .applied || last.outcome.result == .unchanged {
                return ReconcileOutcome(result: .unchanged, live: last.outcome.live, drift: last.outcome.drift, message: "in sync (nothing moved)")
            }
            // The release did not move, so the wake came from the store (or a refusal is retried): read it
            // first and report the drift before the sync, which takes as long again (and longer when it
            // heals or waits for the publish lock). The read stands unless the sync then changed the store.
            let before: (live: String?, drift: Int)? = if last?.refs == refs { try await standing(source) } else { nil }
            if let before { drifted(before.drift) }
            var policy = ApplyPolicy()
            policy.confirmed = true
            policy.lockTimeout = .seconds(10)
            policy.overwriteDrift = try selection.environment(in: source.headConfig())?.heal ?? false
            let result: ReconcileResult
            do {
                let outcomes = try await SyncWorkflow(selection: selection, workflow: ApplyWorkflow(policy: policy, interaction: interaction))
                    .run(source: source) { interaction.say($0) }
                result = outcomes.contains { $0.applied } ? .applied : .unchanged
            } catch let refusal as WorkflowError {
                interaction.say("kvctl: error: " + refusal.message)
                result = refusal.status == 130 ? .failed : .refused
            } catch let invalid as InvalidContent {
                interaction.say("kvctl: error: " + (invalid.headline ?? "invalid content"))
                for finding in invalid.findings { logger.warning("\(finding.description)") }
                result = .refused
            }
            let (live, drift) = if let before, result == .unchanged || result == .refused { before } else { try await standing(source) }
            let message = result == .refused ? "refused: \(interaction.last ?? "see the lines before")"
                : result == .applied ? "applied \(live ?? "?")" : result == .failed ? "stopped" : "in sync"
            let outcome = ReconcileOutcome(result: result, live: live, drift: drift, message: message)
            last = (refs, outcome)
            return outcome
        } catch {
            last = nil
            return ReconcileOutcome(result: .failed, message: "\(error)")
        }
    }

    public func finish() async {
        watcher.stop()
        await leadership?.resign()
        try? await leaderClient?.shutdown()
        for client in watchClients { try? await client.shutdown() }
    }

    /// The live tag in the first datacenter and the drifted keys of all, as status reads them.
    private func standing(_ source: ReleaseSource) async throws -> (String?, Int) {
        var live: String??, drift = 0
        let reports = try await reports(source, watching: true)
        for report in reports {
            if live == nil { live = .some(report.live?.tag) }
            drift += report.drift.count
        }
        return (live ?? nil, drift)
    }

    /// HEAD and every tag of the repository read: a pin resolves from nothing else.
    private static func refs(_ source: ReleaseSource) throws -> String {
        let tags = try source.repository.tags().map { "\($0.name)=\($0.commit?.description ?? "-")" }
        return "\(try source.repository.head()) " + tags.joined(separator: " ")
    }

    /// With `watching`, the watcher then holds its queries on what the reports covered. New targets
    /// leave the store marked as moved (a write between the read and their first look would go unseen),
    /// so the next interval reads once more; from then on an idle interval costs no store read.
    private func reports(_ source: ReleaseSource, watching: Bool = false) async throws -> [StatusReport] {
        let config = try source.headConfig(), name = try source.name(config)
        let pinned = try selection.environment(in: config)?.pin.map { try source.pinnedTag($0, of: environment) }
        var reports: [StatusReport] = []
        try await selection.withStore(config: config, repositoryRoot: source.root, everyDatacenter: true) { target, _ in
            reports.append(try await StatusReport.read(target, name: name, settings: PublishSettings(config), environment: environment,
                                                       pinned: pinned))
        }
        if watching, !leaderless, let configurations = try selection.consulConfigurations(config: config, repositoryRoot: source.root) {
            if watchClients.count != configurations.count {
                for client in watchClients { try? await client.shutdown() }
                watchClients = try configurations.map { try ConsulClient(configuration: $0) }
            }
            var targets: Set<DriftWatcher.Target> = []
            for (client, report) in reports.enumerated() {
                targets.insert(.init(client: client, path: report.watched.record, prefix: false))
                for prefix in report.watched.prefixes { targets.insert(.init(client: client, path: prefix, prefix: true)) }
            }
            await watcher.watch(targets, clients: watchClients)
        }
        return reports
    }

    /// `/v1/status`: what `kvctl status --env NAME --output json` prints; an array with several datacenters.
    public func statusJSON() async throws -> [UInt8] {
        let reports = try await reports(try ReleaseSource(directory: directory))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(reports.count == 1 ? try encoder.encode(reports[0]) : try encoder.encode(reports))
    }

    private func fetch() throws {
        guard let checkout else { return }
        try FileManager.default.createDirectory(atPath: (checkout.directory as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Mirror.update(url: checkout.url, at: checkout.directory, credentials: checkout.credentials)
    }
}

/// The apply workflow's front end in the agent: lines go to the JSON log (with the reconcile id), the
/// plan is not printed, nothing is asked, and the apply stops between transactions on shutdown.
final class AgentInteraction: ApplyInteraction {
    let logger: Logger
    let stopping: @Sendable () -> Bool
    private let lastLine = NIOLockedValueBox<String?>(nil)

    init(logger: Logger, stopping: @escaping @Sendable () -> Bool) {
        self.logger = logger
        self.stopping = stopping
    }

    /// The last line said: a refusal's reason.
    var last: String? { lastLine.withLockedValue { $0 } }

    func say(_ line: String) {
        let message = line.hasPrefix("kvctl: ") ? String(line.dropFirst(7)) : line
        lastLine.withLockedValue { $0 = message.hasPrefix("error: ") ? String(message.dropFirst(7)) : message }
        if message.hasPrefix("error: ") { logger.warning("\(message.dropFirst(7))") } else { logger.info("\(message)") }
    }

    func planned(_ rendering: PlanRendering) {
        let plan = rendering.plan
        guard plan.hasChanges else { return }
        logger.info("plan", metadata: ["create": "\(plan.count(.create))", "update": "\(plan.count(.update))",
                                       "delete": "\(plan.count(.delete))", "transactions": "\(plan.transactions.count)"])
    }

    func finished(_ rendering: PlanRendering, applied: Bool) {}

    /// The agent runs with `confirmed`: it never asks.
    func confirm(_ phrase: String) async throws {}

    func progress(_ progress: ApplyProgress) {}

    func beginApply() -> any ApplyStop { ShutdownStop(stopping: stopping) }
}

struct ShutdownStop: ApplyStop {
    let stopping: @Sendable () -> Bool
    var requested: Bool { stopping() }
    func end() {}
}
