import ConsulDouble
import Foundation
import Testing
import TestSupport

/// `kvctl sync` and `kvctl status --env`: environments pinned in HEAD's kvctl.yaml, the real binary
/// against the Consul double (two datacenters where the test needs them).
@Suite struct EnvironmentCommand {
    let fixture: FixtureRepository
    let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CONSUL_") }

    /// v1.0.0, v1.1.0 and v1.2.0-rc.1, each setting config/app/port to its own value.
    init() async throws {
        fixture = try await offPool { try portReleases(["v1.0.0", "v1.1.0", "v1.2.0-rc.1"]) }
    }

    /// Commits `environments` (YAML lines under `environments:`) as HEAD's kvctl.yaml, after the tags.
    private func pin(_ environments: String) async throws {
        let fixture = fixture
        try await offPool {
            try fixture.write("kvctl.yaml", "name: settings\nenvironments:\n" + environments)
            try fixture.commitAll()
        }
    }

    private func run(_ arguments: [String]) async throws -> ProcessResult {
        let (directory, environment) = (fixture.url, environment)
        return try await offPool { try kvctl(arguments, in: directory, environment: environment) }
    }

    private func port(_ double: ConsulDouble, datacenter: String? = nil) -> String? {
        double.snapshot(datacenter: datacenter).first { $0.key == "config/app/port" }.map { String(decoding: $0.value, as: UTF8.self) }
    }

    private func liveJSON(_ result: ProcessResult) throws -> [String: Any] {
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        return try #require(report["live"] as? [String: Any], "\(result.standardOutput)")
    }

    @Test func syncPublishesThePinThenDoesNothingThenRollsBack() async throws {
        let double = try await ConsulDouble.start()
        try await pin("  prod: {address: '\(double.baseURL)', track: \"1.x\"}\n")
        let before = try await run(["status", "--env", "prod"])
        let synced = try await run(["sync", "--env", "prod", "--yes"])
        let published = port(double)
        let status = try await run(["status", "--env", "prod"])

        let requests = double.requestCount
        let again = try await run(["sync", "--env", "prod", "--yes"])
        let noOpRequests = double.recentRequests.filter { $0.number > requests }

        try await pin("  prod: {address: '\(double.baseURL)', version: v1.0.0}\n")
        let behind = try await run(["status", "--env", "prod"])
        let rolledBack = try await run(["sync", "--env", "prod", "--yes"])
        let record = try await run(["status", "--env", "prod", "--output", "json"])
        let restored = port(double)
        try await double.stop()

        #expect(before.status == 3, "nothing live yet, v1.1.0 pinned")
        #expect(before.standardOutput.contains("pinned: v1.1.0 (not live"), "\(before.standardOutput)")
        #expect(synced.status == 0, "\(synced.standardError)")
        #expect(synced.standardError.contains("prod pins v1.1.0 (track 1.x): publishing v1.1.0"), "\(synced.standardError)")
        #expect(published == "2", "the highest 1.x release, not the pre-release")
        #expect(status.status == 0, "\(status.standardOutput)")
        #expect(status.standardOutput.contains("pinned: v1.1.0 (live)"))

        #expect(again.status == 0, "\(again.standardError)")
        #expect(again.standardError.contains("nothing to publish: v1.1.0 is live as tagged"), "\(again.standardError)")
        #expect(!noOpRequests.contains { $0.method != "GET" }, "read-only: \(noOpRequests.map { "\($0.method) \($0.uri)" })")

        #expect(behind.status == 3)
        #expect(behind.standardOutput.contains("pinned: v1.0.0 (not live"), "\(behind.standardOutput)")
        #expect(rolledBack.status == 0, "\(rolledBack.standardError)")
        #expect(rolledBack.standardError.contains("rolling back from v1.1.0 to v1.0.0"), "\(rolledBack.standardError)")
        #expect(restored == "1")
        let live = try liveJSON(record)
        #expect(live["tag"] as? String == "v1.0.0")
        #expect(live["kind"] as? String == "rollback")
    }

