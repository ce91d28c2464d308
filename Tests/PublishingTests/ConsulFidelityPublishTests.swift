import ConsulDouble
import ConsulKit
import Foundation
import KVCore
import Publishing
import Testing

/// Publishes into the double where it behaves as Consul does and a naive client goes wrong
/// (docs/consul-fidelity.md names the Consul source of each behaviour).
@Suite struct ConsulFidelityPublish {
    private func withConsul(
        _ options: DoubleOptions = DoubleOptions(), environment: [String: String] = [:], settings: PublishSettings = PublishSettings(),
        _ body: (ConsulDouble, Publisher) async throws -> Void
    ) async throws {
        let double = try await ConsulDouble.start(options)
        let outcome: Result<Void, any Error>
        do {
            var configuration = try ConsulConfiguration.fromEnvironment(environment, overrides: .init(address: double.baseURL))
            configuration.retry = RetryPolicy(maxAttempts: 4, initialBackoff: .milliseconds(1), maxBackoff: .milliseconds(5))
            try await ConsulClient.withClient(configuration) { client in
                try await body(double, Publisher(store: client, settings: settings))
            }
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        try await double.stop()
        try outcome.get()
    }

    /// `/v1/txn` ignores `?ns=` (hashicorp/consul agent/txn_endpoint.go): the first publish into a
    /// namespace must name it in every operation, or it writes into `default`.
    @Test func aFirstPublishWritesIntoTheConfiguredNamespace() async throws {
        try await withConsul(environment: ["CONSUL_NAMESPACE": "team-a"]) { double, publisher in
            try await publisher.apply(try await publisher.plan(request("1.0.0", ["config/a": "1", "config/b": "2"])))
            #expect(double.snapshot().isEmpty)
            let published = double.snapshot(in: KVScope(namespace: "team-a")).map(\.key)
            #expect(published.contains("config/a") && published.contains("kvctl/settings/record"))
            let again = try await publisher.plan(request("1.0.0", ["config/a": "1", "config/b": "2"]))
            #expect(again.transactions.isEmpty)
        }
    }

    /// A transaction that committed but whose answer was lost (hashicorp/raft api.go, ErrLeadershipLost:
    /// "leadership lost while committing log") is retried, fails its own conditions, and is recognised.
    @Test(arguments: [false, true])
    func aPublishWhoseAnswerWasLostCarriesOn(dropped: Bool) async throws {
        let settings = PublishSettings(limits: TransactionLimits(maxOperations: 4))
        try await withConsul(settings: settings) { double, publisher in
            let keys = Dictionary(uniqueKeysWithValues: (0..<10).map { ("config/k\($0)", "\($0)") })
            let plan = try await publisher.plan(request("1.0.0", keys))
            #expect(plan.transactions.count > 2)
            if dropped { double.faults.commitThenDrop() } else { double.faults.commitThenFail() }
            try await publisher.apply(plan)
            let live = Set(double.snapshot().map(\.key))
            #expect(keys.keys.allSatisfy(live.contains))
            #expect(!live.contains("kvctl/settings/journal"))
            #expect(try await publisher.plan(request("1.0.0", keys)).transactions.isEmpty)
        }
    }

    /// Keys the token may not read look absent; the header says so (hashicorp/consul agent/http.go, setMeta).
    @Test func aPlanOnAnACLFilteredViewIsRefused() async throws {
        let options = DoubleOptions(token: "t0ken", deniedReadPrefixes: ["config/other-team/"])
        try await withConsul(options, environment: ["CONSUL_HTTP_TOKEN": "t0ken"], settings: PublishSettings(prune: ["config/"])) { double, publisher in
            double.seed(["config/other-team/x": "theirs"])
            do {
                _ = try await publisher.plan(request("1.0.0", ["config/a": "1"]))
                Issue.record("a plan was made on a partial view")
            } catch let error as ConsulError {
                #expect(error == .resultsFilteredByACLs(prefix: "config/"))
                #expect("\(error)".contains("X-Consul-Results-Filtered-By-ACLs"))
            }
        }
    }

    /// `config/.` would be redirected by Go's router to `config` (golang/go src/net/http/server.go, cleanPath):
    /// kvctl reads `config/` instead.
    @Test func keysUnderADotFolderAreReadThroughTheirParent() async throws {
        try await withConsul { double, publisher in
            let keys = ["config/.a": "1", "config/.b": "2"]
            #expect(ReadPrefixes.covering(keys.keys, prune: []) == ["config/"])
            try await publisher.apply(try await publisher.plan(request("1.0.0", keys)))
            #expect(try await publisher.plan(request("1.0.0", keys)).transactions.isEmpty)
            #expect(!double.recentRequests.contains { $0.uri.hasPrefix("/v1/kv/config/.?") })
        }
    }

    @Test func readPrefixesAreOnesTheRouterKeeps() {
        #expect(ReadPrefixes.covering(["a//b", "a//c"], prune: []) == ["a/"])
        #expect(ReadPrefixes.covering(["x/../y", "x/../z"], prune: []) == ["x/"])
        #expect(ReadPrefixes.covering(["/lead/a", "/lead/b"], prune: []) == [""])
        #expect(ReadPrefixes.covering(["config/..a", "config/..b"], prune: []) == ["config/"])
        #expect(ReadPrefixes.covering(["config/..a/x", "config/..a/y"], prune: []) == ["config/..a/"])
    }
}
