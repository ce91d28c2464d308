import Foundation
import KVCore
import Publishing
import Testing

/// Plans use Consul's transaction verbs as https://developer.hashicorp.com/consul/api-docs/txn defines
/// them: `cas` with index 0 creates only when absent, `cas`/`delete-cas` with an index change only that
/// version; the ownership rules they enforce are kvctl's own (README, Publishing).
@Suite struct Planning {
    let store = MemoryStore()

    @Test func firstPublishCreatesEveryKeyWithItsVersionAndRecordsOwnership() async throws {
        let plan = try await publish(request("1.0.0", ["config/api/port": "8080", "config/api/host": "a"]), to: store)
        #expect(plan.count(.create) == 2)
        #expect(plan.live == nil)
        #expect(plan.transactions.count == 1)
        let entries = await store.entries
        #expect(entries["config/api/port"]?.flags == flags("1.0.0"))
        let record = try VersionRecord.decode(try #require(entries["kvctl/settings/record"]).value, key: "record")
        #expect(record.format == 2)
        #expect(record.current.tag == "v1.0.0")
        #expect(record.history.isEmpty)
        let chunks = record.owned.compactMap { entries["kvctl/settings/owned/\($0)"] }
        #expect(chunks.flatMap { OwnedKeyChunks.keys(in: $0.value) } == ["config/api/host", "config/api/port"])
        // The record is the last operation of the last transaction.
        #expect(plan.transactions.last?.last?.key == "kvctl/settings/record")
    }

    @Test func createUpdateDeleteUnchanged() async throws {
        _ = try await publish(request("1.0.0", ["a/keep": "1", "a/change": "old", "a/remove": "x"]), to: store)
        let plan = try await publish(request("1.1.0", ["a/keep": "1", "a/change": "new", "a/add": "y"]), to: store)
        #expect(plan.changes.map { "\($0.action) \($0.key)" } == ["create a/add", "update a/change", "delete a/remove"])
        #expect(plan.unchanged == 1)
        #expect(plan.live?.tag == "v1.0.0")
        let entries = await store.entries
        #expect(entries["a/remove"] == nil)
        #expect(text(entries["a/change"]) == "new")
        #expect(entries["a/change"]?.flags == flags("1.1.0"))
        #expect(entries["a/keep"]?.flags == flags("1.0.0"), "an unchanged key keeps the version it last changed in")
        let record = try VersionRecord.decode(try #require(entries["kvctl/settings/record"]).value, key: "record")
        #expect(record.history.map(\.tag) == ["v1.0.0"])
    }

    @Test func neverDeletesKeysItDoesNotOwn() async throws {
        await store.put("a/written-by-a-script", "1")
        _ = try await publish(request("1.0.0", ["a/mine": "1"]), to: store)
        let plan = try await publish(request("2.0.0", ["a/other": "2"]), to: store)
        #expect(plan.changes.map { "\($0.action) \($0.key)" } == ["delete a/mine", "create a/other"])
        #expect(await store.entries["a/written-by-a-script"] != nil)
    }

    @Test func prunePrefixesDeleteUndefinedKeysUnderThem() async throws {
        await store.put("a/stray", "1")
        await store.put("b/outside", "1")
        let settings = PublishSettings(prune: ["a/"])
        let plan = try await publish(request("1.0.0", ["a/mine": "1"]), to: store, settings: settings)
        #expect(plan.changes.map { "\($0.action) \($0.key) \($0.pruned)" } == ["create a/mine false", "delete a/stray true"])
        #expect(await store.entries["b/outside"] != nil)
    }

    @Test func refusesKeysAnotherRepositoryOwnsNamingBoth() async throws {
        _ = try await publish(request("1.0.0", ["grafana/main": "{}"], name: "dashboards"), to: store)
        // Pruning never reaches into another repository's keys either.
        let publisher = Publisher(store: store, settings: PublishSettings(prune: ["grafana/"]))
        let plan = try await publisher.plan(request("1.0.0", ["grafana/main": "{}", "config/x": "1"]))
        #expect(plan.transactions.isEmpty)
        #expect(plan.refusals.map(\.key) == ["grafana/main"])
        let message = try #require(plan.refusals.first?.description)
        #expect(message.contains("grafana/main") && message.contains("'dashboards'") && message.contains("'settings'"))

        let pruning = try await publisher.plan(request("1.0.0", ["config/x": "1"]))
        #expect(pruning.changes.map(\.key) == ["config/x"])
    }

    @Test func refusesKeysUnderTheMetaPrefix() async throws {
        let plan = try await Publisher(store: store, settings: PublishSettings()).plan(request("1.0.0", ["kvctl/x": "1"]))
        #expect(plan.refusals.map(\.key) == ["kvctl/x"])
    }

    @Test func sentinelsAndTheRecordGoLast() async throws {
        var keys: [String: String] = [:]
        for index in 0..<10 { keys["svc/key-\(index)"] = "\(index)" }
        keys["svc/initialized"] = "true"
        let settings = PublishSettings(limits: TransactionLimits(maxOperations: 4))
        let plan = try await publish(request("1.0.0", keys, sentinels: ["svc/initialized"]), to: store, settings: settings)
        #expect(plan.transactions.allSatisfy { $0.count <= 4 })
        let last = try #require(plan.transactions.last)
        #expect(last.map(\.key).suffix(2) == ["svc/initialized", "kvctl/settings/record"])
        #expect(!plan.transactions.dropLast().joined().contains { $0.key == "svc/initialized" })
    }

    @Test func noOpRepublishReadsTwiceAndWritesNothing() async throws {
        let keys = Dictionary(uniqueKeysWithValues: (0..<500).map { ("config/service-\($0 % 7)/k\($0)", "\($0)") })
        _ = try await publish(request("1.0.0", keys), to: store)
        await store.resetCounts()
        let plan = try await publish(request("1.0.0", keys), to: store)
        #expect(!plan.hasChanges)
        #expect(await store.reads == 2)
        #expect(await store.transactions.isEmpty)
    }

    @Test func oneKeyChangeIsOneWriteTransaction() async throws {
        var keys = Dictionary(uniqueKeysWithValues: (0..<3000).map { ("config/service-\($0 % 50)/k\($0)", "\($0)") })
        _ = try await publish(request("1.0.0", keys), to: store)
        keys["config/service-3/k3"] = "changed"
        await store.resetCounts()
        _ = try await publish(request("1.0.1", keys), to: store)
        let transactions = await store.transactions
        #expect(transactions.count == 1)
        // The key, and its owned-key chunk (which holds the value's stamp) replaced.
        let written = try #require(transactions.first).map(\.key)
        #expect(written.filter { !$0.hasPrefix("kvctl/settings/owned/") } == ["config/service-3/k3", "kvctl/settings/record"])
        #expect(written.count == 4)
    }

    @Test func aNewVersionWithTheSameKeysWritesOnlyItsRecord() async throws {
        _ = try await publish(request("1.0.0", ["a/b": "1"]), to: store)
        await store.resetCounts()
        let plan = try await publish(request("1.0.1", ["a/b": "1"]), to: store)
        #expect(plan.changes.isEmpty && plan.hasChanges)
        #expect(await store.transactions.map { $0.map(\.key) } == [["kvctl/settings/record"]])
    }

    @Test func addingAKeyRewritesOneOwnedChunk() async throws {
        var keys = Dictionary(uniqueKeysWithValues: (0..<10_000).map { ("config/service-\($0 / 20)/setting-\($0 % 20)", "v") })
        _ = try await publish(request("1.0.0", keys), to: store)
        let before = try VersionRecord.decode(try #require(await store.entries["kvctl/settings/record"]).value, key: "r").owned
        #expect(before.count > 5)
        keys["config/service-250/setting-new"] = "v"
        _ = try await publish(request("1.1.0", keys), to: store)
        let after = try VersionRecord.decode(try #require(await store.entries["kvctl/settings/record"]).value, key: "r").owned
        #expect(Set(after).subtracting(before).count <= 2)
        #expect(Set(before).subtracting(after).count == 1)
        let chunkKeys = await store.entries.keys.filter { $0.hasPrefix("kvctl/settings/owned/") }
        #expect(chunkKeys.count == after.count, "the replaced chunk is deleted")
    }

    @Test func aConcurrentChangeAbortsWithNothingApplied() async throws {
        _ = try await publish(request("1.0.0", ["a/x": "1", "a/y": "1"]), to: store)
        let publisher = Publisher(store: store, settings: PublishSettings())
        let plan = try await publisher.plan(request("1.1.0", ["a/x": "2", "a/y": "2"]))
        await store.put("a/y", "someone else")
        let error = await #expect(throws: PublishAborted.self) { try await publisher.apply(plan) }
        #expect(error?.key == "a/y")
        #expect(error?.description.contains("nothing was written") == true)
        let entries = await store.entries
        #expect(text(entries["a/x"]) == "1")
        #expect(text(entries["a/y"]) == "someone else")
    }
}

/// The limits are Consul's defaults: 64 operations a transaction (`txn_max_ops`; hashicorp/consul
/// agent/txn_endpoint.go answers 413 "Transaction contains too many operations") and a 512 KiB body
/// (`txn_max_req_len`, https://developer.hashicorp.com/consul/docs/agent/config/config-files#txn_max_req_len).
@Suite struct Batching {
    let batcher = Batcher(limits: TransactionLimits())

    private func writes(_ count: Int, size: Int = 1) -> [StoreOperation] {
        (0..<count).map { .compareAndSet(key: "k/\($0)", value: [UInt8](repeating: 65, count: size), flags: 0, index: 0) }
    }

    @Test func byCount() throws {
        let batches = try batcher.transactions(writes(130), final: writes(1))
        #expect(batches.map(\.count) == [64, 64, 3])
    }

    @Test func byBytesWithDashboardSizedValues() throws {
        // Two 200 KB values are 533 KB of base64: more than 512 KiB in one request.
        let batches = try batcher.transactions(writes(3, size: 200_000), final: writes(1))
        #expect(batches.map(\.count) == [1, 1, 2])
        for batch in batches {
            #expect(batch.reduce(2) { $0 + Batcher.size(of: $1) } <= 512 * 1024)
        }
    }

    @Test func aValueTooLargeForAnyTransactionIsNamed() {
        // 400,000 bytes are 533,336 in base64: over txn_max_req_len's default 512 KiB
        // (https://developer.hashicorp.com/consul/docs/agent/config/config-files#txn_max_req_len).
        let error = #expect(throws: PublishError.self) { try batcher.transactions(writes(1, size: 400_000), final: []) }
        #expect(error?.description.hasPrefix("k/0 needs about 520 KiB of transaction body (its value in base64), more than "
            + "transaction.max-bytes (512 KiB)") == true, "\(String(describing: error))")
    }

    @Test func finalOperationsStayTogether() throws {
        let small = Batcher(limits: TransactionLimits(maxOperations: 3))
        #expect(try small.transactions(writes(2), final: writes(2)).map(\.count) == [2, 2])
        let error = #expect(throws: PublishError.self) { try small.transactions([], final: writes(4)) }
        #expect(error?.description.contains("they need 4 operations and about 0 KiB, more than a transaction allows (3 operations") == true,
                "\(String(describing: error))")
    }

    /// Order within a phase is free: a later unit fills the room an earlier group left.
    @Test func aPhaseIsPackedFirstFit() throws {
        let small = Batcher(limits: TransactionLimits(maxOperations: 4))
        let units = [Array(writes(3)), Array(writes(6).suffix(3)), [writes(7)[6]], [writes(8)[7]]]
        // In order (next fit) that is [3], [3, 1], [1]; first fit puts each single in a group's gap.
        #expect(try small.transactions(units: units, final: []).map(\.count) == [3, 4, 1])
        #expect(try small.transactions(phases: [units], final: []).map(\.count) == [4, 4])
    }

    /// A phase never reaches back past the last transaction of the phase before it (chunks before keys).
    @Test func phasesKeepTheirOrder() throws {
        let small = Batcher(limits: TransactionLimits(maxOperations: 4))
        let first = [Array(writes(3)), Array(writes(6).suffix(3))], second = [[StoreOperation.delete(key: "z")]]
        let batches = try small.transactions(phases: [first, second], final: [])
        #expect(batches.map(\.count) == [3, 4], "the room left in the first transaction stays empty")
        #expect(batches[1].last == .delete(key: "z"))
    }

    /// The lock a pending lock takes goes in the first transaction: the batcher keeps room for it.
    @Test func theFirstTransactionKeepsItsReserve() throws {
        var small = Batcher(limits: TransactionLimits(maxOperations: 4))
        small.firstReserve = (operations: 1, bytes: 0)
        #expect(try small.transactions(phases: [writes(8).map { [$0] }], final: []).map(\.count) == [3, 4, 1])
    }

    @Test func estimateCoversTheActualJSON() throws {
        let operation = StoreOperation.compareAndSet(key: "config/a\"b", value: Array("hello".utf8), flags: .max, index: .max)
        let json = #"{"KV":{"Verb":"cas","Key":"config/a\"b","Value":"aGVsbG8=","Flags":18446744073709551615,"Index":18446744073709551615}},"#
        #expect(Batcher.size(of: operation) >= json.utf8.count)
    }
}

@Suite struct Reading {
    @Test func fewestPrefixes() {
        let keys = (0..<100).map { "config/service-\($0)/port" } + ["logstash/conf.d/a", "logstash/conf.d/b", "top"]
        #expect(ReadPrefixes.covering(keys, prune: ["config/old/", "grafana/"]) == ["config/", "grafana/", "logstash/conf.d/", "top"])
        #expect(ReadPrefixes.covering((0..<10).map { "config/service-\($0)/x" }, prune: []) == ["config/service-"])
        #expect(ReadPrefixes.covering(["é/a", "é/b"], prune: []) == ["é/"])
    }
}
