import ConsulDouble
import Foundation
import LocalStore
import Publishing
import Testing
import TestSupport

/// Eight keys as v1.0.0; `version(_:keys:)` tags others.
private func eightKeyFixture(_ settings: String = "name: settings\n") throws -> FixtureRepository {
    let fixture = try FixtureRepository()
    try fixture.write("kvctl.yaml", settings)
    try tag(fixture, "v1.0.0", keys: 8)
    return fixture
}

/// Commits `kv/app.yaml` with `config/app/k0` … and tags it.
private func tag(_ fixture: FixtureRepository, _ name: String, keys: Int, value: String = "1") throws {
    try fixture.write("kv/app.yaml", "config:\n" + (0..<keys).map { "  - key: config/app/k\($0)\n    value: \"\(value)\"\n" }.joined())
    try fixture.commitAll()
    try fixture.git("tag", "-a", name, "-m", name)
}

/// kvctl running in the background, for a test to act on while it runs; its stderr in the pipe.
private func started(_ arguments: [String], in fixture: FixtureRepository) throws -> SpawnedProcess {
    try SpawnedProcess(kvctlBinary(), arguments, in: fixture.url, environment: localEnvironment, timeout: 240)
}

/// Polls a running process's standard error until it holds `text` or the process ends.
func waitForStandardError(of process: SpawnedProcess, containing text: String) async throws -> String {
    let clock = ContinuousClock(), deadline = clock.now + .seconds(60)
    while !process.standardErrorSoFar.contains(text) && !process.hasExited && clock.now < deadline {
        try await Task.sleep(for: .milliseconds(20))
    }
    return process.standardErrorSoFar
}

private let localEnvironment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CONSUL_") && $0.key != "NO_COLOR" }

/// The CLI's safety rails against the local store: delete guard, exit codes, -C, colour, JSON keys, status.
@Suite struct PublishSafetyCommand {
    private func run(_ fixture: FixtureRepository, _ arguments: [String], environment: [String: String] = localEnvironment) throws -> ProcessResult {
        try kvctl(arguments, in: fixture.url, environment: environment)
    }

