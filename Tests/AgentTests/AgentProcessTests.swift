import AsyncHTTPClient
import ConsulDouble
import Foundation
import NIOCore
import Testing
import TestSupport

/// A running `kvctl agent`: the real binary, a bare repository on disk as its remote, the Consul double,
/// real HTTP to its port.
final class RunningAgent: @unchecked Sendable {
    let process: SpawnedProcess
    let address: String

    init(_ arguments: [String], in directory: URL, environment: [String: String]) async throws {
        process = try SpawnedProcess(kvctlBinary(), ["agent", "--listen", "127.0.0.1:0"] + arguments, in: directory,
                                     environment: environment, timeout: 600)
        let clock = ContinuousClock(), deadline = clock.now + .seconds(60)
        var found: String?
        while found == nil && clock.now < deadline {
            let exited = process.hasExited
            let first = process.standardErrorSoFar.split(separator: "\n").first.map(String.init) ?? ""
            if let range = first.range(of: #""address":"[^"]+""#, options: .regularExpression) {
                found = String(first[range].dropFirst(11).dropLast())
            }
            if exited { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        guard let found else { throw FixtureError("the agent named no address in its first log line: \(process.standardErrorSoFar)") }
        address = found
    }

    var log: String { process.standardErrorSoFar }

    func get(_ path: String) async throws -> (status: UInt, body: String) {
        try await send(HTTPClientRequest(url: "http://\(address)\(path)"))
    }

    func post(_ path: String, body: String, headers: [String: String]) async throws -> (status: UInt, body: String) {
        var request = HTTPClientRequest(url: "http://\(address)\(path)")
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        return try await send(request)
    }

    private func send(_ request: HTTPClientRequest) async throws -> (status: UInt, body: String) {
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 64 << 20)
        return (response.status.code, String(buffer: body))
    }

    /// Polls `check` every 100 ms until it holds or `ceiling` passes (a hang catcher, not a target).
    func eventually(_ ceiling: Duration = .seconds(60), _ check: () async throws -> Bool) async throws -> Bool {
        let clock = ContinuousClock(), deadline = clock.now + ceiling
        while clock.now < deadline {
            if try await check() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    func stop(_ signal: Int32 = SIGTERM) async throws -> ProcessResult {
        process.kill(signal)
        let process = process
        return try await Task.detached { try process.wait() }.value
    }
}

/// A repository with releases v1.0.0 and v1.1.0 (config/app/port = 1, 2), pushed to a bare remote.
final class AgentFixture: @unchecked Sendable {
    let work: FixtureRepository
    let remote: URL
    let clone: String
    let scratch: URL
    let settings: String

    /// With `keys`, v1.0.0 and v1.1.0 set `keys` keys under config/svc/ instead (values a-N, b-N), in
    /// transactions of 8 operations, so a publish takes many transactions to interrupt in between.
    init(keys: Int? = nil) throws {
        work = try FixtureRepository()
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("kvctl-agent-\(UUID().uuidString)")
        remote = scratch.appendingPathComponent("remote.git")
        clone = scratch.appendingPathComponent("clone").path
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        settings = keys == nil ? "name: settings\n" : "name: settings\ntransaction: {max-operations: 8}\n"
        try work.write("kvctl.yaml", settings)
        for (tag, port) in [("v1.0.0", 1), ("v1.1.0", 2)] {
            let many = (0..<(keys ?? 0)).map { "  - key: config/svc/k\($0)\n    value: \(port == 1 ? "a" : "b")-\($0)\n" }.joined()
            try work.write("kv/app.yaml", "config:\n  - key: config/app/port\n    value: \(port)\n" + many)
            try work.commitAll()
            try work.git("tag", "-a", tag, "-m", "release")
        }
        let made = try run("/usr/bin/env", ["git", "init", "-q", "--bare", "-b", "main", remote.path])
        guard made.status == 0 else { throw FixtureError(made.standardError) }
        try work.git("remote", "add", "origin", remote.path)
    }

    deinit { try? FileManager.default.removeItem(at: scratch) }

    /// Commits `environments` (lines under `environments:`) as kvctl.yaml and pushes branch and tags.
    func pin(_ environments: String) throws {
        try work.write("kvctl.yaml", settings + "environments:\n" + environments)
        try work.commitAll()
        try work.git("push", "-q", "-f", "origin", "main", "--tags")
    }

    func secret(_ text: String) throws -> String {
        let file = scratch.appendingPathComponent("hook-secret")
        try Data((text + "\n").utf8).write(to: file)
        return file.path
    }

    var environment: [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CONSUL_") && $0.key != "KVCTL_GIT_TOKEN" }
    }
}

/// The tests that run agent processes, one at a time: each keeps one or two agents reconciling every
/// second, and several at once would starve the timing-sensitive tests of other suites on a small machine.
@Suite(.serialized) enum AgentRuns {}

func value(_ double: ConsulDouble, _ key: String = "config/app/port") -> String? {
    double.snapshot().first { $0.key == key }.map { String(decoding: $0.value, as: UTF8.self) }
}

extension AgentRuns {
@Suite struct AgentProcess {
    @Test func followsThePinServesMetricsAndStatusAndStopsOnSIGTERM() async throws {
        let double = try await ConsulDouble.start()
        let fixture = try AgentFixture()
        try fixture.pin("  prod: {address: '\(double.baseURL)', version: v1.0.0}\n")
        let agent = try await RunningAgent(["--env", "prod", "--repo", fixture.remote.path, "--clone-dir", fixture.clone, "--interval", "1s"],
                                           in: fixture.scratch, environment: fixture.environment)
        let ready = try await agent.eventually { try await agent.get("/readyz").status == 200 }
        let first = value(double)
        try fixture.pin("  prod: {address: '\(double.baseURL)', version: v1.1.0}\n")
        let followed = try await agent.eventually { value(double) == "2" }
        // The metrics follow once the reconcile that applied it has read the store back.
        _ = try await agent.eventually { try await agent.get("/metrics").body.contains(#"version="v1.1.0""#) }
        let metrics = try await agent.get("/metrics")
        let status = try await agent.get("/v1/status")
        let health = try await agent.get("/healthz")
        let hookWithoutSecret = try await agent.post("/hooks/git", body: "{}", headers: ["X-Gitlab-Token": "anything"])
        let stopped = try await agent.stop()
        try await double.stop()

        #expect(ready, "\(agent.log)")
        #expect(first == "1", "the pinned v1.0.0 is live after the first reconcile: \(agent.log)")
        #expect(followed, "a pin change pushed to the remote goes live within the interval: \(agent.log)")
        #expect(metrics.body.contains(#"kvctl_live_version_info{environment="prod",version="v1.1.0"} 1"#), "\(metrics.body)")
        #expect(metrics.body.contains(#"kvctl_reconcile_total{environment="prod",result="applied"} 2"#), "\(metrics.body)")
        #expect(metrics.body.contains(#"kvctl_leader{environment="prod"} 1"#), "\(metrics.body)")
        #expect(metrics.body.contains(#"kvctl_drift_keys{environment="prod"} 0"#), "\(metrics.body)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(status.body.utf8)) as? [String: Any], "\(status.body)")
        #expect((report["live"] as? [String: Any])?["tag"] as? String == "v1.1.0")
        #expect(report["pinned"] as? String == "v1.1.0")
        #expect(health.status == 200)
        #expect(hookWithoutSecret.status == 401)
        #expect(stopped.status == 0, "\(stopped.standardError)")
        let lines = stopped.standardError.split(separator: "\n")
        #expect(lines.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) is [String: Any] }, "JSON lines only: \(stopped.standardError)")
        #expect(lines.contains { $0.contains(#""reconcile":""#) }, "reconciles log their id")
        #expect(lines.first?.contains("listening on 127.0.0.1:") == true)
    }

    @Test func aSignedWebhookFetchesAtOnceAndABadOneTriggersNothing() async throws {
        let double = try await ConsulDouble.start()
        let fixture = try AgentFixture()
        try fixture.pin("  prod: {address: '\(double.baseURL)', version: v1.0.0}\n")
        let secret = "It's a Secret to Everybody"
        let agent = try await RunningAgent(["--env", "prod", "--repo", "file://" + fixture.remote.path, "--clone-dir", fixture.clone,
                                            "--interval", "1h", "--webhook-secret-file", try fixture.secret(secret)],
                                           in: fixture.scratch, environment: fixture.environment)
        let ready = try await agent.eventually { try await agent.get("/readyz").status == 200 }
        try fixture.pin("  prod: {address: '\(double.baseURL)', version: v1.1.0}\n")
        let body = #"{"ref":"refs/heads/main"}"#
        let unsigned = try await agent.post("/hooks/git", body: body, headers: ["X-GitHub-Event": "push"])
        let forged = try await agent.post("/hooks/git", body: body, headers: ["X-Hub-Signature-256": "sha256=" + String(repeating: "ab", count: 32)])
        let wrongToken = try await agent.post("/hooks/git", body: body, headers: ["X-Gitlab-Token": "guess"])
        try await Task.sleep(for: .seconds(3))
        let afterRefused = value(double)
        let signature = try run("/usr/bin/env", ["openssl", "dgst", "-sha256", "-hmac", secret], input: Array(body.utf8))
            .standardOutput.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        let signed = try await agent.post("/hooks/git", body: body, headers: ["X-Hub-Signature-256": "sha256=" + signature, "X-GitHub-Event": "push"])
        let live = try await agent.eventually(.seconds(30)) { value(double) == "2" }
        let metrics = try await agent.get("/metrics")
        let stopped = try await agent.stop(SIGINT)
        try await double.stop()

        #expect(ready)
        #expect([unsigned.status, forged.status, wrongToken.status] == [401, 401, 401])
        #expect(afterRefused == "1", "a refused webhook triggers nothing (the interval is an hour)")
        #expect(signed.status == 202, "\(signed.body)")
        #expect(live, "\(agent.log)")
        #expect(!metrics.body.contains(secret) && !agent.log.contains(secret), "the secret is never served or logged")
        #expect(stopped.status == 0, "SIGINT stops as SIGTERM does: \(stopped.standardError)")
    }

    @Test func aReleaseThatDoesNotValidateIsNeverApplied() async throws {
        let double = try await ConsulDouble.start()
        let fixture = try AgentFixture()
        try fixture.work.write("kv/app.yaml", "config:\n  - key: config/app/port\n    value: [unclosed\n")
        try fixture.work.commitAll()
        try fixture.work.git("tag", "-a", "v1.2.0", "-m", "broken release")
        try fixture.pin("  prod: {address: '\(double.baseURL)', version: v1.1.0}\n")
        let agent = try await RunningAgent(["--env", "prod", "--repo", fixture.remote.path, "--clone-dir", fixture.clone, "--interval", "1s"],
                                           in: fixture.scratch, environment: fixture.environment)
        let applied = try await agent.eventually { value(double) == "2" }
        try fixture.pin("  prod: {address: '\(double.baseURL)', version: v1.2.0}\n")
        let refused = try await agent.eventually {
            let body = try await agent.get("/metrics").body
            return body.contains(#"kvctl_reconcile_total{environment="prod",result="refused"} "#) && !body.contains(#"result="refused"} 0"#)
        }
        let metrics = try await agent.get("/metrics")
        let stopped = try await agent.stop()
        try await double.stop()

        #expect(applied)
        #expect(refused, "\(agent.log)")
        #expect(value(double) == "2", "the live release stays")
        #expect(metrics.body.contains(#"version="v1.1.0"} 1"#), "\(metrics.body)")
        #expect(stopped.standardError.contains("does not validate"), "\(stopped.standardError)")
        #expect(stopped.status == 0)
    }

    /// Before it can lead, the agent reads kvctl.yaml for the leader lock's place: a bad one is logged
    /// as the findings `kvctl validate` prints, and retried with back-off.
    @Test func aConfigurationThatDoesNotValidateIsLoggedAsFindings() async throws {
        let fixture = try AgentFixture()
        try fixture.pin("  prod: {address: 'http://127.0.0.1:1', version: v1.0.0, colour: blue}\n")
        let agent = try await RunningAgent(["--env", "prod", "--repo", fixture.remote.path, "--clone-dir", fixture.clone, "--interval", "1s"],
                                           in: fixture.scratch, environment: fixture.environment)
        let logged = try await agent.eventually { agent.log.contains("cannot lead") }
        let stopped = try await agent.stop()

        #expect(logged, "\(agent.log)")
        // Line 3 of kvctl.yaml (after `name:` and `environments:`), `colour` at column 58, counted by hand.
        #expect(stopped.standardError.contains(#""error":"kvctl.yaml:3:58: error: unknown environment setting 'colour'"#), "\(stopped.standardError)")
        #expect(stopped.standardError.contains(#""retry_in":"#), "\(stopped.standardError)")
        #expect(stopped.status == 0)
    }
}
}
