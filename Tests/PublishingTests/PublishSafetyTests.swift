import KVCore
import Publishing
import Testing

/// `request` with the templates' read sets.
private func request(_ version: String, _ keys: [String: String], readSets: [TemplateReadSet]) -> PublishRequest {
    let base = request(version, keys)
    return PublishRequest(name: base.name, version: base.version, publication: base.publication, keys: base.keys, readSets: readSets)
}

/// Which transactions (0-based) hold each key.
private func positions(_ plan: PublishPlan) -> [String: Int] {
    var found: [String: Int] = [:]
    for (index, transaction) in plan.transactions.enumerated() {
        for operation in transaction { found[operation.key] = index }
    }
    return found
}

/// 20 keys `a/00` … `a/19` in transactions of 8 operations; the first also holds the record's condition
/// and the journal.
@Suite struct ReadSetTransactions {
    let keys = Dictionary(uniqueKeysWithValues: (0..<20).map { (String(format: "a/%02d", $0), "value \($0)") })
    let settings = PublishSettings(limits: TransactionLimits(maxOperations: 8))

    private func plan(_ readSets: [TemplateReadSet]) async throws -> PublishPlan {
        try await Publisher(store: MemoryStore(), settings: settings).plan(request("1.0.0", keys, readSets: readSets))
    }

    @Test func aReadSetThatFitsIsWrittenInOneTransaction() async throws {
        let reads = ["a/03", "a/04", "a/05", "a/06"]
        // Without the read set, the plain order splits these keys (the condition, the journal, the chunk
        // and a/00-a/04 fill the first).
        let plain = positions(try await plan([]))
        #expect(Set(reads.map { plain[$0] }).count > 1)

        let packed = try await plan([TemplateReadSet(template: "t/app.ctmpl", keys: reads, prefixes: [])])
        let where_ = positions(packed)
        #expect(Set(reads.map { where_[$0] }).count == 1)
        #expect(packed.spanning.isEmpty)
        // Creates and updates still come before the record, every key is still written once.
        #expect(where_.keys.filter { $0.hasPrefix("a/") }.count == 20)
        #expect(packed.transactions.allSatisfy { $0.count <= 8 })
    }

    @Test func readSetsSharingKeysShareTheTransaction() async throws {
        let packed = try await plan([
            TemplateReadSet(template: "t/one.ctmpl", keys: ["a/04", "a/05"], prefixes: []),
            TemplateReadSet(template: "t/two.ctmpl", keys: ["a/05"], prefixes: ["a/1"]),
        ])
        // a/1 is a raw prefix, as Consul lists it: a/10 … a/19, ten keys; with a/04 and a/05 twelve, more
        // than 7: the merged group falls back to each template's own set.
        let where_ = positions(packed)
        #expect(where_["a/04"] == where_["a/05"])
        let two = try #require(packed.spanning.first { $0.template == "t/two.ctmpl" })
        #expect(two.reason.contains("more than one transaction holds"))
        #expect(two.transactions.count > 1)
        #expect(!packed.spanning.contains { $0.template == "t/one.ctmpl" })
    }

    @Test func aMergedGroupThatFitsIsKeptWhole() async throws {
        let packed = try await plan([
            TemplateReadSet(template: "t/one.ctmpl", keys: ["a/03", "a/04"], prefixes: []),
            TemplateReadSet(template: "t/two.ctmpl", keys: ["a/04", "a/11", "a/12"], prefixes: []),
        ])
        let where_ = positions(packed)
        #expect(Set(["a/03", "a/04", "a/11", "a/12"].map { where_[$0] }).count == 1)
        #expect(packed.spanning.isEmpty)
    }

    @Test func aReadSetTooLargeForOneTransactionIsReportedWithWhy() async throws {
        let packed = try await plan([TemplateReadSet(template: "t/all.ctmpl", keys: [], prefixes: ["a/"])])
        #expect(packed.spanning.count == 1)
        #expect(packed.spanning.first?.description.hasPrefix("t/all.ctmpl reads keys written in transactions 1, 2, 3") == true)
        #expect(packed.spanning.first?.reason.contains("its 20 changed keys are more than one transaction holds") == true)
    }

    @Test func deletesFollowTheWritesAndSaySo() async throws {
        let store = MemoryStore()
        let publisher = Publisher(store: store, settings: settings)
        try await publisher.apply(try await publisher.plan(request("1.0.0", keys, readSets: [])))
        var next = keys
        next["a/00"] = nil
        // Eight updates fill a transaction of their own, so the delete cannot join them.
        for index in 10..<18 { next[String(format: "a/%02d", index)] = "new \(index)" }
        let reads = TemplateReadSet(template: "t/app.ctmpl", keys: ["a/00"] + (10..<18).map { String(format: "a/%02d", $0) }, prefixes: [])
        let packed = try await publisher.plan(request("1.1.0", next, readSets: [reads]))
        #expect(packed.spanning.first?.reason == "it reads keys this publish deletes, and deletes follow every create and update")
    }
}

