#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import TestSupport

/// SIGKILL part-way through a publish to the local store: the kernel drops the dead process's
/// `flock` on `.kvctl/publish.lock`, and the journal lets `--resume` or `rollback` finish the job.
@Suite struct LocalRecoveryCommand {
    let fixture: FixtureRepository
    let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CONSUL_") }
    /// Enough transactions (about 140 of 8 operations) that the publish is still running when the test sees its journal.
    static let keys = 1_000

    static func values(_ label: String) -> [String: String] { killTestValues(label, keys: keys) }

    init() throws {
        fixture = try killTestFixture(keys: Self.keys)
    }

    private func run(_ arguments: [String]) async throws -> ProcessResult {
        let (directory, environment) = (fixture.url, environment)
        return try await offPool { try kvctl(arguments, in: directory, environment: environment) }
    }

    private var storeFile: URL { fixture.url.appendingPathComponent(".kvctl/store.json") }

    private func storeText() -> String { (try? String(contentsOf: storeFile, encoding: .utf8)) ?? "" }

    private func live() -> [String: String] {
        let file = (try? JSONSerialization.jsonObject(with: Data(storeText().utf8))) as? [String: Any]
        var values: [String: String] = [:]
        for entry in file?["entries"] as? [[String: Any]] ?? [] {
            guard let key = entry["key"] as? String, !key.hasPrefix("kvctl/"),
                  let value = (entry["value"] as? String).flatMap({ Data(base64Encoded: $0) }) else { continue }
            values[key] = String(decoding: value, as: UTF8.self)
        }
        return values
    }

    /// Kills a publish of `target` between two of its transactions. The test holds `store.lock`
    /// (LocalStore's per-write lock) and lets go of it only for a moment at a time, so the publisher
    /// advances a transaction or so per step and is frozen, waiting for the lock, whenever the test
    /// looks; it dies as soon as its journal is there. Returns whether it was (false: it ended first).
    private func killPartWay(_ target: String) async throws -> Bool {
        let lock = open(fixture.url.appendingPathComponent(".kvctl/store.lock").path, O_CREAT | O_RDWR, 0o644)
        try #require(lock >= 0)
        defer { close(lock) }
        try #require(flock(lock, LOCK_EX) == 0)
        let publisher = try SpawnedProcess(kvctlBinary(), ["publish", target, "--yes", "--force"], in: fixture.url,
                                           environment: environment, timeout: 120)
        let journalLine = "\"key\":\"kvctl/settings/journal\""
        // On a thread of its own, not the cooperative pool: a loaded test runner must not leave the
        // lock free (and the publisher running) for seconds while this loop waits to be resumed.
        let interrupted = try await offPool { () -> Bool in
            let ceiling = Date().addingTimeInterval(100)
            while !publisher.hasExited && Date() < ceiling {
                if storeText().contains(journalLine) { return true }
                flock(lock, LOCK_UN)
                usleep(2_000)
                flock(lock, LOCK_EX)
            }
            return false
        }
        publisher.kill()
        let killed = try await offPool { try publisher.wait() }
        flock(lock, LOCK_UN)
        #expect(!interrupted || killed.status == 128 + SIGKILL, "\(killed.standardError)")
        return interrupted
    }

    @Test func sigkillPartWayThenResumeOrRollbackLeavesOneVersionExactly() async throws {
        #expect(try await run(["publish", "1.0.0", "--yes"]).status == 0)
        var interruptedTrials = 0
        for (target, recovery) in [("1.1.0", ["publish", "--resume", "--yes"]), ("1.1.0", ["rollback", "--yes"])] {
            guard try await killPartWay(target) else { continue }
            interruptedTrials += 1
            let status = try await run(["status"])
            #expect(status.status == 3)
            #expect(status.standardOutput.contains("incomplete publish of v\(target) over v1.0.0"), "\(status.standardOutput)")
            // The kernel dropped the dead publisher's flock: nobody waits for it, and a plain publish
            // gets as far as refusing the unfinished one.
            let plain = try await run(["publish", target, "--yes", "--force", "--lock-timeout", "0"])
            #expect(plain.status == 1)
            #expect(plain.standardError.contains("incomplete publish of v\(target) over v1.0.0"), "\(plain.standardError)")
            let recovered = try await run(recovery + ["--lock-timeout", "0"])
            #expect(recovered.status == 0, "\(recovered.standardError)")
            #expect(live() == Self.values(recovery[0] == "rollback" ? "a" : "b"))
            #expect(try await run(["status"]).status == 0)
            if recovery[0] != "rollback" { #expect(try await run(["rollback", "1.0.0", "--yes"]).status == 0) }
        }
        #expect(interruptedTrials > 0, "at least one trial killed the publish part-way")
    }
}
