import Agent
import ArgumentParser
import ConsulKit
import Foundation
import GitKit
import KVCore
import Logging
import NIOConcurrencyHelpers
import Publishing

/// What a reconcile of `kvctl agent` hands the shared CLI code: where its messages go (the JSON log,
/// with the reconcile id, instead of stderr), when to stop applying, and whether anything was applied.
final class AgentContext: Sendable {
    @TaskLocal static var current: AgentContext?

    let say: @Sendable (String) -> Void
    let stopping: @Sendable () -> Bool
    private let appliedCount = NIOLockedValueBox(0)
    private let lastLine = NIOLockedValueBox<String?>(nil)

    init(logger: Logger, stopping: @escaping @Sendable () -> Bool) {
        let lastLine = self.lastLine
        say = { text in
            lastLine.withLockedValue { $0 = text }
            let message = text.hasPrefix("kvctl: ") ? String(text.dropFirst(7)) : text
            if message.hasPrefix("error: ") { logger.warning("\(message.dropFirst(7))") } else { logger.info("\(message)") }
        }
        self.stopping = stopping
    }

    func applied() { appliedCount.withLockedValue { $0 += 1 } }
    var didApply: Bool { appliedCount.withLockedValue { $0 > 0 } }
    /// The last message the shared code said: a refusal's reason.
    var last: String? { lastLine.withLockedValue { $0 } }
}

/// The agent's reconcile: fetch, then `kvctl sync --env NAME --yes` (with `--force` when the environment
/// heals), then read what status shows for the metrics.
final class AgentReconciler: Reconciler, @unchecked Sendable {
    struct Checkout: Sendable {
        let url: String
        let directory: String
        let credentials: RemoteCredentials
    }

    let environment: String
    let checkout: Checkout?
    let directory: String
    /// Touched by the reconcile loop only, one call at a time.
    private var leadership: Leadership?
    private var leaderClient: ConsulClient?
    private var leaderless = false

    init(environment: String, checkout: Checkout?, directory: String) {
        self.environment = environment
        self.checkout = checkout
        self.directory = directory
    }

    private var store: StoreOptions {
        // swift-argument-parser's options are read only once parsed.
        (try? StoreOptions.parse(["--env", environment])) ?? StoreOptions()
    }

    /// The first call fetches (the leader key's place comes from kvctl.yaml) and opens the leader lock in
    /// the environment's first datacenter; the local store needs no leader.
    func lead() async throws -> Bool {
        if leaderless { return true }
        if leadership == nil {
            try fetch()
            let source = try ReleaseSource(directory: directory)
            let config = try source.headConfig(), name = try source.name(config)
            guard let configuration = try store.consulConfigurations(config: config, repositoryRoot: source.root)?.first else {
                leaderless = true
                return true
            }
            let client = try ConsulClient(configuration: configuration)
            leaderClient = client
            leadership = Leadership(store: client, key: PublishSettings(config).layout.folder(of: name) + "leader")
        }
        return try await leadership!.ensure()
    }

    func reconcile(id: String, logger: Logger, stopping: @escaping @Sendable () -> Bool) async -> ReconcileOutcome {
        let context = AgentContext(logger: logger, stopping: stopping)
        do {
            try fetch()
            let config = try ReleaseSource(directory: directory).headConfig()
            let heal = try store.environment(in: config)?.heal ?? false
            var arguments = ["--yes", "--lock-timeout", "10"]
            if heal { arguments.append("--force") }
            let apply = try ApplyOptions.parse(arguments)
            let store = self.store, directory = self.directory
            let outcome: ReconcileResult
            do {
                try await AgentContext.$current.withValue(context) {
                    try await Sync.sync(store: store, apply: apply, directory: directory)
                }
                outcome = context.didApply ? .applied : .unchanged
            } catch let code as ExitCode {
                outcome = code.rawValue == 130 ? .failed : .refused
            }
            let (live, drift) = try await AgentContext.$current.withValue(context) { try await standing() }
            let message = outcome == .refused ? "refused: \(context.last ?? "see the lines before")"
                : outcome == .applied ? "applied \(live ?? "?")" : outcome == .failed ? "stopped" : "in sync"
            return ReconcileOutcome(result: outcome, live: live, drift: drift, message: message)
        } catch {
            return ReconcileOutcome(result: .failed, message: "\(context.last.map { "\($0): " } ?? "")\(error)")
        }
    }

    func finish() async {
        await leadership?.resign()
        try? await leaderClient?.shutdown()
    }

    /// The live tag and drifted keys in the first datacenter, as status reads them.
    private func standing() async throws -> (String?, Int) {
        let source = try ReleaseSource(directory: directory)
        let config = try source.headConfig(), name = try source.name(config)
        var result: (String?, Int) = (nil, 0)
        var first = true
        try await store.withStore(config: config, repositoryRoot: source.root, everyDatacenter: true) { target, _ in
            let (report, _) = try await Status.report(target, name: name, settings: PublishSettings(config), environment: environment, pinned: nil)
            if first { result.0 = report.live?.tag }
            result.1 += report.drift.count
            first = false
        }
        return result
    }

    /// `/v1/status`: what `kvctl status --env NAME --output json` prints; an array with several datacenters.
    func statusJSON() async throws -> [UInt8] {
        let source = try ReleaseSource(directory: directory)
        let config = try source.headConfig(), name = try source.name(config)
        let pinned = try store.environment(in: config)?.pin.map { try source.pinnedTag($0, of: environment) }
        var reports: [Status.Report] = []
        try await AgentContext.$current.withValue(AgentContext(logger: Logger(label: "kvctl.agent.status")) { false }) {
            try await store.withStore(config: config, repositoryRoot: source.root, everyDatacenter: true) { target, _ in
                reports.append(try await Status.report(target, name: name, settings: PublishSettings(config), environment: environment,
                                                       pinned: pinned).0)
            }
        }
        return Array((reports.count == 1 ? try jsonText(reports[0]) : try jsonText(reports)).utf8)
    }

    private func fetch() throws {
        guard let checkout else { return }
        try FileManager.default.createDirectory(atPath: (checkout.directory as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Mirror.update(url: checkout.url, at: checkout.directory, credentials: checkout.credentials)
    }
}
