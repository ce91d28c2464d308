import Foundation
import KVCore
import Publishing
import Testing

/// Drift: keys changed in the store outside kvctl since the last publish.
@Suite struct DriftDetection {
    let store = MemoryStore()
    let settings = PublishSettings(prune: ["cache/"])

    private func drift() async throws -> [String] {
        let live = try await LiveStateReader(store: store, layout: settings.layout, name: "settings").read(keys: [], prune: settings.prune)
        return DriftDetector(prune: settings.prune).drift(in: live).map(\.description)
    }

    private func publishFirst() async throws {
        _ = try await publish(request("1.0.0", ["config/a": "1", "config/b": "2", "cache/x": "3"]), to: store, settings: settings)
    }

    @Test func aCleanPublishHasNoDrift() async throws {
        try await publishFirst()
        await store.put("elsewhere/key", "not under a prune prefix")
        #expect(try await drift().isEmpty)
    }

    @Test func aChangedValue() async throws {
        try await publishFirst()
        await store.put("config/a", "edited", flags: flags("1.0.0"))
        #expect(try await drift() == ["~ config/a (changed)"])
    }

    @Test func changedFlagsAlone() async throws {
        try await publishFirst()
        await store.put("config/b", "2", flags: 0)
        #expect(try await drift() == ["~ config/b (changed)"])
    }

    @Test func theSameBytesRewrittenAreNotDrift() async throws {
        try await publishFirst()
        await store.put("config/b", "2", flags: flags("1.0.0"))
        #expect(try await drift().isEmpty)
    }

    @Test func aDeletedOwnedKey() async throws {
        try await publishFirst()
        try await store.apply([.delete(key: "config/b")])
        #expect(try await drift() == ["- config/b (deleted)"])
    }

    @Test func aNewKeyUnderAPrunedPrefix() async throws {
        try await publishFirst()
        await store.put("cache/y", "someone's")
        #expect(try await drift() == ["+ cache/y (added under a prune: prefix)"])
    }

    @Test func thePlanListsOnlyTheDriftItWouldOverwrite() async throws {
        try await publishFirst()
        await store.put("config/a", "edited")
        await store.put("config/b", "edited too")
        let plan = try await Publisher(store: store, settings: settings).plan(request("1.1.0", ["config/a": "9", "config/b": "edited too", "cache/x": "3"]))
        #expect(plan.drift.map(\.key) == ["config/a"])
        // Applying anyway (what --force does) makes the new version the baseline: no drift left.
        try await Publisher(store: store, settings: settings).apply(plan)
        #expect(try await drift().isEmpty)
    }

    @Test func theRecordFormatAndRollbackKindAreRecorded() async throws {
        try await publishFirst()
        let rollback = request("1.0.0", ["config/a": "1"])
        let back = PublishRequest(name: rollback.name, version: rollback.version,
                                  publication: Publication(version: "1.0.0", tag: "v1.0.0", commit: "b", published: "now", publisher: "me",
                                                           keys: 1, kind: .rollback), keys: rollback.keys)
        _ = try await publish(back, to: store, settings: settings)
        let record = try VersionRecord.decode(try #require(await store.entries["kvctl/settings/record"]).value, key: "r")
        #expect(record.format == 2)
        #expect(record.current.kind == .rollback)
        #expect(record.history.map(\.kind) == [.publish])
    }

    @Test func aJournalOfANewerFormatIsRefused() async throws {
        try await publishFirst()
        await store.put("kvctl/settings/journal", "{\"format\":99}")
        let error = await #expect(throws: StoreStateError.self) {
            _ = try await LiveStateReader(store: store, layout: settings.layout, name: "settings").readRecords()
        }
        #expect(error?.description.contains("journal of format 99, written by a newer kvctl") == true)
    }
}

/// The journal threaded through a publish of several transactions.
@Suite struct Journaling {
    let store = MemoryStore()

    @Test func theFirstTransactionIsConditionedOnTheRecordAndWritesTheJournalTheLastDeletesIt() async throws {
        let keys = Dictionary(uniqueKeysWithValues: (0..<11).map { ("svc/k\($0)", "\($0)") })
        let plan = try await publish(request("1.0.0", keys), to: store, settings: PublishSettings(limits: TransactionLimits(maxOperations: 4)))
        #expect(plan.transactions.count > 2)
        #expect(plan.transactions.allSatisfy { $0.count <= 4 })
        let first = try #require(plan.transactions.first)
        // No record yet: the first transaction needs it still absent, and creates the journal (cas 0).
        #expect(first.first == .check(key: "kvctl/settings/record", index: 0))
        guard case .compareAndSet("kvctl/settings/journal", let value, _, 0) = first.dropFirst().first else {
            throw FixtureIssue("the journal is created with cas 0 right after the condition")
        }
        let journal = try PublishJournal.decode(value, key: "kvctl/settings/journal")
        #expect(journal.transactions == plan.transactions.count && journal.to.tag == "v1.0.0" && journal.from == nil && journal.done == nil)
        // Written once: no transaction between the first and the last touches it.
        #expect(plan.transactions.dropFirst().dropLast().allSatisfy { !$0.contains { $0.key == "kvctl/settings/journal" } })
        let last = try #require(plan.transactions.last)
        #expect(last.contains(.delete(key: "kvctl/settings/journal")))
        #expect(last.last?.key == "kvctl/settings/record")
        #expect(await store.entries["kvctl/settings/journal"] == nil)
    }

    @Test func aSingleTransactionPublishKeepsNoJournal() async throws {
        let plan = try await publish(request("1.0.0", ["a/b": "1"]), to: store)
        #expect(!plan.transactions.joined().contains { $0.key == "kvctl/settings/journal" })
    }
}

struct FixtureIssue: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// A lock that can no longer be vouched for stops a publish before its next transaction.
@Suite struct LostLock {
    final class Lost: HeldLock {
        let isLost = true
        func release() async {}
    }

    @Test func nothingIsWrittenOnceTheLockIsLost() async throws {
        let store = MemoryStore()
        let publisher = Publisher(store: store, settings: PublishSettings())
        let plan = try await publisher.plan(request("1.0.0", ["config/a": "1"]))
        let error = await #expect(throws: PublishInterrupted.self) { try await publisher.apply(plan, holding: Lost()) }
        #expect(error?.description.contains("the publish lock was lost") == true)
        #expect(await store.transactions.isEmpty)
    }
}
