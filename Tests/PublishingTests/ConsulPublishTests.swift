import ConsulDouble
import ConsulKit
import Foundation
import KVCore
import Publishing
import Testing
import TestSupport

/// Publishing through ConsulKit into the Consul double.
@Suite struct ConsulPublish {
    /// Runs `body` with a double and a client of it, stopping both afterwards.
    private func withConsul(_ body: (ConsulDouble, Publisher) async throws -> Void) async throws {
        let double = try await ConsulDouble.start()
        let outcome: Result<Void, any Error>
        do {
            let configuration = try ConsulConfiguration.fromEnvironment([:], overrides: .init(address: double.baseURL))
            try await ConsulClient.withClient(configuration) { client in
                try await body(double, Publisher(store: client, settings: PublishSettings()))
            }
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        try await double.stop()
        try outcome.get()
    }

    private func transactions(_ double: ConsulDouble, after number: Int = 0) -> Int {
        double.recentRequests.filter { $0.number > number && $0.uri.hasPrefix("/v1/txn") }.count
    }

    @Test func endsWithExactlyTheKeysAndFlagsExpected() async throws {
        try await withConsul { double, publisher in
            double.seed(["config/unrelated": "someone else's"])
            let dashboard = String(repeating: "{\"panels\": []}", count: 15_000)
            let keys = ["config/a": "1", "config/b": "", "grafana/big-1": dashboard, "grafana/big-2": dashboard + " ", "grafana/big-3": dashboard]
            try await publisher.apply(try await publisher.plan(request("1.0.0", keys)))
            var expected = keys
            expected["config/a"] = "2"
            expected["config/b"] = nil
            try await publisher.apply(try await publisher.plan(request("1.1.0", expected)))

            let live = Dictionary(uniqueKeysWithValues: double.snapshot().map { ($0.key, $0) })
            let published = live.keys.filter { !$0.hasPrefix("kvctl/") }.sorted()
            #expect(published == ["config/a", "config/unrelated", "grafana/big-1", "grafana/big-2", "grafana/big-3"])
            #expect(live["config/a"]?.flags == flags("1.1.0"))
            #expect(live["grafana/big-1"]?.flags == flags("1.0.0"))
            #expect(live["config/unrelated"]?.flags == 0)
            #expect(live["grafana/big-2"]?.value == Array((dashboard + " ").utf8))
            #expect(live["kvctl/settings/record"]?.flags == flags("1.1.0"))
        }
    }

    @Test func aOneKeyChangeIsOneWriteTransaction() async throws {
        try await withConsul { double, publisher in
            var keys = Dictionary(uniqueKeysWithValues: (0..<1000).map { ("config/service-\($0 / 10)/k\($0)", "\($0)") })
            try await publisher.apply(try await publisher.plan(request("1.0.0", keys)))
            let before = double.requestCount
            keys["config/service-7/k70"] = "changed"
            try await publisher.apply(try await publisher.plan(request("1.0.1", keys)))
            #expect(transactions(double, after: before) == 1)
            #expect(double.requestCount - before == 3, "two recursive reads and one transaction")
        }
    }

    @Test func aConcurrentChangeAbortsAndNothingIsHalfWritten() async throws {
        try await withConsul { double, publisher in
            try await publisher.apply(try await publisher.plan(request("1.0.0", ["config/a": "1", "config/b": "1"])))
            let plan = try await publisher.plan(request("1.1.0", ["config/a": "2", "config/b": "2"]))
            double.seed(["config/b": "edited by hand"])
            let error = await #expect(throws: PublishAborted.self) { try await publisher.apply(plan) }
            let message = try #require(error?.description)
            #expect(message.contains("config/b changed in the store after the plan read it"))
            #expect(message.contains("nothing was written"))
            let live = Dictionary(uniqueKeysWithValues: double.snapshot().map { ($0.key, String(decoding: $0.value, as: UTF8.self)) })
            #expect(live["config/a"] == "1")
            #expect(live["config/b"] == "edited by hand")
            let record = try VersionRecord.decode(Array(try #require(live["kvctl/settings/record"]).utf8), key: "record")
            #expect(record.current.tag == "v1.0.0")
        }
    }

    /// README: "The probe costs one request when ACLs are off, and one request per transaction when
    /// they are on." Off, Consul answers `GET /v1/acl/token/self` with 401 "ACL support disabled"
    /// (hashicorp/consul agent/acl_endpoint_test.go checks it for every ACL endpoint, ACLTokenSelf included).
    @Test(arguments: [false, true]) func theWriteAccessProbeCost(aclsOn: Bool) async throws {
        let token = "probe-cost-token"
        let double = try await ConsulDouble.start(aclsOn ? DoubleOptions(token: token) : DoubleOptions())
        var environment = ["CONSUL_HTTP_ADDR": double.baseURL]
        if aclsOn { environment["CONSUL_HTTP_TOKEN"] = token }
        let configuration = try ConsulConfiguration.fromEnvironment(environment)
        try await ConsulClient.withClient(configuration) { client in
            let publisher = Publisher(store: client, settings: PublishSettings(limits: TransactionLimits(maxOperations: 4)))
            let plan = try await publisher.plan(request("1.0.0", Dictionary(uniqueKeysWithValues: (0..<10).map { ("config/k\($0)", "\($0)") })))
            #expect(plan.transactions.count > 1)
            let before = double.requestCounts
            try await publisher.checkWriteAccess(plan)
            let after = double.requestCounts
            #expect(after.total - before.total == (aclsOn ? 1 + plan.transactions.count : 1))
            #expect(after.transactions - before.transactions == (aclsOn ? plan.transactions.count : 0))
        }
        #expect(double.snapshot().isEmpty, "a probe writes nothing")
        try await double.stop()
    }

    @Test func theCommandLinePublishesToConsul() async throws {
        let fixture = try oneKeyRelease()
        let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CONSUL_") }
        let double = try await ConsulDouble.start()
        let published = try kvctl(["publish", "1.0.0", "--yes", "--consul", double.baseURL], in: fixture.url, environment: environment)
        let sent = double.requestCount
        let live = try kvctl(["export", "--live"], in: fixture.url, environment: environment.merging(["CONSUL_HTTP_ADDR": double.baseURL]) { $1 })
        let entries = double.snapshot()
        try await double.stop()
        #expect(published.status == 0, "\(published.standardError)")
        #expect(published.standardError.hasPrefix("kvctl: publishing v1.0.0 as '\(fixture.url.lastPathComponent)' to Consul at \(double.baseURL)\n"))
        // Two reads planning without the lock, a session, one transaction that takes the lock (Consul's txn
        // verb `lock`) and is conditioned on the record the plan read (so no second read under the lock),
        // and the session's destroy, which releases the lock. The report counts what the double received.
        #expect(sent == 5)
        #expect(published.standardError.contains("in 1 transaction (5 requests)"))
        #expect(entries.first { $0.key == "config/app/port" }?.flags == flags("1.0.0"))
        #expect(live.standardOutput.contains("\"key\": \"config/app/port\""))
        #expect(!FileManager.default.fileExists(atPath: fixture.url.appendingPathComponent(".kvctl").path))
    }

    @Test func aNamedEnvironmentWithATokenFileNeverShowsTheToken() async throws {
        let token = "0b5e6f1c-secret-token"
        let double = try await ConsulDouble.start(DoubleOptions(token: token))
        let fixture = try oneKeyRelease(settings: "environments:\n  staging: {address: '\(double.baseURL)', token-file: consul.token}\n")
        try fixture.write("consul.token", token + "\n")
        let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CONSUL_") }
        let published = try kvctl(["publish", "1.0.0", "--yes", "--env", "staging"], in: fixture.url, environment: environment)
        try fixture.write("consul.token", "wrong-\(token)\n")
        let denied = try kvctl(["publish", "1.0.0", "--plan", "--env", "staging"], in: fixture.url, environment: environment)
        let unknown = try kvctl(["publish", "1.0.0", "--env", "prod"], in: fixture.url, environment: environment)
        let entries = double.snapshot()
        try await double.stop()
        #expect(published.status == 0, "\(published.standardError)")
        #expect(entries.contains { $0.key == "config/app/port" })
        #expect(denied.status == 1)
        #expect(denied.standardError.contains("Permission denied"))
        #expect(unknown.status == 2)
        #expect(unknown.standardError.contains("no environment 'prod' in kvctl.yaml; it defines staging"))
        for result in [published, denied, unknown] {
            #expect(!(result.standardOutput + result.standardError).contains(token))
        }
    }

    /// README, settings: "`~/` is the home folder" in a `token-file`, as a shell would expand it.
    @Test func aTokenFileUnderTheHomeFolder() async throws {
        let token = "7d3a-home-token"
        let double = try await ConsulDouble.start(DoubleOptions(token: token))
        let fixture = try oneKeyRelease(settings: "environments:\n  staging: {address: '\(double.baseURL)', token-file: ~/consul.token}\n")
        let home = try FixtureRepository()
        try home.write("consul.token", token + "\n")
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CONSUL_") }
        environment["HOME"] = home.path
        let published = try kvctl(["publish", "1.0.0", "--yes", "--env", "staging"], in: fixture.url, environment: environment)
        let entries = double.snapshot()
        try await double.stop()
        #expect(published.status == 0, "\(published.standardError)")
        #expect(entries.contains { $0.key == "config/app/port" })
        #expect(!(published.standardOutput + published.standardError).contains(token))
    }
}

/// A repository whose v1.0.0 defines the one key config/app/port, with `settings` as its kvctl.yaml.
private func oneKeyRelease(settings: String? = nil) throws -> FixtureRepository {
    let fixture = try FixtureRepository()
    if let settings { try fixture.write("kvctl.yaml", settings) }
    try fixture.write("kv/app.yaml", "config:\n  - key: config/app/port\n    value: 8080\n")
    try fixture.commitAll()
    try fixture.git("tag", "-a", "v1.0.0", "-m", "release")
    return fixture
}

/// `kvctl publish` on Consul 1.14 with `transaction.max-operations` unset: 128 operations per
/// transaction; a token without `agent:read` keeps 64, and stderr says so once.
@Suite struct ServerLimitCommandTests {
    private func manyKeysRelease() throws -> FixtureRepository {
        let fixture = try FixtureRepository()
        let lines = (0..<200).map { "  - key: config/app/k\(String(format: "%03d", $0))\n    value: \($0)" }
        try fixture.write("kv/app.yaml", "config:\n" + lines.joined(separator: "\n") + "\n")
        try fixture.commitAll()
        try fixture.git("tag", "-a", "v1.0.0", "-m", "release")
        return fixture
    }

    @Test(arguments: [false, true])
    func aPublishFollowsTheServersLimitOrSaysWhyNot(denied: Bool) async throws {
        let fixture = try manyKeysRelease()
        let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CONSUL_") }
        let double = try await ConsulDouble.start(DoubleOptions(version: "1.14.0", deniesAgentRead: denied))
        let published = try kvctl(["publish", "1.0.0", "--yes", "--consul", double.baseURL], in: fixture.url, environment: environment)
        let again = try kvctl(["publish", "1.0.0", "--yes", "--consul", double.baseURL], in: fixture.url, environment: environment)
        let asked = double.recentRequests.filter { $0.uri.hasPrefix("/v1/agent/self") }.count
        try await double.stop()
        #expect(published.status == 0, "\(published.standardError)")
        // 200 keys, a chunk, the record, the journal's write and delete, the record's condition and room
        // for the lock: 206 operations, two transactions at 128, four at 64.
        #expect(published.standardError.contains("in \(denied ? 4 : 2) transactions"), "\(published.standardError)")
        let notes = published.standardError.components(separatedBy: "agent:read").count - 1
        #expect(notes == (denied ? 1 : 0))
        #expect(asked == 1, "the version is asked once, and never by the no-op")
        #expect(again.standardError.contains("nothing to publish") && !again.standardError.contains("agent:read"))
    }
}
