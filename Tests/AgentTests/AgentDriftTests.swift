import AsyncHTTPClient
import ConsulDouble
import Foundation
import NIOCore
import Testing
import TestSupport

/// Keys changed outside kvctl while the agent runs: reported by default, re-applied with `heal: true`.
extension AgentRuns {
@Suite struct AgentDrift {
    /// A write by hand, as `consul kv put` does it.
    private func writeByHand(_ double: ConsulDouble, _ key: String, _ value: String) async throws {
        var request = HTTPClientRequest(url: "\(double.baseURL)/v1/kv/\(key)")
        request.method = .PUT
        request.body = .bytes(ByteBuffer(string: value))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        #expect(response.status.code == 200)
    }

    @Test(arguments: [false, true])
    func anOutOfBandWriteShowsInMetricsAndIsHealedOnlyWithHeal(heal: Bool) async throws {
        let double = try await ConsulDouble.start()
        let fixture = try AgentFixture()
        let environment = "  prod: {address: '\(double.baseURL)', version: v1.0.0\(heal ? ", heal: true" : "")}\n"
        try fixture.pin(environment)
        let agent = try await RunningAgent(["--env", "prod", "--repo", fixture.remote.path, "--clone-dir", fixture.clone, "--interval", "1s"],
                                           in: fixture.scratch, environment: fixture.environment)
        let settled = try await agent.eventually { value(double) == "1" }
        try await writeByHand(double, "config/app/port", "9")
        let reported = try await agent.eventually(.seconds(heal ? 3 : 30)) {
            try await agent.get("/metrics").body.contains(#"kvctl_drift_keys{environment="prod"} 1"#)
        }
        let healed = try await agent.eventually(.seconds(heal ? 30 : 4)) { value(double) == "1" }
        let status = try await agent.get("/v1/status")
        let stopped = try await agent.stop()
        try await double.stop()

        #expect(settled, "\(agent.log)")
        if heal {
            #expect(healed, "heal: true re-applies the drifted key: \(agent.log)")
        } else {
            #expect(reported, "\(agent.log)")
            #expect(!healed, "without heal the drift is only reported")
            #expect(status.body.contains(#""key" : "config/app/port""#), "\(status.body)")
            #expect(stopped.standardError.contains("changed outside kvctl"), "the refusal is logged")
        }
        #expect(stopped.status == 0)
    }

    /// With an interval of an hour only the blocking queries can see the write: it must show at once.
    @Test func anOutOfBandWriteIsWatchedNotPolled() async throws {
        let double = try await ConsulDouble.start()
        let fixture = try AgentFixture()
        try fixture.pin("  prod: {address: '\(double.baseURL)', version: v1.0.0}\n")
        let agent = try await RunningAgent(["--env", "prod", "--repo", fixture.remote.path, "--clone-dir", fixture.clone, "--interval", "1h"],
                                           in: fixture.scratch, environment: fixture.environment)
        let settled = try await agent.eventually { value(double) == "1" }
        // The first reconcile is over once /readyz answers 200; then only a watch can wake the agent.
        let ready = try await agent.eventually { try await agent.get("/readyz").status == 200 }
        try await Task.sleep(for: .milliseconds(500))
        let clock = ContinuousClock(), start = clock.now
        try await writeByHand(double, "config/app/port", "9")
        // A generous ceiling (the target is 1 s): an hour's interval cannot pass meanwhile.
        let reported = try await agent.eventually(.seconds(10)) {
            try await agent.get("/metrics").body.contains(#"kvctl_drift_keys{environment="prod"} 1"#)
        }
        let took = clock.now - start
        let status = try await agent.get("/v1/status")
        let stopped = try await agent.stop()
        try await double.stop()

        #expect(settled && ready, "\(agent.log)")
        #expect(reported, "drift seen within \(took): \(agent.log)")
        #expect(status.body.contains(#""key" : "config/app/port""#), "\(status.body)")
        #expect(stopped.status == 0, "\(stopped.standardError)")
    }

    /// The drift is reported before the sync that heals it: here every transaction of the heal is answered
    /// 2 s late, and meanwhile the metric shows the drifted key (read only after the heal, it never would).
    @Test func driftIsReportedBeforeTheHealEnds() async throws {
        let double = try await ConsulDouble.start()
        let fixture = try AgentFixture()
        try fixture.pin("  prod: {address: '\(double.baseURL)', version: v1.0.0, heal: true}\n")
        let agent = try await RunningAgent(["--env", "prod", "--repo", fixture.remote.path, "--clone-dir", fixture.clone, "--interval", "1h"],
                                           in: fixture.scratch, environment: fixture.environment)
        let settled = try await agent.eventually { value(double) == "1" }
        let ready = try await agent.eventually { try await agent.get("/readyz").status == 200 }
        try await Task.sleep(for: .milliseconds(500))
        double.faults.stallTransactions(after: 0, for: .seconds(2))
        try await writeByHand(double, "config/app/port", "9")
        var seen = ""
        let reported = try await agent.eventually(.seconds(30)) {
            seen = try await agent.get("/metrics").body
            return seen.contains(#"kvctl_drift_keys{environment="prod"} 1"#)
        }
        let healed = try await agent.eventually { value(double) == "1" }
        double.faults.clear()
        let cleared = try await agent.eventually {
            try await agent.get("/metrics").body.contains(#"kvctl_drift_keys{environment="prod"} 0"#)
        }
        let stopped = try await agent.stop()
        try await double.stop()

        #expect(settled && ready, "\(agent.log)")
        #expect(reported, "the drift shows while the heal is under way: \(agent.log)")
        // The double commits a stalled transaction at once and answers late: the heal's reconcile is still under way.
        #expect(seen.contains(#"kvctl_reconcile_total{environment="prod",result="applied"} 1"#), "\(seen)")
        #expect(healed && cleared, "then the heal re-applies the key and the metric follows: \(agent.log)")
        #expect(stopped.status == 0, "\(stopped.standardError)")
    }

    /// An idle agent: the git tip does not move and nothing writes, so after the settling reconciles
    /// each interval may cost at most 2 requests besides the blocking queries it holds.
    @Test func anIdleIntervalCostsAtMostTwoRequests() async throws {
        let double = try await ConsulDouble.start()
        let fixture = try AgentFixture()
        try fixture.pin("  prod: {address: '\(double.baseURL)', version: v1.0.0}\n")
        let agent = try await RunningAgent(["--env", "prod", "--repo", fixture.remote.path, "--clone-dir", fixture.clone, "--interval", "1s"],
                                           in: fixture.scratch, environment: fixture.environment)
        let settled = try await agent.eventually { value(double) == "1" }
        // The publish wakes one more full reconcile, new watch targets one more: let both pass.
        try await Task.sleep(for: .seconds(4))
        let before = double.requestCounts
        let reconcilesBefore = try await reconciles(agent)
        try await Task.sleep(for: .seconds(5))
        let after = double.requestCounts
        let intervals = try await reconciles(agent) - reconcilesBefore
        let stopped = try await agent.stop()
        try await double.stop()

        #expect(settled, "\(agent.log)")
        #expect(intervals >= 3, "the loop kept running: \(intervals) reconciles")
        // Session renewals (every 5 s) and the re-issued blocking queries are what may remain; a full
        // sync and status read cost 7 or more requests each.
        let spent = after.total - before.total
        #expect(spent <= 2 * intervals, "\(spent) requests over \(intervals) idle intervals: before \(before), after \(after)")
        #expect(after.transactions == before.transactions && after.puts == before.puts)
        #expect(stopped.status == 0)
    }

    private func reconciles(_ agent: RunningAgent) async throws -> Int {
        let metrics = try await agent.get("/metrics").body
        return metrics.split(separator: "\n").filter { $0.hasPrefix("kvctl_reconcile_total{") }
            .compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0) { $0 + Int($1) }
    }
}
}
