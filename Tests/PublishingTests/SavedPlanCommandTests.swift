import ConsulDouble
import Foundation
import Testing
import TestSupport

/// The real binary: `publish --plan --out` then `apply`, and `unpublish`, against the Consul double
/// and the local store.
@Suite struct SavedPlanCommand {
    let fixture: FixtureRepository
    let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CONSUL_") }
    static let keys = 40

    /// v1.0.0 and v1.1.0 of 40 keys, every value different, in transactions of 8 operations.
    init() async throws {
        fixture = try await offPool { try killTestFixture(keys: Self.keys) }
    }

    private var planFile: String { fixture.url.appendingPathComponent("plan.json").path }

    private func run(_ arguments: [String], _ double: ConsulDouble?, in directory: URL? = nil) async throws -> ProcessResult {
        let (directory, environment) = (directory ?? fixture.url, environment)
        let consul = double.map { ["--consul", $0.baseURL] } ?? []
        return try await offPool { try kvctl(arguments + consul, in: directory, environment: environment) }
    }

    /// Every entry but the locks: key → value and Flags.
    private func contents(_ double: ConsulDouble, meta: Bool = false) -> [String: String] {
        Dictionary(uniqueKeysWithValues: double.snapshot().filter { (meta || !$0.key.hasPrefix("kvctl/")) && !$0.key.hasSuffix("/lock") }
            .map { ($0.key, "\(String(decoding: $0.value, as: UTF8.self)) flags \($0.flags)") })
    }

    private func record(_ double: ConsulDouble) throws -> [String: Any] {
        let entry = try #require(double.snapshot().first { $0.key == "kvctl/settings/record" })
        let record = try #require(JSONSerialization.jsonObject(with: Data(entry.value)) as? [String: Any])
        return try #require(record["current"] as? [String: Any])
    }

