import ConsulDouble
import ConsulKit
import Foundation
import KVCore
@testable import Publishing
import Testing

/// Republishing the live release from its digest (keys and value hashes, no values): the shortcut may
/// say "nothing to publish" only when every condition of the full path's `unchangedSinceRecord` holds
/// and the planner would write nothing; anything else must leave the decision to the full plan.
@Suite struct DigestRepublishTests {
    private let keys = Dictionary(uniqueKeysWithValues: (0..<30).map { ("config/svc/k\($0)", "value \($0)") })

    private func withPublished(settings: PublishSettings = PublishSettings(), _ body: (ConsulDouble, Publisher) async throws -> Void) async throws {
        try await PublishingTests.withPublished(keys, settings: settings, body)
    }

    /// What the digest path decides for `wanted` (its digest unless one is given): the plan, the
    /// requests it sent, and whether any read a value.
    private func decided(_ double: ConsulDouble, _ publisher: Publisher, _ wanted: PublishRequest,
                         digest: VersionDigest? = nil) async throws -> (plan: PublishPlan?, requests: Int, readValues: Bool) {
        let digest = digest ?? VersionDigest(wanted.keys)
        let before = double.requestCount
        let reader = LiveStateReader(store: publisher.store, layout: publisher.settings.layout, name: wanted.name)
        let records = try await reader.readRecords()
        let keyless = PublishRequest(name: wanted.name, version: wanted.version, publication: wanted.publication, keys: [])
        let plan = try await reader.unchangedSinceRecord(digest, as: wanted.publication, records: records, prune: publisher.settings.prune)
            ? Planner(settings: publisher.settings).unchangedPlan(keyless, digest: digest, live: records) : nil
        let sent = double.recentRequests.suffix(double.requestCount - before)
        return (plan, sent.count, sent.contains { $0.uri.hasPrefix("/v1/kv/config") && $0.uri.contains("recurse") })
    }

    @Test func anUnchangedRepublishIsPlannedFromTheDigestAsTheFullPlanIs() async throws {
        try await withPublished { double, publisher in
            let (plan, requests, readValues) = try await decided(double, publisher, request("1.0.0", keys))
            let shortcut = try #require(plan)
            let full = try await publisher.plan(request("1.0.0", keys))
            #expect(requests == 2 && !readValues)
            #expect(shortcut.transactions.isEmpty && shortcut.changes.isEmpty && shortcut.drift.isEmpty && shortcut.refusals.isEmpty)
            #expect(shortcut.unchanged == full.unchanged && shortcut.unchanged == keys.count)
            #expect(shortcut.ownedCount == full.ownedCount && shortcut.deleteLimit == full.deleteLimit)
            #expect(shortcut.live == full.live && shortcut.recordsMark == full.recordsMark)
        }
    }

    /// Each out-of-band change the full path's shortcut must notice defeats this one too.
    @Test(arguments: ["changed", "deleted", "deleted and reaped", "added under prune", "added under a read prefix"])
    func anOutOfBandChangeDefeatsTheDigest(_ what: String) async throws {
        try await withPublished(settings: PublishSettings(prune: what == "added under prune" ? ["config/svc/"] : [])) { double, publisher in
            switch what {
            case "changed": double.seed(["config/svc/k3": "by hand"])
            case "added under prune": double.seed(["config/svc/new": "by hand"])
            // Under the read prefix `config/svc/k` (no prune: prefix), so the listing's index moves.
            case "added under a read prefix": double.seed(["config/svc/kx": "by hand"])
            default:
                try await publisher.store.apply([.delete(key: "config/svc/k3")])
                if what == "deleted and reaped" {
                    double.seed(["elsewhere": "1"])
                    double.reapTombstones(through: double.index)
                }
            }
            let (plan, requests, readValues) = try await decided(double, publisher, request("1.0.0", keys))
            #expect(plan == nil)
            #expect(requests == 2 && !readValues)
        }
    }

    /// A digest is trusted only as far as the record's stamps agree with it, key by key.
    @Test(arguments: ["another value", "a key fewer", "a key more"])
    func aDigestTheRecordDisagreesWithIsNotTrusted(_ what: String) async throws {
        try await withPublished { double, publisher in
            var other = keys
            switch what {
            case "another value": other["config/svc/k7"] = "something else"
            case "a key fewer": other["config/svc/k7"] = nil
            default: other["config/svc/k99"] = "one more"
            }
            let digest = VersionDigest(request("1.0.0", other).keys)
            let distrusted = try await decided(double, publisher, request("1.0.0", keys), digest: digest)
            let trusted = try await decided(double, publisher, request("1.0.0", keys))
            #expect(distrusted.plan == nil)
            #expect(trusted.plan != nil)
        }
    }

