#if canImport(Glibc)
import Glibc
#endif
import ConsulDouble
import Foundation
import Testing
import TestSupport

/// The real binary against the Consul double: the lock between processes, ACLs, an unreachable
/// Consul, and SIGKILL part-way through a publish.
@Suite struct ConsulRecoveryCommand {
    let fixture: FixtureRepository
    let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CONSUL_") }
    static let keys = 120

    static func values(_ label: String) -> [String: String] { killTestValues(label, keys: keys) }

    /// v1.0.0 and v1.1.0 of 120 keys, every value different, in transactions of 8 operations.
    init() async throws {
        fixture = try await offPool {
            try killTestFixture(keys: Self.keys)
        }
    }

    private func run(_ arguments: [String], _ double: ConsulDouble) async throws -> ProcessResult {
        let (directory, consul, environment) = (fixture.url, double.baseURL, environment)
        return try await offPool { try kvctl(arguments + ["--consul", consul], in: directory, environment: environment) }
    }

    private func live(_ double: ConsulDouble) -> [String: String] {
        Dictionary(uniqueKeysWithValues: double.snapshot().filter { !$0.key.hasPrefix("kvctl/") }
            .map { ($0.key, String(decoding: $0.value, as: UTF8.self)) })
    }

    @Test func twoPublishersStartedTogetherExactlyOneWins() async throws {
        let double = try await ConsulDouble.start()
        double.faults.delayResponses(by: .milliseconds(100))
        async let first = run(["publish", "1.0.0", "--yes", "--lock-timeout", "0.5"], double)
        async let second = run(["publish", "1.1.0", "--yes", "--lock-timeout", "0.5"], double)
        let results = try await [first, second]
        double.faults.clear()
        let values = live(double)
        try await double.stop()
        #expect(results.map(\.status).sorted() == [0, 1], "\(results.map(\.standardError))")
        let loser = try #require(results.first { $0.status == 1 })
        #expect(loser.standardError.contains("another kvctl holds the lock kvctl/settings/lock: "))
        #expect(loser.standardError.contains(", pid "))
        #expect(loser.standardError.contains(" since "))
        #expect(values == Self.values("a") || values == Self.values("b"), "one version whole, nothing interleaved")
    }

    /// A key of the first transaction, one of a later transaction (found by the write-access check
    /// before anything is written), and the meta prefix (the lock, which the first transaction takes,
    /// comes first in the check).
    @Test(arguments: [("config/svc/k0", "config/svc/k0"), ("config/svc/k99", "config/svc/k99"), ("kvctl/", "kvctl/settings/lock")])
    func aclDeniedNamesTheKeyAndWritesNothing(denied: String, named: String) async throws {
        let double = try await ConsulDouble.start(DoubleOptions(deniedWritePrefixes: [denied]))
        let result = try await run(["publish", "1.0.0", "--yes"], double)
        let written = double.snapshot().filter { !$0.key.hasSuffix("/lock") }
        try await double.stop()
        #expect(result.status == 1)
        #expect(result.standardError.contains("Consul refused access to \(named)"), "\(result.standardError)")
        #expect(result.standardError.contains("Permission denied"))
        #expect(written.isEmpty)
    }