    @Test func theSavedPlanAppliedEqualsTheLivePublish() async throws {
        let saved = try await ConsulDouble.start(), direct = try await ConsulDouble.start()
        for double in [saved, direct] { #expect(try await run(["publish", "1.0.0", "--yes"], double).status == 0) }
        let plan = try await run(["publish", "1.1.0", "--plan", "--out", planFile], saved)
        #expect(plan.status == 0, "\(plan.standardError)")
        #expect(plan.standardError.contains("saved the plan to \(planFile)"))
        #expect(contents(saved) == contents(direct), "planning writes nothing")

        let file = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: planFile))) as? [String: Any])
        #expect(file["format"] as? Int == 1)
        #expect(file["repository"] as? String == "settings")
        #expect((file["publication"] as? [String: Any])?["tag"] as? String == "v1.1.0")
        let indexes = try #require(file["indexes"] as? [String: Any])
        #expect(indexes["kvctl/settings/record"] != nil && indexes["config/svc/k0"] != nil)
        #expect((file["transactions"] as? [Any])?.count ?? 0 > 1, "several transactions, journaled")

        let applied = try await run(["apply", planFile, "--yes"], saved)
        #expect(applied.status == 0, "\(applied.standardError)")
        #expect(applied.standardError.contains("kvctl: published v1.1.0 to Consul at"))
        #expect(try await run(["publish", "1.1.0", "--yes"], direct).status == 0)
        #expect(contents(saved) == contents(direct))
        #expect(contents(saved).count == Self.keys)
        for key in ["version", "tag", "commit", "kind"] { #expect("\(try record(saved)[key]!)" == "\(try record(direct)[key]!)") }
        #expect(!saved.snapshot().contains { $0.key == "kvctl/settings/journal" })
        try await saved.stop()
        try await direct.stop()
    }

    /// A key of the last transaction: CAS alone would stop there with the earlier transactions applied.
    @Test(arguments: ["config/svc/k9", "kvctl/settings/record"])
    func aKeyChangedSinceThePlanIsRefusedByNameAndNothingIsWritten(changed: String) async throws {
        let double = try await ConsulDouble.start()
        #expect(try await run(["publish", "1.0.0", "--yes"], double).status == 0)
        #expect(try await run(["publish", "1.1.0", "--plan", "--out", planFile], double).status == 0)
        let entry = try #require(double.snapshot().first { $0.key == changed })
        double.seed([changed: String(decoding: entry.value, as: UTF8.self)])
        let before = contents(double, meta: true)

        let applied = try await run(["apply", planFile, "--yes"], double)
        #expect(applied.status == 1)
        #expect(applied.standardError.contains("refusing to apply the saved plan of v1.1.0, nothing was written: 1 key changed in Consul at"))
        #expect(applied.standardError.contains("  \(changed) (ModifyIndex "))
        #expect(contents(double, meta: true) == before)
        try await double.stop()
    }

    @Test func aPlanOfAnotherFormatOrAnotherStoreIsRefused() async throws {
        let double = try await ConsulDouble.start()
        #expect(try await run(["publish", "1.0.0", "--plan", "--out", planFile], double).status == 0)
        let text = try String(contentsOfFile: planFile, encoding: .utf8)
        let other = fixture.url.appendingPathComponent("other.json").path
        try text.replacingOccurrences(of: "\"format\" : 1,", with: "\"format\" : 2,").write(toFile: other, atomically: true, encoding: .utf8)
        let newer = try await run(["apply", other, "--yes"], double)
        #expect(newer.status == 2)
        #expect(newer.standardError.contains("\(other) is a saved plan of format 2; this kvctl applies format 1 only"))
        try "{\"version\": 1}".write(toFile: other, atomically: true, encoding: .utf8)
        #expect(try await run(["apply", other, "--yes"], double).standardError.contains("is not a kvctl saved plan"))

        let withoutPlan = try await run(["publish", "1.0.0", "--out", other], double)
        #expect(withoutPlan.status == 2)
        #expect(withoutPlan.standardError.contains("--out saves the plan of publish VERSION --plan"))
        let missing = try await run(["apply", fixture.url.appendingPathComponent("missing.json").path, "--yes"], double)
        #expect(missing.status == 2 && missing.standardError.contains("cannot read "))

        let local = try await run(["apply", planFile, "--yes"], nil)
        #expect(local.status == 1)
        #expect(local.standardError.contains("\(planFile) was planned against Consul at \(double.baseURL), not the local store"))
        #expect(double.snapshot().isEmpty)
        try await double.stop()
    }

    @Test func theLocalStoreAppliesASavedPlan() async throws {
        #expect(try await run(["publish", "1.0.0", "--plan", "--out", planFile], nil).status == 0)
        let asked = try await run(["apply", planFile], nil)
        #expect(asked.status == 2)
        #expect(asked.standardError.contains("pass --yes to publish v1.0.0 to the local store .kvctl/"))
        #expect(try await run(["apply", planFile, "--yes"], nil).status == 0)
        let live = try await run(["export", "--live"], nil)
        let tagged = try await run(["export", "--at", "v1.0.0"], nil)
        #expect(live.status == 0, "\(live.standardError)")
        func pairs(_ result: ProcessResult) throws -> [String] {
            try #require(JSONSerialization.jsonObject(with: Data(result.output)) as? [[String: Any]]).map { "\($0["key"]!)=\($0["value"]!)" }
        }
        #expect(try pairs(live) == pairs(tagged))
        #expect(try pairs(live).count == Self.keys)
        let again = try await run(["apply", planFile, "--yes"], nil)
        #expect(again.status == 1)
        #expect(again.standardError.contains("kvctl/settings/record (created since the plan"))
    }

    @Test func unpublishDeletesWhatTheRepositoryOwnsAndNothingElse() async throws {
        let double = try await ConsulDouble.start()
        let other = try await offPool {
            let other = try FixtureRepository()
            try other.write("kvctl.yaml", "name: other\n")
            try other.write("kv/app.yaml", "config:\n  - key: config/other/port\n    value: 1\n")
            try other.commitAll()
            try other.git("tag", "-a", "v1.0.0", "-m", "release")
            return other
        }
        #expect(try await run(["publish", "1.0.0", "--yes"], double, in: other.url).status == 0)
        #expect(try await run(["publish", "1.0.0", "--yes"], double).status == 0)
        #expect(try await run(["publish", "1.1.0", "--yes"], double).status == 0)
        double.seed(["config/svc/by-hand": "not kvctl's"])

        let asked = try await run(["unpublish"], double)
        #expect(asked.status == 2)
        #expect(asked.standardError.contains("deletes 40 keys, its version record (v1.1.0 live), "))
        #expect(asked.standardError.contains("stdin is not a terminal, so kvctl cannot ask; pass --yes to unpublish 'settings' from Consul at"))
        #expect(contents(double).count == Self.keys + 2, "nothing deleted")

        let result = try await run(["unpublish", "--yes"], double)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("deleted 40 keys and kvctl's record of them in 6 transactions"))
        let left = contents(double, meta: true)
        #expect(!left.keys.contains { $0.hasPrefix("kvctl/settings/") }, "\(left.keys.sorted())")
        #expect(Set(left.keys.filter { !$0.hasPrefix("kvctl/") }) == ["config/other/port", "config/svc/by-hand"])
        #expect(left.keys.contains("kvctl/other/record"))
        let again = try await run(["unpublish", "--yes"], double)
        #expect(again.status == 0 && again.standardError.contains("nothing to unpublish: 'settings' owns nothing"))
        try await double.stop()
    }

    @Test func unpublishTheLocalStore() async throws {
        #expect(try await run(["publish", "1.0.0", "--yes"], nil).status == 0)
        #expect(try await run(["unpublish", "--yes"], nil).status == 0)
        let store = try String(contentsOf: fixture.url.appendingPathComponent(".kvctl/store.json"), encoding: .utf8)
        #expect(!store.contains("\"key\""), Comment(rawValue: store))
    }
}

extension SavedPlanCommand {
    /// A key changed while unpublish runs aborts it part-way; running it again finishes the job.
    @Test func anInterruptedUnpublishIsFinishedByRunningItAgain() async throws {
        let double = try await ConsulDouble.start()
        #expect(try await run(["publish", "1.0.0", "--yes"], double).status == 0)
        // Two transactions go through, then each waits 3 s: time (at least 9 s, even on a loaded machine)
        // to change config/svc/k9, a key of the fifth.
        double.faults.stallTransactions(after: 2, for: .seconds(3))
        async let unpublish = run(["unpublish", "--yes"], double)
        let deadline = ContinuousClock.now + .seconds(60)
        while double.snapshot().contains(where: { $0.key == "config/svc/k0" }) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        double.seed(["config/svc/k9": "changed by hand"])
        let aborted = try await unpublish
        double.faults.clear()
        #expect(aborted.status == 1)
        #expect(aborted.standardError.contains("unpublish aborted: config/svc/k9 changed in the store after unpublish read it"))
        #expect(aborted.standardError.contains("kvctl unpublish again deletes what is left"))
        #expect(double.snapshot().contains { $0.key == "kvctl/settings/record" }, "the record goes after the keys")

        let again = try await run(["unpublish", "--yes"], double)
        #expect(again.status == 0, "\(again.standardError)")
        #expect(contents(double, meta: true).isEmpty, "\(contents(double, meta: true).keys.sorted())")
        try await double.stop()
    }
}
