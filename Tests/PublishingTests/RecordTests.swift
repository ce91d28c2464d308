import Foundation
import KVCore
import Publishing
import Testing

/// The version record's promises (README, "The version record"): format 1 read, newer formats
/// refused, a history of 20, keys nobody owns adopted, drift hashing only keys newer than the record.
@Suite struct RecordPromises {
    let store = MemoryStore()
    let settings = PublishSettings()

    private func live() async throws -> LiveState {
        try await LiveStateReader(store: store, layout: settings.layout, name: "settings").read(keys: [], prune: [])
    }

    @Test func aFormat1RecordIsReadAndItsKeysStayOwned() async throws {
        // Format 1 as kvctl wrote it before stamps and `kind`: chunks of bare keys, publications without a kind.
        let chunk = Array("config/a\nconfig/b".utf8)
        let id = String(SHA256.hex(chunk).prefix(16))
        await store.put("config/a", "1", flags: flags("1.0.0"))
        await store.put("config/b", "2", flags: flags("1.0.0"))
        await store.put("kvctl/settings/owned/\(id)", bytes: chunk)
        await store.put("kvctl/settings/record", """
            {"current":{"commit":"\(String(repeating: "c", count: 40))","keys":2,"published":"2024-01-01T00:00:00Z",\
            "publisher":"Ada <ada@example.com>","tag":"v1.0.0","version":"1.0.0"},"format":1,"history":[],\
            "name":"settings","owned":["\(id)"]}
            """)
        let before = try await live()
        #expect(before.own?.record.format == 1)
        #expect(before.own?.keys == ["config/a", "config/b"])
        #expect(before.own?.stamps.isEmpty == true, "format 1 has no stamps")
        #expect(DriftDetector(prune: []).drift(in: before).isEmpty, "no stamp, no drift baseline")

        let plan = try await publish(request("1.1.0", ["config/a": "1"]), to: store)
        #expect(plan.changes.map { "\($0.action) \($0.key)" } == ["delete config/b"], "the format 1 record owned config/b")
        let after = try await live()
        #expect(after.own?.record.format == VersionRecord.format)
        #expect(after.own?.record.history.map(\.tag) == ["v1.0.0"])
        #expect(after.own?.record.history.first?.kind == nil, "read as it was written")
    }

    @Test func aNewerRecordFormatIsRefusedNamingIt() async throws {
        await store.put("kvctl/settings/record", #"{"format":3,"name":"settings","shape":"from the future"}"#)
        let error = await #expect(throws: StoreStateError.self) { try await live() }
        #expect(error?.description == "kvctl/settings/record has record format 3; this kvctl reads format 2 at most, so upgrade kvctl")
        let publishing = await #expect(throws: StoreStateError.self) { try await publish(request("1.0.0", ["config/a": "1"]), to: store) }
        #expect(publishing?.description.contains("record format 3") == true)
        #expect(await store.transactions.isEmpty, "nothing written over it")
    }

    /// Repeated rollbacks walk back like undo: v1, v2, v3 published; rollback to v2, then v1, then nothing.
    @Test func undoWalksBackThroughPublishesSkippingRollbacks() {
        func publication(_ tag: String, _ kind: PublicationKind) -> Publication {
            Publication(version: tag, tag: tag, commit: "c", published: "t", publisher: "p", keys: 1, kind: kind)
        }
        var record = VersionRecord(name: "s", current: publication("v1", .publish), history: [], owned: [])
        #expect(record.undoTarget == nil)
        record = record.succeeded(by: publication("v2", .publish), owned: [])
        record = record.succeeded(by: publication("v3", .publish), owned: [])
        #expect(record.undoTarget?.tag == "v2")
        record = record.succeeded(by: publication("v2", .rollback), owned: [])
        #expect(record.undoTarget?.tag == "v1", "not back to v3, as the previous entry would say")
        record = record.succeeded(by: publication("v1", .rollback), owned: [])
        #expect(record.undoTarget == nil)
        record = record.succeeded(by: publication("v4", .publish), owned: [])
        #expect(record.undoTarget?.tag == "v1")
    }

    @Test func theHistoryKeepsTheTwentyPreviousPublishes() async throws {
        for patch in 0...21 {
            _ = try await publish(request("1.0.\(patch)", ["config/a": "\(patch)"]), to: store)
        }
        let record = try #require(try await live().own?.record)
        #expect(record.current.tag == "v1.0.21")
        #expect(record.history.count == 20)
        #expect(record.history.map(\.tag) == (1...20).reversed().map { "v1.0.\($0)" }, "newest first; v1.0.0 dropped")
    }

    @Test func aKeyNobodyOwnsIsAdoptedThenOwned() async throws {
        await store.put("config/legacy", "written by hand")
        let plan = try await publish(request("1.0.0", ["config/legacy": "managed"]), to: store)
        #expect(plan.refusals.isEmpty)
        #expect(plan.drift.isEmpty)
        #expect(plan.changes.map { "\($0.action) \($0.key)" } == ["update config/legacy"])
        #expect(text(await store.entries["config/legacy"]) == "managed")
        #expect(try await live().own?.keys == ["config/legacy"])
        // Owned now: a version without it deletes it.
        let next = try await publish(request("1.1.0", ["config/other": "x"]), to: store)
        #expect(next.changes.map { "\($0.action) \($0.key)" } == ["delete config/legacy", "create config/other"])
        #expect(await store.entries["config/legacy"] == nil)
    }

    @Test func onlyKeysNewerThanTheRecordAreHashed() async throws {
        _ = try await publish(request("1.0.0", ["config/a": "1", "config/b": "2"]), to: store)
        // config/a's bytes change under its old index: a hashing reader would see it, an index-first one does not.
        await store.replaceKeepingIndex("config/a", "not looked at")
        await store.put("config/b", "edited")
        let drift = DriftDetector(prune: []).drift(in: try await live()).map(\.description)
        #expect(drift == ["~ config/b (changed)"])
    }
}
