import ConsulDouble
import ConsulKit
import Foundation
import Publishing
import Testing
import TestSupport

/// `kvctl promote`: the real binary, a real repository whose pins are real commits, and two Consul
/// doubles as two environments (staging with two datacenters, prod).
@Suite struct PromoteCommand {
    let fixture: FixtureRepository
    let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CONSUL_") }

    /// v1.0.0 and v1.1.0, setting config/app/port to 1 and 2.
    init() async throws {
        fixture = try await offPool { try portReleases(["v1.0.0", "v1.1.0"]) }
    }

    private func commit(_ settings: String) async throws {
        let fixture = fixture
        try await offPool {
            try fixture.write("kvctl.yaml", settings)
            try fixture.commitAll("pins")
        }
    }

    private func run(_ arguments: [String]) async throws -> ProcessResult {
        let (directory, environment) = (fixture.url, environment)
        return try await offPool { try kvctl(arguments, in: directory, environment: environment) }
    }

    private func git(_ arguments: String...) async throws -> String {
        let directory = fixture.url
        return try await offPool { try TestSupport.run("/usr/bin/env", ["git"] + arguments, in: directory).standardOutput }
    }

    private func fileText() throws -> String {
        try String(contentsOf: fixture.url.appendingPathComponent("kvctl.yaml"), encoding: .utf8)
    }

    /// Publishes v1.0.0 then v1.1.0 (their one key each) in `datacenter` of `double`, with publication
    /// dates long past (the helpers' requests are dated 2025-01-01): v1.1.0 live there since then.
    private func publishLongAgo(_ double: ConsulDouble, datacenter: String) async throws {
        let configuration = try ConsulConfiguration.fromEnvironment([:], overrides: .init(address: double.baseURL, datacenter: datacenter))
        try await ConsulClient.withClient(configuration) { client in
            _ = try await publish(request("1.0.0", ["config/app/port": "1"]), to: client)
            _ = try await publish(request("1.1.0", ["config/app/port": "2"]), to: client)
        }
    }

    /// Comments, odd indentation, quoting and a flow sequence, all of which must survive the edit.
    private func settings(staging: String, prod: String) -> String {
        """
        # Which release runs where: promotion edits one line of this file.
        name: settings   # the name in the store
        environments:
           staging:     # two datacenters, dc1 is the canary
                address: '\(staging)'
                datacenters: [dc1,  dc2]
                version: v1.1.0
           prod:
                address: "\(prod)"    # the real one
                after:   staging
                soak: 30m
                version:   "v1.0.0"   # pinned by hand

        """
    }

    @Test func gatesRefuseThenAHealKeepsTheSoakClockAndTheCommitChangesOneScalar() async throws {
        let staging = try await ConsulDouble.start(DoubleOptions(remoteDatacenters: ["dc2": ["dc2-server-1"]]))
        let prod = try await ConsulDouble.start()
        let original = settings(staging: staging.baseURL, prod: prod.baseURL)
        try await commit(original)
        let notLive = try await run(["promote", "1.1.0", "--to", "prod"])

        let synced = try await run(["sync", "--env", "staging", "--yes"])
        let fresh = try await run(["promote", "v1.1.0", "--to", "prod"])

        // v1.0.0 in between: the soak counts from the publication after it, not from the sync's.
        try await publishLongAgo(staging, datacenter: "dc1")
        try await publishLongAgo(staging, datacenter: "dc2")
        staging.seed(["config/app/port": "9"]) // changed by hand in dc1
        let drifted = try await run(["promote", "1.1.0", "--to", "prod"])
        let forcedDryRun = try await run(["promote", "1.1.0", "--to", "prod", "--force", "--dry-run"])
        let headBefore = try await git("rev-parse", "HEAD")

        let healed = try await run(["publish", "1.1.0", "--env", "staging", "--datacenter", "dc1", "--force", "--yes"])
        let promoted = try await run(["promote", "1.1.0", "--to", "prod"])
        let message = try await git("log", "-1", "--format=%an <%ae>%n%B")
        let parent = try await git("rev-parse", "HEAD~1")
        let porcelain = try await git("status", "--porcelain")
        let committed = try await git("show", "HEAD:kvctl.yaml")
        let again = try await run(["promote", "1.1.0", "--to", "prod"])
        try await staging.stop()
        try await prod.stop()

        #expect(notLive.status == 1, "\(notLive.standardError)")
        #expect(notLive.standardError.contains("gate after staging, staging dc1: FAILED: nothing is published there as 'settings'"),
                "\(notLive.standardError)")
        #expect(notLive.standardError.contains("gate soak 30m, staging dc2: FAILED: v1.1.0 is not live there"))
        #expect(notLive.standardError.contains("not promoting v1.1.0 to prod: 4 gates failed; kvctl promote --force overrides them"))

        #expect(synced.status == 0, "\(synced.standardError)")
        #expect(fresh.status == 1)
        #expect(fresh.standardError.contains("gate after staging, staging dc2: passed: v1.1.0 is live and in sync"), "\(fresh.standardError)")
        #expect(fresh.standardError.contains("short of the soak"), "published just now: \(fresh.standardError)")

