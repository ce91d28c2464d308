import Foundation
import LocalStore
import Publishing
import Testing
import TestSupport

/// The real `kvctl status` and `kvctl rollback`, and publish's drift refusal, against the local store.
@Suite struct RollbackCommand {
    let fixture: FixtureRepository
    let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CONSUL_") }

    /// v1.0.0 and v1.1.0, both published.
    init() async throws {
        let environment = environment
        fixture = try await offPool {
            let fixture = try FixtureRepository()
            try fixture.write("kvctl.yaml", "name: settings\nprune: ['cache/']\n")
            try fixture.write("kv/app.yaml", "config:\n  - key: config/app/port\n    value: 8080\n  - key: config/app/old\n    value: going\n")
            try fixture.commitAll()
            try fixture.git("tag", "-a", "v1.0.0", "-m", "release")
            try fixture.write("kv/app.yaml", "config:\n  - key: config/app/port\n    value: 9090\n  - key: config/app/new\n    value: here\n")
            try fixture.commitAll()
            try fixture.git("tag", "-a", "v1.1.0", "-m", "release")
            for version in ["1.0.0", "1.1.0"] {
                let result = try kvctl(["publish", version, "--yes"], in: fixture.url, environment: environment)
                guard result.status == 0 else { throw FixtureError(result.standardError) }
            }
            return fixture
        }
    }

    private func run(_ arguments: [String]) async throws -> ProcessResult {
        let (directory, environment) = (fixture.url, environment)
        return try await offPool { try kvctl(arguments, in: directory, environment: environment) }
    }

    /// A write outside kvctl.
    private func edit(_ operations: [StoreOperation]) async throws {
        try await LocalStore(repositoryRoot: fixture.url).apply(operations)
    }

    private func liveValues() async throws -> [String: String] {
        let entries = try await LocalStore(repositoryRoot: fixture.url).entries(under: "")
        return Dictionary(uniqueKeysWithValues: entries.filter { !$0.key.hasPrefix("kvctl/") }.map { ($0.key, String(decoding: $0.value, as: UTF8.self)) })
    }

    @Test func statusShowsTheLiveVersionAndHistoryInSync() async throws {
        let status = try await run(["status"])
        #expect(status.status == 0, "\(status.standardError)")
        #expect(status.standardOutput.hasPrefix("live: v1.1.0 (commit "))
        #expect(status.standardOutput.contains("published "))
        #expect(status.standardOutput.contains("by Fixture Tagger <fixture@example.com>"))
        #expect(status.standardOutput.contains("history:\n  v1.0.0 (commit "))
        #expect(status.standardOutput.hasSuffix("lock: free\ndrift: none\n"))
    }

    @Test func rollbackWithNoVersionReturnsToThePreviousOneAndSaysSoInTheHistory() async throws {
        let rolled = try await run(["rollback", "--yes"])
        #expect(rolled.status == 0, "\(rolled.standardError)")
        #expect(rolled.standardError.contains("kvctl: rolling back 'settings' from v1.1.0 to v1.0.0 in the local store .kvctl/"))
        #expect(rolled.standardError.contains("kvctl: rolled back to v1.0.0 in the local store .kvctl/ in 1 transaction"))
        #expect(try await liveValues() == ["config/app/port": "8080", "config/app/old": "going"])
        let status = try await run(["status", "--output", "json"])
        #expect(status.status == 0)
        let report = try #require(JSONSerialization.jsonObject(with: Data(status.output)) as? [String: Any])
        let live = try #require(report["live"] as? [String: Any])
        #expect(live["tag"] as? String == "v1.0.0")
        #expect(live["kind"] as? String == "rollback")
        #expect((report["history"] as? [[String: Any]])?.map { "\($0["tag"]!) \($0["kind"]!)" } == ["v1.1.0 publish", "v1.0.0 publish"])
        #expect(try await run(["status"]).standardOutput.contains("v1.0.0 (commit "))
    }

    @Test func aSecondRollbackDoesNotToggleForward() async throws {
        #expect(try await run(["rollback", "--yes"]).status == 0)
        let again = try await run(["rollback", "--yes"])
        #expect(again.status == 1)
        #expect(again.standardError.contains("v1.0.0 is the earliest publish of 'settings' the history keeps"))
        #expect(try await liveValues() == ["config/app/port": "8080", "config/app/old": "going"])
    }

    /// The lock names who holds it as git does, and the account never as `unknown`.
    @Test func theLockHolderIsGitsIdentityAndTheAccount() {
        let holder = LockHolder.current("publish v1.0.0", identity: "Ada <ada@example.com>")
        #expect(holder.description.hasPrefix("Ada <ada@example.com> (\(LockHolder.account), pid "))
        #expect(!LockHolder.account.hasPrefix("unknown@") && !LockHolder.account.hasPrefix("@"))
    }