    @Test func theDeleteGuardRefusesMassDeletionsWithTheCountAndASample() throws {
        let fixture = try eightKeyFixture()
        try tag(fixture, "v2.0.0", keys: 3)
        #expect(try run(fixture, ["publish", "1.0.0", "--yes"]).status == 0)

        let refused = try run(fixture, ["publish", "2.0.0", "--yes"])
        #expect(refused.status == 1)
        #expect(refused.standardError.contains(
            "refusing to publish v2.0.0: it would delete 5 keys; the delete guard allows 2 (of the 8 keys 'settings' owns; delete-guard in kvctl.yaml)"))
        #expect(refused.standardError.contains("  - config/app/k3\n"))
        #expect(refused.standardError.contains("pass --allow-deletes 5 to delete them"))
        let short = try run(fixture, ["publish", "2.0.0", "--yes", "--allow-deletes", "4"])
        #expect(short.status == 1)
        #expect(short.standardError.contains("and --allow-deletes 4"))
        // Nothing was written by either refusal.
        #expect(try run(fixture, ["export", "--live"]).standardOutput.contains("config/app/k7"))

        let allowed = try run(fixture, ["publish", "2.0.0", "--yes", "--allow-deletes", "5"])
        #expect(allowed.status == 0, "\(allowed.standardError)")
        #expect(!(try run(fixture, ["export", "--live"])).standardOutput.contains("config/app/k7"))
    }

    @Test func aRollbackIsGuardedToo() throws {
        let fixture = try FixtureRepository()
        try fixture.write("kvctl.yaml", "name: settings\n")
        try tag(fixture, "v1.0.0", keys: 2)
        try tag(fixture, "v1.1.0", keys: 8)
        #expect(try run(fixture, ["publish", "1.0.0", "--yes"]).status == 0)
        #expect(try run(fixture, ["publish", "1.1.0", "--yes"]).status == 0)
        let refused = try run(fixture, ["rollback", "--yes"])
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("refusing to roll back to v1.0.0: it would delete 6 keys; the delete guard allows 2"))
        #expect(try run(fixture, ["rollback", "--yes", "--allow-deletes", "6"]).status == 0)
    }

    @Test func theGuardIsASettingOfTheTag() throws {
        let fixture = try eightKeyFixture()
        #expect(try run(fixture, ["publish", "1.0.0", "--yes"]).status == 0)
        try fixture.write("kvctl.yaml", "name: settings\ndelete-guard: {percent: 100, keys: 7}\n")
        try tag(fixture, "v2.0.0", keys: 1)
        let plan = try run(fixture, ["publish", "2.0.0", "--plan"])
        #expect(plan.status == 0)
        #expect(plan.standardOutput.contains("delete guard: it would delete 7 keys; the delete guard allows 7") == false)
        #expect(try run(fixture, ["publish", "2.0.0", "--yes"]).status == 0)

        try fixture.write("kvctl.yaml", "name: settings\ndelete-guard: {percent: 0}\n")
        try fixture.write("kv/app.yaml", "config:\n  - key: config/app/other\n    value: x\n")
        try fixture.commitAll()
        try fixture.git("tag", "-a", "v3.0.0", "-m", "v3.0.0")
        let none = try run(fixture, ["publish", "3.0.0", "--plan"])
        #expect(none.standardOutput.contains("delete guard: it would delete 1 key; the delete guard allows 0"))
        #expect(try run(fixture, ["publish", "3.0.0", "--yes"]).status == 1)
    }

    /// As terraform plan -detailed-exitcode: 0 no changes, 1 any error, 2 changes.
    @Test func underDetailedExitcodeEveryErrorIsOne() throws {
        let fixture = try eightKeyFixture()
        try tag(fixture, "v1.1.0", keys: 8, value: "2")
        let changes = try run(fixture, ["publish", "1.0.0", "--plan", "--detailed-exitcode"])
        #expect(changes.status == 2, "\(changes.standardError)")
        #expect(try run(fixture, ["publish", "1.0.0", "--yes"]).status == 0)
        #expect(try run(fixture, ["publish", "1.0.0", "--plan", "--detailed-exitcode"]).status == 0)
        #expect(try run(fixture, ["publish", "1.1.0", "--plan", "--detailed-exitcode"]).status == 2)

        let unknownTag = try run(fixture, ["publish", "9.9.9", "--plan", "--detailed-exitcode"])
        #expect(unknownTag.status == 1)
        #expect(unknownTag.standardError.contains("no release tag v9.9.9"))
        #expect(try run(fixture, ["publish", "1.0.0", "--plan", "--detailed-exitcode", "--bogus"]).status == 1)
        #expect(try run(fixture, ["publish", "--plan", "--detailed-exitcode"]).status == 1)
        #expect(try run(fixture, ["publish", "not-a-version", "--plan", "--detailed-exitcode"]).status == 1)
        #expect(try run(fixture, ["rollback", "9.9.9", "--plan", "--detailed-exitcode"]).status == 1)
        // Without it, usage errors keep their 2.
        #expect(try run(fixture, ["publish", "9.9.9", "--plan"]).status == 2)
    }

    @Test func dashCComesBeforeTheCommandToo() throws {
        let fixture = try eightKeyFixture()
        let elsewhere = FileManager.default.temporaryDirectory
        let before = try kvctl(["-C", fixture.path, "publish", "1.0.0", "--yes"], in: elsewhere, environment: localEnvironment)
        #expect(before.status == 0, "\(before.standardError)")
        let status = try kvctl(["-C", fixture.path, "status"], in: elsewhere, environment: localEnvironment)
        #expect(status.status == 0)
        #expect(status.standardOutput.contains("live: v1.0.0"))
        let twice = try kvctl(["-C", "/", "-C", fixture.path, "versions"], in: elsewhere, environment: localEnvironment)
        #expect(twice.standardOutput.hasPrefix("v1.0.0"), "the last -C wins")
        #expect(try kvctl(["-C", fixture.path, "hook", "install"], in: elsewhere).status == 0)
        #expect(FileManager.default.fileExists(atPath: fixture.url.appendingPathComponent(".git/hooks/pre-commit").path))
        #expect(try kvctl(["-C", fixture.path, "rules"], in: elsewhere).status == 0)
    }

    @Test func anUnknownCommandSuggestsTheNearest() throws {
        let fixture = try eightKeyFixture()
        let typo = try run(fixture, ["pubish", "1.0.0"])
        #expect(typo.status == 2)
        #expect(typo.standardError == "kvctl: error: unknown command 'pubish'; did you mean publish?\n")
        let far = try run(fixture, ["-C", ".", "frobnicate"])
        #expect(far.status == 2)
        #expect(far.standardError.contains("unknown command 'frobnicate'; the commands are ls, get, export"))
        #expect(try run(fixture, ["rollbak", "--plan", "--detailed-exitcode"]).status == 1)
    }

    @Test func jsonListsTheKeysOfEachKind() throws {
        let fixture = try eightKeyFixture()
        try fixture.write("kv/app.yaml", "config:\n  - key: config/app/k0\n    value: changed\n  - key: config/app/k1\n    value: \"1\"\n"
            + "  - key: config/app/new\n    value: here\n")
        try fixture.commitAll()
        try fixture.git("tag", "-a", "v2.0.0", "-m", "v2.0.0")
        #expect(try run(fixture, ["publish", "1.0.0", "--yes"]).status == 0)
        let plan = try run(fixture, ["publish", "2.0.0", "--plan", "--output", "json"])
        struct Report: Decodable {
            struct Keys: Decodable { let create: [String], update: [String], delete: [String] }
            let keys: Keys
            let create: Int
            let deleteLimit: Int?
        }
        let report = try JSONDecoder().decode(Report.self, from: Data(plan.output))
        #expect(report.keys.create == ["config/app/new"])
        #expect(report.keys.update == ["config/app/k0"])
        #expect(report.keys.delete == (2..<8).map { "config/app/k\($0)" })
        #expect(report.create == 1)
        #expect(report.deleteLimit == 2)
    }

    /// Colour only on a terminal (a pty from script(1)), and never with NO_COLOR or --no-color.
    @Test func noColorAndDashDashNoColorTurnColourOff() throws {
        let fixture = try eightKeyFixture()
        let escape = "\u{1B}["
        func onTerminal(_ arguments: String, noColor: Bool = false) throws -> String {
            var environment = localEnvironment
            if noColor { environment["NO_COLOR"] = "1" }
            let command = "'\(kvctlBinary())' \(arguments)"
            return try TestSupport.run("/usr/bin/script", ["-qec", command, "/dev/null"], in: fixture.url, environment: environment).standardOutput
        }
        let coloured = try onTerminal("publish 1.0.0 --plan")
        #expect(coloured.contains(escape + "32m+ config/app/k0"))
        #expect(!(try onTerminal("publish 1.0.0 --plan --no-color")).contains(escape))
        #expect(!(try onTerminal("publish 1.0.0 --plan", noColor: true)).contains(escape))
        try fixture.write("kv/bad.yaml", "config:\n  - key: config/bad\n    value: [unclosed\n")
        #expect(try onTerminal("validate").contains(escape))
        #expect(!(try onTerminal("validate --no-color")).contains(escape))
        #expect(!(try onTerminal("validate", noColor: true)).contains(escape))
    }

    @Test func statusSaysAPublishIsRunningWhileItsHolderLives() async throws {
        let fixture = try eightKeyFixture()
        #expect(try run(fixture, ["publish", "1.0.0", "--yes"]).status == 0)
        let store = LocalStore(repositoryRoot: fixture.url)
        let live = try await LiveStateReader(store: store, layout: MetaLayout(prefix: "kvctl/"), name: "settings").readRecords()
        let current = try #require(live.own?.record.current)
        var next = current
        next.tag = "v1.1.0"
        // Its target owns the same keys (the live record's chunks): nothing to write, nothing to delete.
        let journal = PublishJournal(name: "settings", from: current, to: next, owned: try #require(live.own?.record.owned), transactions: 4)
        try await store.apply([.set(key: "kvctl/settings/journal", value: journal.encoded(), flags: 0)])
        // This test process holds the lock: a live holder on this host.
        let held = try await store.tryLock("kvctl/settings/lock", as: .current("publish v1.1.0")).get()

        let running = try run(fixture, ["status"])
        #expect(running.status == 3)
        #expect(running.standardOutput.contains(
            "incomplete publish of v1.1.0 over v1.0.0 (4 transactions planned), 0 of 0 keys written so far: a publish is running (lock held by "))
        #expect(!running.standardOutput.contains("--resume"))
        let json = try run(fixture, ["status", "--output", "json"])
        #expect(json.standardOutput.contains("\"running\" : true"))
        let plan = try run(fixture, ["publish", "1.0.0", "--plan"])
        #expect(plan.status == 1)
        #expect(plan.standardError.contains("a publish is running (lock held by "))

        await held.release()
        let dead = try run(fixture, ["status"])
        #expect(dead.standardOutput.contains("(4 transactions planned), 0 of 0 keys written so far: kvctl publish --resume finishes it, "
            + "kvctl rollback returns to v1.0.0"))
    }
}

