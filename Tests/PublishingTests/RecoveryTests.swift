import ConsulDouble
import ConsulKit
import Foundation
import KVCore
import Publishing
import Testing

/// Journal, resume and rollback after a publish interrupted by Consul faults; the publish lock.
@Suite struct Recovery {
    /// Four operations a transaction: the 30-key versions below take several.
    let settings = PublishSettings(limits: TransactionLimits(maxOperations: 4))
    let versionA = Dictionary(uniqueKeysWithValues: (0..<30).map { ("config/k\($0)", "a\($0)") })
    var versionB: [String: String] {
        var keys = Dictionary(uniqueKeysWithValues: (0..<25).map { ("config/k\($0)", "b\($0)") })
        keys["config/a-new"] = "b"
        return keys
    }

    private func withConsul(_ body: (ConsulDouble, ConsulClient) async throws -> Void) async throws {
        let double = try await ConsulDouble.start()
        let outcome: Result<Void, any Error>
        do {
            let configuration = try ConsulConfiguration.fromEnvironment([:], overrides: .init(address: double.baseURL))
            try await ConsulClient.withClient(configuration) { client in try await body(double, client) }
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        try await double.stop()
        try outcome.get()
    }

    private func live(_ double: ConsulDouble) -> [String: String] {
        Dictionary(uniqueKeysWithValues: double.snapshot().filter { !$0.key.hasPrefix("kvctl/") }
            .map { ($0.key, String(decoding: $0.value, as: UTF8.self)) })
    }

    /// Publishes A, then B until `fault` strikes after `committed` transactions; returns B's request,
    /// the keys the committed transactions wrote and the keys B writes in all, counted from the plan.
    /// `reason` starts the interruption's reason, as ConsulKit words the fault.
    private func interruptedPublish(_ double: ConsulDouble, _ client: ConsulClient, committed: Int, reason: String,
                                    fault: @escaping @Sendable (Faults) -> Void) async throws
        -> (request: PublishRequest, written: Int, writes: Int) {
        let publisher = Publisher(store: client, settings: settings)
        try await publisher.apply(try await publisher.plan(request("1.0.0", versionA)))
        let b = request("1.1.0", versionB)
        let plan = try await publisher.plan(b)
        #expect(plan.transactions.count > committed + 1)
        let error = await #expect(throws: PublishInterrupted.self) {
            try await publisher.apply(plan, progress: { progress in
                if progress.transactions == committed { fault(double.faults) }
            })
        }
        #expect(error?.transaction == committed + 1)
        #expect(error?.totalTransactions == plan.transactions.count)
        #expect(error?.reason.hasPrefix(reason) == true, "\(String(describing: error))")
        #expect(error?.description.hasSuffix("transactions 1–\(committed) were applied") == true)
        double.faults.clear()
        let writes = Set(plan.changes.filter { $0.action != .delete }.map(\.key))
        return (b, plan.transactions.prefix(committed).joined().filter { writes.contains($0.key) }.count, writes.count)
    }

    private func state(_ client: ConsulClient) async throws -> LiveState {
        try await LiveStateReader(store: client, layout: settings.layout, name: "settings").read(keys: [], prune: [])
    }

    @Test func a500AfterRetriesLeavesAJournalThatResumeFinishes() async throws {
        try await withConsul { double, client in
            let (b, written, writes) = try await interruptedPublish(double, client, committed: 2,
                                            reason: "Consul at \(double.baseURL) answered 500 to PUT /v1/txn: No cluster leader (gave up after 4 attempts)") {
                $0.failEvery(pathPrefix: "/v1/txn", status: 500)
            }
            let interrupted = try await state(client)
            let journal = try #require(interrupted.unfinished?.journal)
            #expect(journal.summary.hasPrefix("incomplete publish of v1.1.0 over v1.0.0 ("))
            #expect(written > 0)
            #expect(interrupted.progress?.written == written, "the keys the two applied transactions wrote")
            #expect(interrupted.progress?.writes == writes)
            #expect(DriftDetector(prune: []).drift(in: interrupted).isEmpty, "kvctl's own half-done writes are not drift")
            #expect(interrupted.own?.record.current.tag == "v1.0.0")

            let publisher = Publisher(store: client, settings: settings)
            let resumed = try await publisher.plan(b.publishing(as: journal.to))
            #expect(resumed.drift.isEmpty)
            try await publisher.apply(resumed)
            #expect(live(double) == versionB)
            let after = try await state(client)
            #expect(after.unfinished == nil)
            #expect(after.own?.record.current.tag == "v1.1.0")
            #expect(after.own?.record.history.map(\.tag) == ["v1.0.0"])
            #expect(DriftDetector(prune: []).drift(in: after).isEmpty)
        }
    }

    @Test func droppedConnectionsThenRollbackReturnsExactlyToTheOldVersion() async throws {
        try await withConsul { double, client in
            let (_, written, _) = try await interruptedPublish(double, client, committed: 3, reason: "cannot reach Consul at \(double.baseURL): ") {
                $0.dropNext(count: 8)
            }
            #expect(try await state(client).progress?.written == written)
            #expect(live(double) != versionA)
            let back = request("1.0.0", versionA)
            let rollback = PublishRequest(name: back.name, version: back.version, publication: {
                var publication = back.publication
                publication.kind = .rollback
                return publication
            }(), keys: back.keys)
            let publisher = Publisher(store: client, settings: settings)
            let plan = try await publisher.plan(rollback)
            #expect(plan.drift.isEmpty)
            #expect(plan.changes.contains { $0.key == "config/a-new" && $0.action == .delete }, "keys the interrupted publish created go")
            try await publisher.apply(plan)
            #expect(live(double) == versionA)
            let after = try await state(client)
            #expect(after.unfinished == nil)
            #expect(after.own?.record.current.kind == .rollback)
        }
    }

    @Test func twoPublishersOneLockTheSecondNamesTheHolder() async throws {
        try await withConsul { _, client in
            let lock = PublishLock(store: client, key: "kvctl/settings/lock")
            let held = try await lock.acquire(as: LockHolder(holder: "ada@elsewhere", pid: 1, since: "2025-05-02T09:14:03Z", operation: "publish v1.2.0"),
                                              timeout: .zero)
            let error = await #expect(throws: LockTimeout.self) {
                _ = try await lock.acquire(as: .current("publish v1.3.0"), timeout: .milliseconds(600))
            }
            #expect(error?.description.contains("ada@elsewhere (pid 1, publish v1.2.0) since 2025-05-02T09:14:03Z") == true)
            await held.release()
            let next = try await lock.acquire(as: .current("publish v1.3.0"), timeout: .zero)
            await next.release()
        }
    }

    @Test func aDeadHoldersLockLapsesWithItsSession() async throws {
        try await withConsul { double, client in
            double.clock.freeze()
            let lock = PublishLock(store: client, key: "kvctl/settings/lock")
            // A holder elsewhere that stopped renewing: its session outlives the TTL at most twice.
            let session = try await client.createSession(name: "crashed", ttl: .seconds(15), lockDelay: .zero)
            let holder = LockHolder(holder: "ada@elsewhere", pid: 1, since: "2025-05-02T09:14:03Z", operation: "publish v1.2.0", session: session)
            #expect(try await client.acquire(key: "kvctl/settings/lock", value: holder.encoded(), session: session))
            await #expect(throws: LockTimeout.self) { _ = try await lock.acquire(as: .current("rollback"), timeout: .zero) }
            double.clock.advance(by: .seconds(31))
            let held = try await lock.acquire(as: .current("rollback"), timeout: .zero)
            await held.release()
        }
    }
}
