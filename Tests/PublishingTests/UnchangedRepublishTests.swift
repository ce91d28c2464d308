import ConsulDouble
import ConsulKit
import Foundation
import KVCore
import Publishing
import Testing

/// Republishing the live release reads no value when nothing changed since its record: the meta
/// prefix, then one key listing per read prefix. Any write, delete or addition under a read prefix
/// must defeat the shortcut, so the plan is exactly what a full read would give.
@Suite struct UnchangedRepublishTests {
    private let keys = Dictionary(uniqueKeysWithValues: (0..<30).map { ("config/svc/k\($0)", "value \($0)") })

    private func withPublished(
        _ options: DoubleOptions = DoubleOptions(), settings: PublishSettings = PublishSettings(),
        _ body: (ConsulDouble, Publisher) async throws -> Void
    ) async throws {
        try await PublishingTests.withPublished(keys, options, settings: settings, body)
    }

    /// The requests of a plan made now, and whether any read a value under the key prefix.
    private func planned(_ double: ConsulDouble, _ publisher: Publisher) async throws -> (plan: PublishPlan, requests: Int, readValues: Bool) {
        let before = double.requestCount
        let plan = try await publisher.plan(request("1.0.0", keys))
        let sent = double.recentRequests.suffix(double.requestCount - before)
        return (plan, sent.count, sent.contains { $0.uri.hasPrefix("/v1/kv/config") && $0.uri.contains("recurse") })
    }

    @Test func anUnchangedRepublishListsKeysAndReadsNoValue() async throws {
        try await withPublished { double, publisher in
            let (plan, requests, readValues) = try await planned(double, publisher)
            #expect(plan.transactions.isEmpty && plan.changes.isEmpty && plan.drift.isEmpty)
            #expect(plan.unchanged == keys.count)
            #expect(requests == 2)
            #expect(!readValues)
            #expect(double.recentRequests.last?.uri.contains("keys") == true)
        }
    }

    @Test(arguments: ["changed", "deleted", "deleted and reaped", "added"])
    func anOutOfBandWriteDefeatsTheShortcut(_ what: String) async throws {
        try await withPublished(settings: PublishSettings(prune: what == "added" ? ["config/svc/"] : [])) { double, publisher in
            let recordIndex = double.index
            switch what {
            case "changed":
                double.seed(["config/svc/k3": "by hand"])
            case "added":
                double.seed(["config/svc/new": "by hand"])
            default:
                try await publisher.store.apply([.delete(key: "config/svc/k3")])
                // Unrelated writes after it, so that reaping leaves the prefix's index below the record's.
                if what == "deleted and reaped" {
                    double.seed(["elsewhere": "1"])
                    double.reapTombstones(through: double.index)
                }
            }
            #expect(double.index > recordIndex)
            let (plan, requests, readValues) = try await planned(double, publisher)
            #expect(readValues)
            #expect(requests == 3)
            switch what {
            case "changed":
                #expect(plan.drift.map(\.description) == ["~ config/svc/k3 (changed)"])
                #expect(plan.changes.map(\.key) == ["config/svc/k3"])
            case "added":
                #expect(plan.drift.map(\.description) == ["+ config/svc/new (added under a prune: prefix)"])
                #expect(plan.count(.delete) == 1)
            default:
                #expect(plan.drift.map(\.description) == ["- config/svc/k3 (deleted)"])
                #expect(plan.count(.create) == 1)
            }
        }
    }

    /// A key added under a read prefix that no prune: prefix covers changes nothing a plan would do,
    /// but its write raises the index, so the full read decides.
    @Test func aKeyAddedUnderAReadPrefixFallsBackToTheFullRead() async throws {
        try await withPublished { double, publisher in
            double.seed(["config/svc/kx": "someone else's"])
            let (plan, _, readValues) = try await planned(double, publisher)
            #expect(readValues)
            #expect(plan.transactions.isEmpty && plan.drift.isEmpty)
        }
    }