        #expect(drifted.status == 1)
        #expect(drifted.standardError.contains("gate after staging, staging dc1: FAILED: 1 key differs from what v1.1.0 published (~ config/app/port (changed))"),
                "\(drifted.standardError)")
        #expect(drifted.standardError.contains("gate soak 30m, staging dc1: passed: live there since 2025-01-01T00:00:00Z"))
        #expect(forcedDryRun.status == 0, "\(forcedDryRun.standardError)")
        #expect(forcedDryRun.standardOutput.contains("Gates after staging: FAILED, promoted anyway with --force:"), "\(forcedDryRun.standardOutput)")
        #expect(forcedDryRun.standardOutput.contains("-        version:   \"v1.0.0\"   # pinned by hand\n"
            + "+        version:   \"v1.1.0\"   # pinned by hand\n"))

        #expect(healed.status == 0, "\(healed.standardError)")
        #expect(promoted.status == 0, "the heal did not restart the soak clock: \(promoted.standardError)")
        #expect(parent == headBefore, "one commit on top of HEAD")
        #expect(message.hasPrefix("Fixture Tagger <fixture@example.com>\nPromote v1.1.0 to prod\n\nprod: version v1.0.0 -> v1.1.0\n"), "\(message)")
        #expect(message.contains("Gates after staging: passed\n- after staging, staging dc1: passed: v1.1.0 is live and in sync\n"))
        #expect(message.contains("- soak 30m, staging dc1: passed: live there since 2025-01-01T00:00:00Z"), "\(message)")
        let expected = original.replacingOccurrences(of: "\"v1.0.0\"", with: "\"v1.1.0\"")
        #expect(committed == expected, "only the pin's scalar changed")
        #expect(try fileText() == expected, "the working tree has the commit's file")
        #expect(porcelain.isEmpty, "nothing left to commit: \(porcelain)")
        #expect(again.status == 0)
        #expect(again.standardError.contains("environment 'prod' already pins v1.1.0; nothing to commit"), "\(again.standardError)")
    }

    /// Failed gates overridden: the commit is made all the same, and its message keeps the verdicts.
    @Test func forceCommitsThePinWithTheFailedGatesInItsMessage() async throws {
        let staging = try await ConsulDouble.start(DoubleOptions(remoteDatacenters: ["dc2": ["dc2-server-1"]]))
        let prod = try await ConsulDouble.start()
        let original = settings(staging: staging.baseURL, prod: prod.baseURL)
        try await commit(original)
        let headBefore = try await git("rev-parse", "HEAD")
        let forced = try await run(["promote", "1.1.0", "--to", "prod", "--force"])
        let parent = try await git("rev-parse", "HEAD~1")
        let message = try await git("log", "-1", "--format=%B")
        let committed = try await git("show", "HEAD:kvctl.yaml")
        try await staging.stop()
        try await prod.stop()

        #expect(forced.status == 0, "\(forced.standardError)")
        #expect(parent == headBefore, "one commit on top of HEAD")
        #expect(message.hasPrefix("Promote v1.1.0 to prod\n\nprod: version v1.0.0 -> v1.1.0\n"), "\(message)")
        #expect(message.contains("Gates after staging: FAILED, promoted anyway with --force:"), "\(message)")
        #expect(message.contains("\n- after staging, staging dc1: FAILED: nothing is published there as 'settings'\n"), "\(message)")
        #expect(committed == original.replacingOccurrences(of: "\"v1.0.0\"", with: "\"v1.1.0\""), "only the pin's scalar changed")
        #expect(try fileText() == committed, "the working tree has the commit's file")
    }

    @Test func aMissingVersionIsAddedInTheBlockWhileTracksAndDirtyTreesAreRefused() async throws {
        let original = """
            name: settings
            environments:
              dev:   {address: 'http://127.0.0.1:1', track: "1.x"}
              qa:
                  address: http://127.0.0.1:1 # no gate
                  datacenters:
                    - dc1
            # the end

            """
        try await commit(original)
        let tracking = try await run(["promote", "1.0.0", "--to", "dev"])
        let unknown = try await run(["promote", "1.0.0", "--to", "nowhere"])
        let noRelease = try await run(["promote", "3.0.0", "--to", "qa"])
        let fixture = fixture
        try await offPool { try fixture.write("kvctl.yaml", original + "# edited\n") }
        let dirty = try await run(["promote", "1.0.0", "--to", "qa"])
        try await offPool { try fixture.write("kvctl.yaml", original) }
        let added = try await run(["promote", "1.0.0", "--to", "qa"])
        let committed = try await git("show", "HEAD:kvctl.yaml")

        #expect(tracking.status == 1)
        #expect(tracking.standardError.contains("environment 'dev' follows track 1.x"), "\(tracking.standardError)")
        #expect(unknown.status == 2)
        #expect(unknown.standardError.contains("no environment 'nowhere' in kvctl.yaml; it defines dev, qa"), "\(unknown.standardError)")
        #expect(noRelease.status == 2, "\(noRelease.standardError)")
        #expect(dirty.status == 1)
        #expect(dirty.standardError.contains("uncommitted changes"), "\(dirty.standardError)")
        #expect(added.status == 0, "\(added.standardError)")
        #expect(added.standardError.contains("committed"), "\(added.standardError)")
        #expect(committed == original.replacingOccurrences(of: "    - dc1\n", with: "    - dc1\n      version: v1.0.0\n"), "\(committed)")
    }
}