    @Test func anUnreachableConsulFailsNamingTheAddress() async throws {
        let refusing = try RefusingPort()
        let (url, environment, address) = (fixture.url, environment, "http://\(refusing.address)")
        // The ceiling catches a hang: four attempts with backoff take about a second.
        let result = try await offPool { try kvctl(["status", "--consul", address], in: url, environment: environment, timeout: 60) }
        #expect(result.status == 1, "status exits 1 on a store error")
        #expect(result.standardError.contains("cannot reach Consul at \(address): connection refused (gave up after 4 attempts)"),
                "\(result.standardError)")
    }

    /// Waits (polling) until `condition` holds; false when `ceiling` passes first, which means a hang.
    private func eventually(within ceiling: Duration = .seconds(120), _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + ceiling
        while !condition() {
            guard ContinuousClock.now < deadline else { return false }
            try await Task.sleep(for: .milliseconds(5))
        }
        return true
    }

    private func lockEntry(_ double: ConsulDouble) -> DoubleEntry? {
        double.snapshot().first { $0.key == "kvctl/settings/lock" }
    }

    /// The double stops answering after transaction N, so each kill lands after exactly N of the
    /// publish's transactions: a journal exists, the dead publisher still holds the lock (its session
    /// outlives it), a plain publish refuses, and `--resume` or `rollback` ends in one whole version.
    @Test(arguments: [(1, "1.1.0", ["publish", "--resume", "--yes"]), (6, "1.1.0", ["rollback", "--yes"]),
                      (11, "1.0.0", ["publish", "--resume", "--yes"])])
    func sigkillAfterTransactionNThenRecoverLeavesOneVersionExactly(committed: Int, target: String, recovery: [String]) async throws {
        let double = try await ConsulDouble.start()
        #expect(try await run(["publish", "1.0.0", "--yes"], double).status == 0)
        if target == "1.0.0" { #expect(try await run(["publish", "1.1.0", "--yes"], double).status == 0) }
        let before = double.requestCounts.transactions
        double.faults.stallTransactions(after: committed)
        let publisher = try SpawnedProcess(kvctlBinary(), ["publish", target, "--yes", "--force", "--consul", double.baseURL],
                                           in: fixture.url, environment: environment, timeout: 120)
        let stalled = try await eventually { double.requestCounts.transactions > before + committed }
        let journal = double.snapshot().first { $0.key == "kvctl/settings/journal" }
        let heldBy = lockEntry(double)?.session
        publisher.kill()
        let killed = try await offPool { try publisher.wait() }
        double.faults.clear()
        #expect(stalled, "the publish reached transaction \(committed + 1)")
        #expect(killed.status == 128 + SIGKILL)
        #expect(journal != nil, "interrupted part-way: the journal existed when the publisher died")
        #expect(heldBy != nil, "the dead publisher's session still held the lock")

        // Every value differs between the versions: the progress status reports is the count of keys
        // the store holds at the target's value, out of all 120.
        let wanted = Self.values(target == "1.1.0" ? "b" : "a"), now = live(double)
        let written = wanted.filter { now[$0.key] == $0.value }.count
        let status = try await run(["status"], double)
        #expect(status.status == 3)
        #expect(status.standardOutput.contains("incomplete publish of v\(target) over "), "\(status.standardOutput)")
        #expect(status.standardOutput.contains(", \(written) of 120 keys written so far: "), "\(status.standardOutput)")
        #expect(committed == 1 || written > 0)
        // The dead holder ran on this host: its session is destroyed at once rather than waited out.
        let plain = try await run(["publish", target, "--yes", "--force", "--lock-timeout", "0"], double)
        #expect(plain.status == 1)
        #expect(plain.standardError.contains("incomplete publish of v\(target) over "), "\(plain.standardError)")
        #expect(!double.sessionIDs.contains(heldBy ?? ""), "the dead holder's session was destroyed")

        let recovered = try await run(recovery + ["--lock-timeout", "0"], double)
        #expect(recovered.status == 0, "\(recovered.standardError)")
        let values = live(double)
        let expected = recovery[0] == "rollback" ? (target == "1.1.0" ? "a" : "b") : (target == "1.1.0" ? "b" : "a")
        #expect(values == Self.values(expected), "one version whole, byte for byte")
        #expect(try await run(["status"], double).status == 0)
        try await double.stop()
    }

    /// Publishes v1.0.0, then starts v1.1.0 and makes Consul drop its session between transactions
    /// (the double's clock jumps past the TTL): the next renewal fails and the publish stops before
    /// its next transaction. Returns that publish's result.
    private func loseTheLockMidPublish(_ double: ConsulDouble) async throws -> ProcessResult {
        #expect(try await run(["publish", "1.0.0", "--yes"], double).status == 0)
        let before = double.requestCounts.transactions
        // Slow enough that the first renewal (5 s after the lock) comes long before the last transaction.
        double.faults.stallTransactions(after: 1, for: .seconds(1))
        let publisher = try SpawnedProcess(kvctlBinary(), ["publish", "1.1.0", "--yes", "--consul", double.baseURL],
                                           in: fixture.url, environment: environment, timeout: 120)
        #expect(try await eventually { double.requestCounts.transactions > before })
        double.clock.advance(by: .seconds(31))
        let result = try await offPool { try publisher.wait() }
        double.faults.clear()
        return result
    }

    @Test func aLockLostMidPublishStopsItAndResumeFinishes() async throws {
        let double = try await ConsulDouble.start()
        let result = try await loseTheLockMidPublish(double)
        #expect(result.status == 1)
        #expect(result.standardError.contains("the publish lock was lost (its session could not be renewed)"), "\(result.standardError)")
        #expect(double.snapshot().contains { $0.key == "kvctl/settings/journal" }, "stopped part-way, journal kept")
        #expect(live(double) != Self.values("b"))
        #expect(try await run(["publish", "--resume", "--yes"], double).status == 0)
        #expect(live(double) == Self.values("b"))
        try await double.stop()
    }

    /// An environment pinned to the release an interrupted publish was writing: sync resumes it.
    @Test func syncResumesAnInterruptedPublishOfThePinnedRelease() async throws {
        let double = try await ConsulDouble.start()
        let result = try await loseTheLockMidPublish(double)
        #expect(result.status == 1, "\(result.standardError)")
        let fixture = fixture
        try await offPool {
            try fixture.write("kvctl.yaml", "name: settings\ntransaction: {max-operations: 8}\n"
                + "environments:\n  prod: {address: 'http://127.0.0.1:9', version: v1.1.0}\n")
            try fixture.commitAll()
        }
        let synced = try await run(["sync", "--env", "prod", "--yes"], double)
        #expect(synced.status == 0, "\(synced.standardError)")
        #expect(synced.standardError.contains("prod pins v1.1.0: resuming the incomplete publish of v1.1.0 over v1.0.0"), "\(synced.standardError)")
        #expect(live(double) == Self.values("b"))
        #expect(try await run(["status", "--env", "prod"], double).status == 0)
        try await double.stop()
    }

    /// A second publisher waits while the lock is held and takes it when the holder lets go.
    @Test func aWaiterGetsTheLockWithinTheTimeout() async throws {
        let double = try await ConsulDouble.start()
        #expect(try await run(["publish", "1.0.0", "--yes"], double).status == 0)
        let before = double.requestCounts.transactions
        // The holder's transactions stall until the waiter is seen waiting, however slowly a loaded
        // runner starts it; each stalled one then ends within a second.
        double.faults.stallTransactions(after: 1, for: .seconds(1))
        let first = try SpawnedProcess(kvctlBinary(), ["publish", "1.1.0", "--yes", "--consul", double.baseURL],
                                       in: fixture.url, environment: environment, timeout: 120)
        #expect(try await eventually { double.requestCounts.transactions > before })
        let second = try SpawnedProcess(kvctlBinary(), ["rollback", "1.0.0", "--yes", "--lock-timeout", "100", "--consul", double.baseURL],
                                        in: fixture.url, environment: environment, timeout: 120)
        let waiting = try await waitForStandardError(of: second, containing: "s for the lock kvctl/settings/lock, held by ")
        double.faults.clear()
        let firstResult = try await offPool { try first.wait() }
        let secondResult = try await offPool { try second.wait() }
        #expect(firstResult.status == 0, "\(firstResult.standardError)")
        #expect(secondResult.status == 0, "\(secondResult.standardError)")
        #expect(waiting.contains("s for the lock kvctl/settings/lock, held by "), "\(waiting)")
        #expect(live(double) == Self.values("a"), "the waiter ran after the holder finished")
        try await double.stop()
    }
}