    @Test func anotherReleaseOrAnUnfinishedPublishReadsValues() async throws {
        try await withPublished { double, publisher in
            let before = double.requestCount
            let next = try await publisher.plan(request("1.0.1", keys))
            #expect(!next.transactions.isEmpty)
            let sent = double.recentRequests.suffix(double.requestCount - before)
            #expect(sent.contains { $0.uri.contains("recurse") && $0.uri.hasPrefix("/v1/kv/config") })
            #expect(!sent.contains { $0.uri.contains("keys") })
        }
    }
}

/// Transactions of 128 operations on Consul 1.14 and later when `transaction.max-operations` is not
/// set (hashicorp/consul#14599), read from `/v1/agent/self` only when there is something to write.
@Suite struct ServerTransactionLimitTests {
    private let keys = Dictionary(uniqueKeysWithValues: (0..<300).map { (String(format: "config/k%03d", $0), "\($0)") })

    private func withConsul(_ options: DoubleOptions, settings: PublishSettings = PublishSettings(),
                            _ body: (ConsulDouble, Publisher) async throws -> Void) async throws {
        let double = try await ConsulDouble.start(options)
        let outcome: Result<Void, any Error>
        do {
            let configuration = try ConsulConfiguration.fromEnvironment([:], overrides: .init(address: double.baseURL))
            try await ConsulClient.withClient(configuration) { client in try await body(double, Publisher(store: client, settings: settings)) }
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        try await double.stop()
        try outcome.get()
    }

    private func agentReads(_ double: ConsulDouble) -> Int { double.recentRequests.filter { $0.uri.hasPrefix("/v1/agent/self") }.count }

    @Test(arguments: [("1.14.0", 128), ("1.13.7", 64)])
    func aPublishUsesTheServersLimit(version: String, limit: Int) async throws {
        try await withConsul(DoubleOptions(version: version)) { double, publisher in
            let plan = try await publisher.plan(request("1.0.0", keys))
            #expect(plan.transactions.map(\.count).max() == limit)
            #expect(plan.notes.isEmpty)
            // The agent said ACLs are off: the write-access check asks nothing more.
            let before = double.requestCount
            try await publisher.checkWriteAccess(plan)
            #expect(double.requestCount == before)
            try await publisher.apply(plan)
            #expect(Set(double.snapshot().map(\.key)).isSuperset(of: keys.keys))
            #expect(agentReads(double) == 1)
            let again = try await publisher.plan(request("1.0.0", keys))
            #expect(again.transactions.isEmpty)
            #expect(agentReads(double) == 1)
        }
    }

    @Test func aSetLimitIsKeptAndTheVersionNotAsked() async throws {
        try await withConsul(DoubleOptions(version: "1.14.0"), settings: PublishSettings(limits: TransactionLimits(maxOperations: 64))) { double, publisher in
            let plan = try await publisher.plan(request("1.0.0", keys))
            #expect(plan.transactions.map(\.count).max() == 64)
            #expect(agentReads(double) == 0)
        }
    }

    @Test func aTokenWithoutAgentReadKeeps64AndSaysWhy() async throws {
        try await withConsul(DoubleOptions(version: "1.14.0", deniesAgentRead: true)) { double, publisher in
            let plan = try await publisher.plan(request("1.0.0", keys))
            #expect(plan.transactions.map(\.count).max() == 64)
            #expect(plan.notes.count == 1 && plan.notes[0].contains("agent:read"))
            // A 403 means ACLs are on: every transaction's keys are probed, without asking token/self.
            let before = double.requestCount
            try await publisher.checkWriteAccess(plan)
            #expect(double.requestCount - before == plan.transactions.count)
            #expect(!double.recentRequests.contains { $0.uri.hasPrefix("/v1/acl/token/self") })
            try await publisher.apply(plan)
        }
    }
}