/// Planning without the lock, then waiting for it while another publisher moves the record.
@Suite struct LocklessPlanning {
    @Test func recordsMovedWhileWaitingForTheLockArePlannedAgain() async throws {
        let fixture = try eightKeyFixture()
        try tag(fixture, "v2.0.0", keys: 8, value: "2")
        #expect(try kvctl(["publish", "1.0.0", "--yes"], in: fixture.url, environment: localEnvironment).status == 0)
        let store = LocalStore(repositoryRoot: fixture.url)
        let held = try await store.tryLock("kvctl/settings/lock", as: .current("publish v1.1.0")).get()

        // A long --lock-timeout: on a loaded runner this test may resume late to release the lock.
        let process = try started(["publish", "2.0.0", "--yes", "--lock-timeout", "120"], in: fixture)
        // The lockless plan is made; kvctl now waits for the lock this test holds.
        let seen = try await waitForStandardError(of: process, containing: "waiting up to")
        #expect(seen.contains("waiting up to 120s for the lock kvctl/settings/lock"))
        // Another publisher's version goes live meanwhile: the record that plan read is stale.
        let others = Dictionary(uniqueKeysWithValues: (0..<8).map { ("config/app/k\($0)", "other") })
        _ = try await publish(request("1.1.0", others), to: store)
        await held.release()
        let finished = try await offPool { try process.wait() }
        #expect(finished.status == 0, "\(finished.standardError)")
        #expect(finished.standardError.contains("since the plan read it, nothing was written; planning again under the lock"))
        let status = try kvctl(["status"], in: fixture.url, environment: localEnvironment)
        #expect(status.standardOutput.contains("live: v2.0.0"))
        #expect(status.standardOutput.contains("  v1.1.0 "), "planned again over v1.1.0, which is in the history")
    }
}