@Suite struct DeleteGuarding {
    @Test func theSmallerOfTheShareAndTheCountWins() {
        let standard = DeleteGuard()
        #expect(standard.limit(owned: 4) == 1)
        #expect(standard.limit(owned: 3) == 1, "a share is rounded up")
        #expect(standard.limit(owned: 400) == 100)
        #expect(standard.limit(owned: 10_000) == 500)
        #expect(standard.limit(owned: 0) == 0)
        #expect(DeleteGuard(percent: 0, keys: 500).limit(owned: 100) == 0)
        #expect(DeleteGuard.off.limit(owned: 0) == Int.max)
    }

    @Test func ownedDeletionsAndPruningCount() async throws {
        let store = MemoryStore()
        let settings = PublishSettings(prune: ["p/"])
        let eight = Dictionary(uniqueKeysWithValues: (0..<8).map { ("a/\($0)", "\($0)") })
        await store.put("p/stray", "nobody's")
        let first = try await Publisher(store: store, settings: settings).plan(request("1.0.0", eight))
        // Owning nothing yet, even one pruned key needs --allow-deletes.
        #expect(first.count(.delete) == 1 && first.deleteLimit == 0)
        #expect(first.exceedsDeleteGuard(allowing: nil))
        #expect(!first.exceedsDeleteGuard(allowing: 1))
        try await Publisher(store: store, settings: settings).apply(first)

        var fewer = eight
        for index in 0..<3 { fewer["a/\(index)"] = nil }
        let second = try await Publisher(store: store, settings: settings).plan(request("1.1.0", fewer))
        #expect(second.count(.delete) == 3 && second.deleteLimit == 2 && second.ownedCount == 8)
        #expect(second.exceedsDeleteGuard(allowing: nil))
        #expect(second.exceedsDeleteGuard(allowing: 2))
        #expect(!second.exceedsDeleteGuard(allowing: 3))
        fewer["a/0"] = "kept"
        #expect(!(try await Publisher(store: store, settings: settings).plan(request("1.1.0", fewer))).exceedsDeleteGuard(allowing: nil))
    }

    @Test func theSettingIsReadFromKvctlYAML() {
        let (mapping, none) = KVConfig.parse(Array("delete-guard: {percent: 10, keys: 50}\n".utf8))
        #expect(none.isEmpty)
        #expect(mapping.deleteGuard == DeleteGuard(percent: 10, keys: 50))
        #expect(KVConfig.parse(Array("delete-guard: {keys: 7}\n".utf8)).0.deleteGuard == DeleteGuard(percent: 25, keys: 7))
        #expect(KVConfig.parse(Array("delete-guard: off\n".utf8)).0.deleteGuard == .off)
        #expect(KVConfig().deleteGuard == DeleteGuard(percent: 25, keys: 500))
        let (_, bad) = KVConfig.parse(Array("delete-guard: {percent: 150, key: 3}\n".utf8))
        #expect(bad.map(\.message).contains { $0.contains("'percent': expected a share of the owned keys from 0 to 100") })
        #expect(bad.map(\.message).contains { $0.contains("unknown delete-guard setting 'key'") })
        #expect(bad.first?.location.line == 1)
        #expect(!KVConfig.parse(Array("delete-guard: 25\n".utf8)).1.isEmpty)
    }
}

@Suite struct Stopping {
    @Test func aStopRequestEndsTheApplyBetweenTransactions() async throws {
        let store = MemoryStore()
        let publisher = Publisher(store: store, settings: PublishSettings(limits: TransactionLimits(maxOperations: 4)))
        let keys = Dictionary(uniqueKeysWithValues: (0..<20).map { ("a/\($0)", "\($0)") })
        let plan = try await publisher.plan(request("1.0.0", keys))
        #expect(plan.transactions.count > 3)
        var asked = 0, stopped: PublishStopped?
        do {
            try await publisher.apply(plan, stop: { asked += 1; return asked > 2 })
        } catch let error as PublishStopped {
            stopped = error
        }
        #expect(stopped?.applied == 2)
        #expect(stopped?.description == "stopped after 2 of \(plan.transactions.count) transactions")
        #expect(await store.transactions.count == 2)
        // The journal marks the publish unfinished; the keys say how far it got: those the two applied
        // transactions wrote, counted from the plan, not from kvctl's report.
        let live = try await LiveStateReader(store: store, layout: MetaLayout(prefix: "kvctl/"), name: "settings").read(keys: [], prune: [])
        #expect(live.unfinished?.journal.transactions == plan.transactions.count)
        let written = plan.transactions.prefix(2).joined().filter { $0.key.hasPrefix("a/") }.count
        #expect(written > 0)
        #expect(live.progress.map { [$0.written, $0.writes, $0.deleted, $0.deletes] } == [written, 20, 0, 0])
    }
}