    @Test func rollbackToANamedVersionAndUnknownOnes() async throws {
        #expect(try await run(["rollback", "1.0.0", "--plan"]).standardOutput.contains("- config/app/new"))
        #expect(try await run(["rollback", "v1.0.0", "--yes"]).status == 0)
        #expect(try await run(["rollback", "1.1.0", "--yes"]).status == 0)
        #expect(try await liveValues() == ["config/app/port": "9090", "config/app/new": "here"])
        let unknown = try await run(["rollback", "0.9.0"])
        #expect(unknown.status == 2)
        #expect(unknown.standardError.contains("no release tag v0.9.0; the releases are v1.0.0, v1.1.0"))
    }

    @Test func rollbackRefusesAVersionThatDoesNotValidate() async throws {
        try fixture.write("kv/app.yaml", "config:\n  - key: config//bad\n    value: 1\n")
        try fixture.commitAll()
        try fixture.git("tag", "-a", "v0.5.0", "-m", "broken")
        let refused = try await run(["rollback", "0.5.0", "--yes"])
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("refusing to publish v0.5.0: its content does not validate"))
        #expect(refused.standardError.contains("kv/app.yaml:2:10: error: invalid key 'config//bad'"))
    }

    @Test func driftExitsThreeAndPublishRefusesItWithoutForce() async throws {
        try await edit([.set(key: "config/app/port", value: Array("7070".utf8), flags: 0), .set(key: "cache/stray", value: [], flags: 0)])
        let status = try await run(["status"])
        #expect(status.status == 3)
        #expect(status.standardOutput.contains("""
            drift: 2 keys changed outside kvctl since v1.1.0 was published:
              + cache/stray (added under a prune: prefix)
              ~ config/app/port (changed)
            """))
        let refused = try await run(["rollback", "--yes"])
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("refusing to roll back to v1.0.0: 2 keys it would overwrite changed outside kvctl since v1.1.0 was published:"))
        #expect(refused.standardError.contains("  ~ config/app/port (changed)"))
        #expect(refused.standardError.contains("kvctl rollback --force overwrites them"))
        #expect(try await liveValues()["config/app/port"] == "7070", "nothing was written")
        // Both keys it deletes (config/app/new, and cache/stray by prune) are more than the delete guard's 1 of 2.
        let forced = try await run(["rollback", "--yes", "--force", "--allow-deletes", "2"])
        #expect(forced.status == 0, "\(forced.standardError)")
        #expect(try await liveValues() == ["config/app/port": "8080", "config/app/old": "going"])
        #expect(try await run(["status"]).status == 0)
    }

    @Test func aDeletedOwnedKeyIsDriftForPublishToo() async throws {
        try await edit([.delete(key: "config/app/new")])
        let status = try await run(["status", "--output", "json"])
        #expect(status.status == 3)
        #expect(status.standardOutput.contains("\"kind\" : \"deleted\""))
        try fixture.write("kv/app.yaml", "config:\n  - key: config/app/port\n    value: 9090\n  - key: config/app/new\n    value: back\n")
        try fixture.commitAll()
        try fixture.git("tag", "-a", "v1.2.0", "-m", "release")
        let refused = try await run(["publish", "1.2.0", "--yes"])
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("- config/app/new (deleted)"))
        #expect(refused.standardError.contains("kvctl publish --force overwrites them"))
        #expect(try await run(["publish", "1.2.0", "--yes", "--force"]).status == 0)
    }

    @Test func aJournalFromANewerKvctlIsRefused() async throws {
        try await edit([.set(key: "kvctl/settings/journal", value: Array("{\"format\":7}".utf8), flags: 0)])
        for arguments in [["status"], ["rollback", "--yes"], ["publish", "--resume", "--yes"]] {
            let result = try await run(arguments)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.standardError.contains("kvctl/settings/journal is a publish journal of format 7, written by a newer kvctl"), "\(arguments)")
        }
    }

    @Test func nothingToResumeAndTheLocalLockIsHeldMeanwhile() async throws {
        let resume = try await run(["publish", "--resume", "--yes"])
        #expect(resume.status == 1)
        #expect(resume.standardError.contains("nothing to resume: 'settings' has no incomplete publish"))
        let store = LocalStore(repositoryRoot: fixture.url)
        let held = try await PublishLock(store: store, key: "unused").acquire(as: LockHolder(holder: "ada@host", pid: 42, since: "2025-01-01T00:00:00Z", operation: "publish v9.0.0"),
                                                                               timeout: .zero)
        let blocked = try await run(["rollback", "--yes", "--lock-timeout", "0.3"])
        await held.release()
        #expect(blocked.status == 1)
        #expect(blocked.standardError.contains("another kvctl holds the lock kvctl/settings/lock: ada@host (pid 42, publish v9.0.0) since 2025-01-01T00:00:00Z"))
    }
}
