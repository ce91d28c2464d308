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
}
}
