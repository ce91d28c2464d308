import ConsulKit
import Foundation
import GitKit
import KVCore
import Publishing

/// One line of `kvctl log --env NAME`: a release made live in a datacenter (from its version record)
/// or a commit that changed the environment's pin in kvctl.yaml.
public struct EnvironmentEvent: Encodable, Sendable {
    /// The release tag; for a pin, what it names (`v1.4.0`, `track 1.x`).
    public let version: String
    /// `publish`, `rollback`, `sync` (a publish or rollback `kvctl sync` made) or `promote` (a pin commit).
    public let kind: String
    public let who: String
    /// ISO 8601, UTC.
    public let when: String
    /// Where it went live; nil for a pin commit, which is the repository's.
    public let datacenter: String?
    /// The release's commit, or the pin commit.
    public let commit: String
    /// A pin commit's subject line; for a sync rollback, "rollback".
    public let note: String?
}

/// What was live when in an environment, and what it was pinned to when, newest first: each
/// datacenter's version record (the current publication and its kept history, `VersionRecord.historyLimit`)
/// and the commits on HEAD's first-parent line that changed the environment's pin.
public enum EnvironmentHistory {
    public static func read(_ source: ReleaseSource, environment: String, datacenter: String? = nil) async throws -> [EnvironmentEvent] {
        let config = try source.headConfig(), name = try source.name(config)
        let selection = StoreSelection(env: environment, datacenter: datacenter)
        _ = try selection.environment(in: config) // an unknown environment is refused before git is walked
        let layout = PublishSettings(config).layout
        var events = try pins(source.repository, environment: environment)
        try await selection.withStore(config: config, repositoryRoot: source.root, everyDatacenter: true) { store, description in
            let records = try await refusing {
                try await LiveStateReader(store: store, layout: layout, name: name).readRecords()
            }
            let place = (store as? ConsulClient)?.configuration.datacenter ?? description
            guard let record = records.own?.record else { return }
            events += ([record.current] + record.history).map { publication in
                let kind = publication.kind ?? .publish
                return EnvironmentEvent(version: publication.tag, kind: publication.via == "sync" ? "sync" : kind.rawValue,
                                        who: publication.publisher, when: publication.published, datacenter: place,
                                        commit: publication.commit, note: publication.via == "sync" && kind == .rollback ? "rollback" : nil)
            }
        }
        // ISO 8601 in UTC sorts as text; the stable sort keeps each source's own newest-first order on ties.
        return events.enumerated().sorted { ($0.element.when, $1.offset) > ($1.element.when, $0.offset) }.map(\.element)
    }

    /// The commits that changed `environment`'s pin, newest first.
    static func pins(_ repository: Repository, environment: String) throws -> [EnvironmentEvent] {
        var events: [EnvironmentEvent] = [], previous: EnvironmentPin?
        let formatter = ISO8601DateFormatter()
        for change in try repository.history(of: KVConfig.fileName).reversed() {
            let pin = change.bytes.flatMap { KVConfig.parse($0).0.environments[environment]?.pin }
            defer { previous = pin }
            guard let pin, pin != previous else { continue }
            let author = change.commit.author
            let version = if case .version(let tag) = pin { tag } else { "\(pin)" }
            events.append(EnvironmentEvent(version: version, kind: "promote", who: "\(author.name) <\(author.email)>",
                                           when: formatter.string(from: Date(timeIntervalSince1970: TimeInterval(author.time))),
                                           datacenter: nil, commit: change.commit.id.description, note: change.commit.summary))
        }
        return events.reversed()
    }
}