    @Test func tracksResolveToTheHighestMatchingReleaseForEveryEnvironment() async throws {
        let double = try await ConsulDouble.start()
        try await pin("""
              beta: {address: '\(double.baseURL)', track: latest, pre: true}
              stable: {address: '\(double.baseURL)', track: latest}

            """)
        let all = try await run(["status", "--all"])
        try await pin("  old: {address: '\(double.baseURL)', track: \"0.x\"}\n")
        let nothing = try await run(["sync", "--env", "old", "--plan"])
        let unpinned = try await run(["sync"])
        try await double.stop()
        #expect(all.status == 3, "nothing is live")
        #expect(all.standardOutput.contains("pinned: v1.2.0-rc.1 (not live"), "\(all.standardOutput)")
        #expect(all.standardOutput.contains("pinned: v1.1.0 (not live"))
        #expect(nothing.status == 2)
        #expect(nothing.standardError.contains("no release matches environment 'old''s track 0.x; the releases are v1.0.0, v1.1.0, v1.2.0-rc.1"),
                "\(nothing.standardError)")
        #expect(unpinned.status == 2)
        #expect(unpinned.standardError.contains("--env NAME"))
    }

    @Test func eachDatacenterInTurnAndAFailureSaysWhereEachStands() async throws {
        let double = try await ConsulDouble.start(DoubleOptions(remoteDatacenters: ["dc2": ["dc2-server-1"]]))
        try await pin("  prod: {address: '\(double.baseURL)', datacenters: [dc1, dc2], version: v1.1.0}\n")
        let synced = try await run(["sync", "--env", "prod", "--yes"])
        let both = (port(double), port(double, datacenter: "dc2"))
        let status = try await run(["status", "--env", "prod"])
        let list = try await run(["export", "--live", "--env", "prod"])

        try await pin("  prod: {address: '\(double.baseURL)', datacenters: [dc1, dc2], version: v1.0.0}\n")
        let onlyDC2 = try await run(["sync", "--env", "prod", "--yes", "--datacenter", "dc2"])
        let split = (port(double), port(double, datacenter: "dc2"))
        let drifting = try await run(["status", "--env", "prod"])

        try await pin("  prod: {address: '\(double.baseURL)', datacenters: [dc1, dc3, dc2], version: v1.0.0}\n")
        let stopped = try await run(["sync", "--env", "prod", "--yes"])
        let after = (port(double), port(double, datacenter: "dc2"))
        try await double.stop()

        #expect(synced.status == 0, "\(synced.standardError)")
        #expect(both == ("2", "2"))
        #expect(status.status == 0, "\(status.standardOutput)")
        #expect(status.standardOutput.components(separatedBy: "pinned: v1.1.0 (live)").count == 3, "one report per datacenter")
        #expect(list.status == 2)
        #expect(list.standardError.contains("lists several datacenters (dc1, dc2); pass --datacenter"), "\(list.standardError)")

        #expect(onlyDC2.status == 0, "\(onlyDC2.standardError)")
        #expect(split == ("2", "1"), "--datacenter limits sync to one")
        #expect(drifting.status == 3, "dc1 runs v1.1.0, not the pinned v1.0.0")

        #expect(stopped.status != 0)
        #expect(stopped.standardError.contains("stopped at datacenter dc3: dc1 done, dc3 failed, dc2 not started"), "\(stopped.standardError)")
        #expect(after == ("1", "1"), "dc1 rolled back first; dc2 was already there, untouched")
    }

    /// --all reads every environment: one JSON array of every store's report, and a pin naming no
    /// release marked on its environment while the others are still shown; exit 2 after all of them.
    @Test func statusAllIsOneJSONArrayAndMarksAPinNamingNoRelease() async throws {
        let double = try await ConsulDouble.start(DoubleOptions(remoteDatacenters: ["dc2": ["dc2-server-1"]]))
        let qa = try await ConsulDouble.start()
        try await pin("""
              prod: {address: '\(double.baseURL)', datacenters: [dc1, dc2], version: v1.0.0}
              qa: {address: '\(qa.baseURL)', version: v1.0.0}

            """)
        let synced = try await run(["sync", "--env", "prod", "--yes"])
        let all = try await run(["status", "--all", "--output", "json"])
        try await pin("""
              old: {address: '\(double.baseURL)', track: "0.x"}
              prod: {address: '\(double.baseURL)', datacenters: [dc1, dc2], version: v1.0.0}

            """)
        let marked = try await run(["status", "--all"])
        let markedJSON = try await run(["status", "--all", "--output", "json"])
        try await double.stop()
        try await qa.stop()

        #expect(synced.status == 0, "\(synced.standardError)")
        #expect(all.status == 3, "qa runs nothing")
        let reports = try #require(try JSONSerialization.jsonObject(with: Data(all.standardOutput.utf8)) as? [[String: Any]],
                                   "one array: \(all.standardOutput)")
        #expect(reports.map { $0["environment"] as? String } == ["prod", "prod", "qa"])
        #expect(reports.map { ($0["live"] as? [String: Any])?["tag"] as? String } == ["v1.0.0", "v1.0.0", nil])

        #expect(marked.status == 2, "\(marked.standardError)")
        #expect(marked.standardOutput.contains("pinned: no release: no release matches environment 'old''s track 0.x"), "\(marked.standardOutput)")
        #expect(marked.standardOutput.components(separatedBy: "pinned: v1.0.0 (live)").count == 3, "prod is still shown, in both datacenters")
        #expect(marked.standardError.contains("kvctl: error: no release matches environment 'old''s track 0.x"))
        let markedReports = try #require(try JSONSerialization.jsonObject(with: Data(markedJSON.standardOutput.utf8)) as? [[String: Any]])
        #expect(markedReports.count == 3)
        #expect((markedReports.first?["pinProblem"] as? String)?.contains("track 0.x") == true)
    }

    /// log --env: each datacenter's records and the pin commits, newest first, as git log reads.
    @Test func logShowsWhatWasLiveAndPinnedWhenNewestFirst() async throws {
        let double = try await ConsulDouble.start()
        let fixture = fixture
        try await offPool {
            try fixture.write("kvctl.yaml", "name: settings\nenvironments:\n  prod: {address: '\(double.baseURL)', datacenters: [dc1], version: v1.0.0}\n")
            try fixture.git("add", "-A")
            try fixture.git("commit", "-q", "-m", "pin prod to v1.0.0", "--date", "2020-01-02T03:04:05Z")
        }
        let synced = try await run(["sync", "--env", "prod", "--yes"])
        let published = try await run(["publish", "1.1.0", "--env", "prod", "--yes"])
        let rolledBack = try await run(["rollback", "--env", "prod", "--yes"])
        let promoted = try await run(["promote", "1.1.0", "--to", "prod"])
        let json = try await run(["log", "--env", "prod", "--output", "json"])
        let text = try await run(["log", "--env", "prod"])
        try await double.stop()

        #expect([synced, published, rolledBack, promoted].allSatisfy { $0.status == 0 }, "\(promoted.standardError)")
        #expect(json.status == 0, "\(json.standardError)")
        let events = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [[String: Any]])
        let lines = events.map { "\($0["kind"] as? String ?? "?") \($0["version"] as? String ?? "?") \($0["datacenter"] as? String ?? "-")" }
        #expect(lines == ["promote v1.1.0 -", "rollback v1.0.0 dc1", "publish v1.1.0 dc1", "sync v1.0.0 dc1", "promote v1.0.0 -"], "\(lines)")
        #expect(events.last?["when"] as? String == "2020-01-02T03:04:05Z")
        #expect(events.last?["who"] as? String == "Fixture Tagger <fixture@example.com>")
        #expect(events.first?["note"] as? String == "Promote v1.1.0 to prod")
        #expect(text.standardOutput.contains("v1.0.0 promote (commit "), "\(text.standardOutput)")
        #expect(text.standardOutput.contains("Author: Fixture Tagger <fixture@example.com>\nDate:   2020-01-02T03:04:05Z\n\n    pin prod to v1.0.0\n"))
    }

    /// publish and its plan go to every datacenter too; --detailed-exitcode shows each plan, then exits 2.
    @Test func publishPlansEveryDatacenterBeforeExiting2() async throws {
        let double = try await ConsulDouble.start(DoubleOptions(remoteDatacenters: ["dc2": ["dc2-server-1"]]))
        try await pin("  prod: {address: '\(double.baseURL)', datacenters: [dc1, dc2]}\n")
        let planned = try await run(["publish", "1.0.0", "--env", "prod", "--plan", "--detailed-exitcode"])
        let published = try await run(["publish", "1.0.0", "--env", "prod", "--yes"])
        let ports = (port(double), port(double, datacenter: "dc2"))
        try await double.stop()
        #expect(planned.status == 2, "\(planned.standardError)")
        #expect(planned.standardError.components(separatedBy: "kvctl: publishing v1.0.0 as 'settings' to").count == 3, "\(planned.standardError)")
        #expect(published.status == 0, "\(published.standardError)")
        #expect(ports == ("1", "1"))
    }
}
