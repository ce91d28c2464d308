import ConsulDouble
import Foundation
import Testing
import TestSupport

/// Several agents on one environment, and agents stopped or killed in the middle of a publish.
extension AgentRuns {
@Suite struct AgentLeadership {
    static let keys = 240
    let journal = "kvctl/settings/journal"

    private func values(_ double: ConsulDouble) -> [String: String] {
        Dictionary(uniqueKeysWithValues: double.snapshot().filter { $0.key.hasPrefix("config/svc/") }
            .map { ($0.key, String(decoding: $0.value, as: UTF8.self)) })
    }

    /// Every key of one version and none of the other.
    private func isExactly(_ label: String, _ double: ConsulDouble) -> Bool {
        let live = values(double)
        return live.count == Self.keys && live.allSatisfy { $0.value.hasPrefix(label + "-") }
    }

    private func leads(_ agent: RunningAgent) async -> Bool {
        (try? await agent.get("/metrics").body.contains(#"kvctl_leader{environment="prod"} 1"#)) ?? false
    }

    private func start(_ fixture: AgentFixture, clone: String) async throws -> RunningAgent {
        try await RunningAgent(["--env", "prod", "--repo", fixture.remote.path, "--clone-dir", clone, "--interval", "1s"],
                               in: fixture.scratch, environment: fixture.environment)
    }

    @Test func oneLeaderAndAfterSIGKILLMidPublishTheStandbyFinishesExactlyOneVersion() async throws {
        let double = try await ConsulDouble.start()
        let fixture = try AgentFixture(keys: Self.keys)
        try fixture.pin("  prod: {address: '\(double.baseURL)', version: v1.0.0}\n")
        let first = try await start(fixture, clone: fixture.clone + "-1")
        let second = try await start(fixture, clone: fixture.clone + "-2")
        let settled = try await first.eventually { isExactly("a", double) }
        let oneLeader = try await first.eventually {
            let (one, two) = (await leads(first), await leads(second))
            return one != two
        }
        // Every transaction after the next 3 waits a second: the publish is surely under way when killed.
        double.faults.stallTransactions(after: 3, for: .seconds(1))
        try fixture.pin("  prod: {address: '\(double.baseURL)', version: v1.1.0}\n")
        let started = try await first.eventually { double.snapshot().contains { $0.key == journal } }
        let leader = await leads(first) ? first : second, standby = leader === first ? second : first
        let killed = try await leader.stop(SIGKILL)
        let halfway = values(double).values.filter { $0.hasPrefix("b-") }.count
        double.faults.clear()
        let finished = try await standby.eventually(.seconds(180)) {
            isExactly("b", double) && !double.snapshot().contains { $0.key == journal }
        }
        let tookOver = await leads(standby)
        let stopped = try await standby.stop()
        try await double.stop()

        #expect(settled, "\(first.log)\n\(second.log)")
        #expect(oneLeader, "exactly one of two agents leads")
        #expect(started, "\(leader.log)")
        #expect(killed.status != 0)
        #expect(halfway > 0 && halfway < Self.keys, "killed part-way: \(halfway) of \(Self.keys) keys written")
        #expect(finished, "the new leader resumes the journal to the pinned v1.1.0: \(standby.log)")
        #expect(tookOver)
        #expect(stopped.status == 0)
    }

    @Test func sigtermMidPublishExitsZeroAfterTheCurrentTransactionAndReleasesTheLocks() async throws {
        let double = try await ConsulDouble.start()
        let fixture = try AgentFixture(keys: Self.keys)
        try fixture.pin("  prod: {address: '\(double.baseURL)', version: v1.0.0}\n")
        let agent = try await start(fixture, clone: fixture.clone)
        let settled = try await agent.eventually { isExactly("a", double) }
        double.faults.stallTransactions(after: 3, for: .seconds(1))
        try fixture.pin("  prod: {address: '\(double.baseURL)', version: v1.1.0}\n")
        let started = try await agent.eventually { double.snapshot().contains { $0.key == journal } }
        let stopped = try await agent.stop(SIGTERM)
        double.faults.clear()
        let locks = double.snapshot().filter { $0.key.hasPrefix("kvctl/settings/") && $0.session != nil }.map(\.key)
        let sessions = double.sessionIDs
        let environment = fixture.environment, work = fixture.work.url
        let resumed = try await Task.detached { try kvctl(["sync", "--env", "prod", "--yes"], in: work, environment: environment) }.value
        let complete = isExactly("b", double)
        try await double.stop()

        #expect(settled && started, "\(agent.log)")
        #expect(stopped.status == 0, "\(stopped.standardError)")
        #expect(stopped.standardError.contains("interrupted"), "the publish stopped between transactions: \(stopped.standardError)")
        #expect(locks.isEmpty, "the publish and leader locks are released: \(locks)")
        #expect(sessions.isEmpty, "no session is left to lapse: \(sessions)")
        #expect(resumed.status == 0, "the journal is exact, so sync resumes it: \(resumed.standardError)")
        #expect(complete)
    }
}
}