    @Test func anotherReleaseOrAnUnfinishedPublishIsNotDecidedFromTheDigest() async throws {
        try await withPublished { double, publisher in
            // Same keys and values, another tag: the full plan writes its record.
            let another = try await decided(double, publisher, request("1.0.1", keys))
            #expect(another.plan == nil)
            let journal = PublishJournal(name: "settings", from: nil, to: request("1.0.0", keys).publication, owned: [], transactions: 3, done: 1)
            try await publisher.store.apply([.set(key: publisher.settings.layout.journal(of: "settings"), value: journal.encoded(), flags: 0)])
            let (plan, requests, _) = try await decided(double, publisher, request("1.0.0", keys))
            #expect(plan == nil)
            #expect(requests == 1)
        }
    }

    /// The planner's own conditions, on the records as read: a key another record owns or one under
    /// the meta prefix is refused by the full plan, and a record chunked otherwise is rewritten by it.
    @Test(arguments: ["owned elsewhere", "under the meta prefix", "chunked otherwise", "unchanged"])
    func thePlannersConditionsHold(_ what: String) async throws {
        try await withPublished { double, publisher in
            let wanted = request("1.0.0", keys), digest = VersionDigest(wanted.keys)
            let records = try await LiveStateReader(store: publisher.store, layout: publisher.settings.layout, name: "settings").readRecords()
            let own = try #require(records.own)
            var owners = records.owners, record = own.record, settings = publisher.settings
            switch what {
            case "owned elsewhere": owners["config/svc/k3"] = "other"
            // A meta prefix the version's keys are under (the full plan refuses each of them).
            case "under the meta prefix": settings.layout = MetaLayout(prefix: "config/svc/")
            case "chunked otherwise": record.owned = ["0123456789abcdef"]
            default: break
            }
            let live = LiveState(own: .init(record: record, entry: own.entry, keys: own.keys, stamps: own.stamps, owned: own.owned), unfinished: nil,
                                 chunks: records.chunks, owners: owners, entries: [:], recordsMark: records.recordsMark)
            let keyless = PublishRequest(name: "settings", version: wanted.version, publication: wanted.publication, keys: [])
            let plan = Planner(settings: settings).unchangedPlan(keyless, digest: digest, live: live)
            #expect((plan == nil) == (what != "unchanged"))
        }
    }

    private static func encode(_ keys: [String], _ hashes: [String]) -> [UInt8] {
        var writer = RecordWriter()
        writer.write(keys) { $0.write($1) }
        writer.write(hashes) { $0.write($1) }
        return writer.bytes
    }

    @Test func aDigestRoundTripsAndADamagedOneIsRefused() throws {
        let digest = VersionDigest(request("1.0.0", keys).keys)
        #expect(VersionDigest(decoding: digest.encoded()) == digest)
        #expect(digest.hashes[0] == KeyStamp(value: request("1.0.0", keys).keys[0].value, flags: 7).hash)
        let bytes = digest.encoded()
        #expect(VersionDigest(decoding: Array(bytes.dropLast())) == nil)
        #expect(VersionDigest(decoding: bytes + [0]) == nil)
        #expect(VersionDigest(decoding: Self.encode(["a", "b"], ["0123456789abcdef"])) == nil)
        #expect(VersionDigest(decoding: Self.encode(["b", "a"], ["0123456789abcdef", "0123456789abcdef"])) == nil)
        #expect(VersionDigest(decoding: Array("garbage".utf8)) == nil)
    }

    /// The request's digest spares hashing only where it names the same key at the same place.
    @Test func aRequestsStampsComeFromItsDigestOnlyWhereItAgrees() throws {
        var wanted = request("1.0.0", keys)
        let truth = wanted.keys.indices.map { KeyStamp(value: wanted.keys[$0].value, flags: 5) }
        // A digest of other values at the same keys: where it agrees on the key, its hash is taken.
        wanted.digest = VersionDigest(request("1.0.0", keys.merging(["config/svc/k0": "other"]) { $1 }).keys)
        let stamps = wanted.keys.indices.map { wanted.stamp(at: $0, flags: 5) }
        let k0 = try #require(wanted.keys.firstIndex { $0.key == "config/svc/k0" })
        #expect(stamps.indices.filter { stamps[$0] != truth[$0] } == [k0])
        wanted.digest = VersionDigest(Array(request("1.0.0", keys).keys.dropFirst()))
        #expect(wanted.keys.indices.map { wanted.stamp(at: $0, flags: 5) } == truth)
    }
}