/// The same against the Consul double, whose requests can be counted and slowed.
@Suite struct PublishSafetyConsul {
    @Test func aNoOpIsReadOnlyAndStillSeesDrift() async throws {
        let fixture = try eightKeyFixture()
        let double = try await ConsulDouble.start()
        let first = try await offPool { try kvctl(["publish", "1.0.0", "--yes", "--consul", double.baseURL], in: fixture.url, environment: localEnvironment) }
        #expect(first.status == 0, "\(first.standardError)")
        let before = double.requestCount
        let again = try await offPool { try kvctl(["publish", "1.0.0", "--yes", "--consul", double.baseURL], in: fixture.url, environment: localEnvironment) }
        #expect(again.status == 0)
        #expect(again.standardError.contains("nothing to publish: v1.0.0 is live as tagged (2 requests)"))
        let sent = double.recentRequests.filter { $0.number > before }
        #expect(sent.count == 2)
        #expect(sent.allSatisfy { $0.method == "GET" && $0.uri.hasPrefix("/v1/kv/") }, "\(sent.map(\.uri))")

        // A hand edit is still found by the lockless plan, and refused under the lock.
        double.seed(["config/app/k3": "edited by hand"])
        let drifted = try await offPool { try kvctl(["publish", "1.0.0", "--yes", "--consul", double.baseURL], in: fixture.url, environment: localEnvironment) }
        #expect(drifted.status == 1)
        #expect(drifted.standardError.contains("config/app/k3 (changed)"))
        try await double.stop()
    }

    @Test func ctrlCStopsAfterTheCurrentTransactionAndSaysHowToRecover() async throws {
        let fixture = try FixtureRepository()
        try fixture.write("kvctl.yaml", "name: settings\ntransaction: {max-operations: 4}\n")
        try tag(fixture, "v1.0.0", keys: 40)
        let double = try await ConsulDouble.start()
        // From the third transaction on, each is held 3 s by the double: the signal lands while one is
        // in flight however late a loaded test runner gets round to sending it.
        double.faults.stallTransactions(after: 2, for: .seconds(3))

        let process = try started(["publish", "1.0.0", "--yes", "--consul", double.baseURL], in: fixture)
        let clock = ContinuousClock(), deadline = clock.now + .seconds(60)
        while double.recentRequests.filter({ $0.uri.hasPrefix("/v1/txn") }).count < 3 && clock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        process.kill(SIGINT)
        let finished = try await offPool { try process.wait() }
        let stderr = finished.standardError
        double.faults.clear()
        #expect(finished.status == 130, "\(stderr)")
        #expect(stderr.contains("kvctl: interrupted: stopping after the current transaction"))
        let line = try #require(stderr.split(separator: "\n").first { $0.contains("interrupted (Ctrl-C): stopped after ") })
        #expect(line.contains("the journal marks it unfinished and the keys show how far it got: kvctl publish --resume finishes it, "
            + "kvctl rollback returns to the state before it"))
        let applied = double.recentRequests.filter { $0.uri.hasPrefix("/v1/txn") }.count
        #expect(line.contains("stopped after \(applied) of "), "every transaction sent was completed, none after the signal")

        let status = try await offPool { try kvctl(["status", "--consul", double.baseURL], in: fixture.url, environment: localEnvironment) }
        #expect(status.status == 3)
        // The keys the applied transactions wrote, counted in the store itself.
        let written = double.snapshot().filter { $0.key.hasPrefix("config/app/") }.count
        #expect(written > 0 && written < 40)
        #expect(status.standardOutput.contains(", \(written) of 40 keys written so far: "), "\(status.standardOutput)")
        #expect(status.standardOutput.contains("kvctl publish --resume finishes it"), "the lock was released, so no publish is running")
        let resumed = try await offPool { try kvctl(["publish", "--resume", "--yes", "--consul", double.baseURL], in: fixture.url, environment: localEnvironment) }
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(double.snapshot().filter { $0.key.hasPrefix("config/app/") }.count == 40)
        try await double.stop()
    }
}
