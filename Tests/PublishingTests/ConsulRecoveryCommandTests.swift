#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
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

    static func values(_ label: String) -> [String: String] {
        Dictionary(uniqueKeysWithValues: (0..<keys).map { ("config/svc/k\($0)", "\(label)-\($0)") })
    }

    /// v1.0.0 and v1.1.0 of 120 keys, every value different, in transactions of 8 operations.
    init() async throws {
        fixture = try await offPool {
            let fixture = try FixtureRepository()
            try fixture.write("kvctl.yaml", "name: settings\ntransaction: {max-operations: 8}\n")
            for (version, label) in [("v1.0.0", "a"), ("v1.1.0", "b")] {
                let entries = Self.values(label).sorted { $0.key < $1.key }.map { "  - key: \($0.key)\n    value: \($0.value)\n" }
                try fixture.write("kv/app.yaml", "config:\n" + entries.joined())
                try fixture.commitAll()
                try fixture.git("tag", "-a", version, "-m", "release")
            }
            return fixture
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
        #expect(loser.standardError.contains("(pid "))
        #expect(loser.standardError.contains(" since "))
        #expect(values == Self.values("a") || values == Self.values("b"), "one version whole, nothing interleaved")
    }

    /// A key of the first transaction, one of a later transaction (found by the write-access check
    /// before anything is written), and the meta prefix (where the lock is taken first).
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
        let start = ContinuousClock.now
        let (url, environment) = (fixture.url, environment)
        let result = try await offPool { try kvctl(["status", "--consul", "http://127.0.0.1:9"], in: url, environment: environment) }
        #expect(result.status == 1)
        #expect(result.standardError.contains("cannot reach Consul at 127.0.0.1:9") || result.standardError.contains("http://127.0.0.1:9"),
                "\(result.standardError)")
        #expect(ContinuousClock.now - start < .seconds(20))
    }

    @Test func sigkillPartWayThenResumeOrRollbackLeavesOneVersionExactly() async throws {
        let double = try await ConsulDouble.start()
        #expect(try await run(["publish", "1.0.0", "--yes"], double).status == 0)
        double.faults.delayResponses(by: .milliseconds(3))
        var failures: [String] = []
        for trial in 0..<3 {
            let target = trial % 2 == 0 ? "1.1.0" : "1.0.0"
            let process = Process()
            process.executableURL = URL(fileURLWithPath: kvctlBinary())
            process.arguments = ["publish", target, "--yes", "--force", "--consul", double.baseURL]
            process.currentDirectoryURL = fixture.url
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            try await Task.sleep(for: .milliseconds(Int.random(in: 150...500)))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if try await run(["status"], double).status == 3 {
                let recovery = try await run(trial % 2 == 0 ? ["publish", "--resume", "--yes"] : ["rollback", "--yes"], double)
                if recovery.status != 0 { failures.append("trial \(trial): \(recovery.standardError)") }
            }
            let values = live(double)
            if values != Self.values("a") && values != Self.values("b") { failures.append("trial \(trial): a mixed state") }
            if try await run(["status"], double).status != 0 { failures.append("trial \(trial): status not clean") }
        }
        try await double.stop()
        #expect(failures.isEmpty, "\(failures)")
    }
}
