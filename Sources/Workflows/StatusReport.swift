import KVCore
import Publishing

/// What `kvctl status` shows of one store (and what the agent serves at /v1/status): the live release,
/// its history, unfinished work, the lock and drift, and with an environment the pinned release.
public struct StatusReport: Encodable, Sendable {
    public let name: String
    public let store: String
    /// The environment's name, with --env or --all.
    public let environment: String?
    /// The release tag the environment's pin names now; nil without a pin.
    public let pinned: String?
    public let live: Publication?
    public let history: [Publication]
    public let unfinished: PublishJournal?
    /// How far the unfinished publish got, from the keys; nil while its key list is not all written.
    public let progress: PublishProgress?
    /// Who holds the publish lock now; nil when it is free.
    public let lock: LockHolder?
    /// The unfinished publish is a running one: its lock holder is alive.
    public let running: Bool
    public let drift: [Drift]
    /// Why the environment's pin names no release (an unknown tag, a track nothing matches), when
    /// status reports it beside the others (--all) instead of stopping.
    public var pinProblem: String?
    /// What a watcher holds blocking queries on to learn that this report went stale: the version
    /// record key and the prefixes the planner reads for the owned keys. Not part of the JSON.
    public var watched: (record: String, prefixes: [String]) = ("", [])

    /// Reads one store's records, lock and drift.
    public static func read(_ store: any KVStore, name: String, settings: PublishSettings, environment: String?,
                            pinned: String?) async throws -> StatusReport {
        try await refusing {
            let live = try await LiveStateReader(store: store, layout: settings.layout, name: name).read(keys: [], prune: settings.prune)
            let lock = try await (store as? any LockingStore)?.holder(of: settings.layout.lock(of: name))
            var report = StatusReport(name: name, store: store.description, environment: environment, pinned: pinned,
                                      live: live.own?.record.current, history: live.own?.record.history ?? [],
                                      unfinished: live.unfinished?.journal, progress: live.progress, lock: lock,
                                      running: live.unfinished != nil && lock?.isAlive == true,
                                      drift: DriftDetector(prune: settings.prune).drift(in: live))
            report.watched = (settings.layout.record(of: name), ReadPrefixes.covering(live.own?.keys ?? [], prune: settings.prune))
            return report
        }
    }

    /// Drift, an unfinished publish, or a live release other than the pinned one: what `status` exits 3 for.
    public var differs: Bool {
        !drift.isEmpty || unfinished != nil || (pinned != nil && pinned != live?.tag)
    }

    private enum CodingKeys: String, CodingKey {
        case name, store, environment, pinned, pinProblem, live, history, unfinished, progress, lock, running, drift
    }

    private struct DriftKey: Encodable {
        let key: String
        let kind: String
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(store, forKey: .store)
        try container.encode(environment, forKey: .environment)
        try container.encode(pinned, forKey: .pinned)
        try container.encodeIfPresent(pinProblem, forKey: .pinProblem)
        try container.encode(live, forKey: .live)
        try container.encode(history, forKey: .history)
        try container.encode(unfinished, forKey: .unfinished)
        try container.encodeIfPresent(progress, forKey: .progress)
        try container.encode(lock, forKey: .lock)
        try container.encode(running, forKey: .running)
        try container.encode(drift.map { DriftKey(key: $0.key, kind: $0.kind.rawValue) }, forKey: .drift)
    }
}
