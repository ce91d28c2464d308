import AsyncHTTPClient
import ConsulDouble
@testable import ConsulKit
import Foundation
import Publishing
import Testing

/// Where the double once differed from Consul, and how kvctl's client copes with Consul as it is.
/// Each test cites the Consul source that shows the behaviour (see docs/consul-fidelity.md).
@Suite struct FidelityTests {
    // MARK: Namespaces and partitions

    /// `/v1/txn` ignores `?ns=`: each operation names its namespace (hashicorp/consul
    /// agent/txn_endpoint.go, convertOps reads `in.KV.Namespace`); the KV endpoint reads `?ns=`.
    @Test func theTransactionEndpointIgnoresTheNamespaceQuery() async throws {
        try await withDouble { double, raw throws in
            let body = #"[{"KV":{"Verb":"set","Key":"k","Value":"MQ=="}},{"KV":{"Verb":"set","Key":"k","Value":"Mg==","Namespace":"team-a"}}]"#
            #expect(try await raw.send(.PUT, "/v1/txn?ns=team-b", body: Array(body.utf8)).status == 200)
            #expect(double.snapshot().map(\.value) == [Array("1".utf8)])
            #expect(double.snapshot(in: KVScope(namespace: "team-a")).map(\.value) == [Array("2".utf8)])
            #expect(double.snapshot(in: KVScope(namespace: "team-b")).isEmpty)
            #expect(try await raw.get("/v1/kv/k?ns=team-a&raw").text == "2")
        }
    }

    @Test func everyTransactionOperationCarriesTheConfiguredNamespaceAndPartition() async throws {
        try await withDouble { double, _ throws in
            try await withClient(of: double, environment: ["CONSUL_NAMESPACE": "team-a", "CONSUL_PARTITION": "p1"]) { consul throws in
                try await consul.apply([.set(key: "config/a", value: Array("1".utf8), flags: 3)])
                #expect(try await consul.entries(under: "config/").map(\.key) == ["config/a"])
            }
            #expect(double.snapshot().isEmpty)
            #expect(double.snapshot(in: KVScope(partition: "p1", namespace: "team-a")).map(\.key) == ["config/a"])
        }
    }

    // MARK: Raft indexes

    /// An unchanged `set` leaves ModifyIndex alone (hashicorp/consul agent/consul/state/kvs.go, kvsSetTxn:
    /// `existing.Equal(entry)` skips the write); a transaction's writes share one raft index
    /// (agent/consul/state/txn.go, `TxnRW(idx, ops)`).
    @Test func anUnchangedSetKeepsItsModifyIndexAndATransactionIsOneIndex() async throws {
        try await withDouble { double, raw throws in
            #expect(try await raw.put("/v1/kv/a?flags=5", "v").text == "true")
            let first = try #require(double.snapshot().first)
            #expect(try await raw.put("/v1/kv/a?flags=5", "v").text == "true")
            #expect(double.snapshot().first == first)
            // A plain PUT without ?flags stores Flags 0 (agent/kvs_endpoint.go, KVSPut starts from `Flags: 0`).
            #expect(try await raw.put("/v1/kv/a", "v").text == "true")
            #expect(double.snapshot().first?.flags == 0)
            #expect(double.snapshot().first?.modifyIndex ?? 0 > first.modifyIndex)

            let response = try await raw.txn([["Verb": "set", "Key": "x", "Value": "1"], ["Verb": "set", "Key": "y", "Value": "2"]])
            #expect(response.status == 200)
            let indexes = Set(double.snapshot().filter { $0.key != "a" }.map(\.modifyIndex))
            #expect(indexes == [double.index])
        }
    }

    // MARK: A lost answer

    @Test func theCommitThenFailFaultCommitsAndAnswers500() async throws {
        try await withDouble { double, raw throws in
            double.faults.commitThenFail()
            let response = try await raw.txn([["Verb": "set", "Key": "k", "Value": "1"]])
            #expect(response.status == 500)
            #expect(double.snapshot().map(\.key) == ["k"])
            #expect(try await raw.txn([["Verb": "cas", "Key": "k", "Value": "1", "Index": 0]]).status == 409)
        }
    }

    /// The first attempt commits and its answer is lost; the retry fails its own condition. The keys
    /// hold what the transaction wrote, so it counts as applied.
    @Test(arguments: [false, true])
    func aRetriedTransactionThatHadAppliedIsNotAConflict(dropped: Bool) async throws {
        try await withDouble { double, _ throws in
            double.seed(["gone": "x", "old": "1"])
            let index = try #require(double.snapshot().first?.modifyIndex)
            if dropped { double.faults.commitThenDrop() } else { double.faults.commitThenFail() }
            try await withClient(of: double) { consul throws in
                try await consul.apply([
                    .compareAndSet(key: "new", value: Array("n".utf8), flags: 7, index: 0),
                    .compareAndSet(key: "old", value: Array("2".utf8), flags: 7, index: index),
                    .compareAndDelete(key: "gone", index: index),
                ])
            }
            #expect(double.snapshot().map(\.key) == ["new", "old"])
            #expect(double.requestCounts.transactions == 3)
        }
    }

    @Test func aRetriedTransactionMetBySomeoneElsesWriteIsStillAConflict() async throws {
        try await withDouble { double, _ throws in
            double.seed(["new": "theirs"])
            // The first attempt fails without committing; the retry meets the other writer's key.
            double.faults.failNext(count: 1, status: 500)
            try await withClient(of: double) { consul throws in
                await #expect(throws: TransactionConflict.self) {
                    try await consul.apply([.compareAndSet(key: "new", value: Array("mine".utf8), flags: 0, index: 0)])
                }
            }
        }
    }

    // MARK: Sessions across datacenters

    /// A session defaults to the agent's node (hashicorp/consul agent/session_endpoint.go), which another
    /// datacenter's catalog lacks (agent/consul/state/session.go, ErrMissingNode).
    @Test func aSessionForTheAgentsNodeFailsInAnotherDatacenter() async throws {
        try await withDouble(DoubleOptions(remoteDatacenters: ["dc2": ["dc2-server-1"]])) { double, raw throws in
            let failed = try await raw.put("/v1/session/create?dc=dc2", #"{"TTL":"15s"}"#)
            #expect(failed.status == 500 && failed.text == "Missing node registration")
            let created = try await raw.put("/v1/session/create?dc=dc2", #"{"TTL":"15s","Node":"dc2-server-1"}"#)
            #expect(created.status == 200)
            #expect(try await raw.put("/v1/session/create", #"{"TTL":"15s"}"#).status == 200)
        }
    }

    @Test func theLockSessionIsBoundToAServerOfTheTargetDatacenter() async throws {
        try await withDouble(DoubleOptions(remoteDatacenters: ["dc2": ["dc2-server-1"]])) { double, _ throws in
            double.clock.freeze()
            try await withClient(of: double, { $0.datacenter = "dc2" }) { consul throws in
                let holder = LockHolder(holder: "ada@build-7", pid: 1, since: "2026-12-01T00:00:00Z", operation: "publish v1.0.0")
                guard case .success(let lock) = try await consul.tryLock("kvctl/app/lock", as: holder) else {
                    Issue.record("the free lock was not taken in dc2")
                    return
                }
                #expect(double.snapshot(datacenter: "dc2").first?.session != nil)
                #expect(double.snapshot().isEmpty)
                await lock.release()
            }
            #expect(double.recentRequests.contains { $0.uri == "/v1/health/service/consul?passing&dc=dc2" })
        }
    }

    @Test func aDatacenterWithoutAVisibleServerIsNamed() async throws {
        try await withDouble(DoubleOptions(remoteDatacenters: ["dc2": []])) { double, _ throws in
            try await withClient(of: double, { $0.datacenter = "dc2" }) { consul throws in
                let holder = LockHolder(holder: "ada@build-7", pid: 1, since: "2026-12-01T00:00:00Z", operation: "publish v1.0.0")
                do {
                    _ = try await consul.tryLock("kvctl/app/lock", as: holder)
                    Issue.record("a lock was taken without a session node")
                } catch let error as ConsulError {
                    guard case .noSessionNode(let datacenter, let reason) = error else { throw error }
                    #expect(datacenter == "dc2")
                    #expect(reason.contains("lists no passing Consul server"))
                }
            }
        }
    }

    // MARK: ACL-filtered reads

    /// Consul sets the header when ACLs left entries out, and only for a request with a token
    /// (hashicorp/consul agent/http.go setMeta; agent/agent_endpoint.go `if token != ""`).
    @Test func aReadFilteredByACLsIsRefusedNamingTheHeader() async throws {
        let options = DoubleOptions(token: "secret-token", deniedReadPrefixes: ["config/other-team/"])
        try await withDouble(options) { double, raw throws in
            double.seed(["config/mine": "1", "config/other-team/x": "2"])
            let listed = try await raw.get("/v1/kv/config/?recurse", headers: [("X-Consul-Token", "secret-token")])
            #expect(listed.entries.map { $0["Key"] as? String } == ["config/mine"])
            #expect(listed.headers.first(name: "X-Consul-Results-Filtered-By-ACLs") == "true")
            #expect(try await raw.get("/v1/kv/config/other-team/x", headers: [("X-Consul-Token", "secret-token")]).status == 403)
            try await withClient(of: double, environment: ["CONSUL_HTTP_TOKEN": "secret-token"]) { consul throws in
                await #expect(throws: ConsulError.resultsFilteredByACLs(prefix: "config/")) { try await consul.entries(under: "config/") }
                #expect(try await consul.entries(under: "config/mine").map(\.key) == ["config/mine"])
            }
            #expect("\(ConsulError.resultsFilteredByACLs(prefix: "config/"))".contains("X-Consul-Results-Filtered-By-ACLs"))
        }
    }

    // MARK: Paths the router refuses

    /// Go's ServeMux redirects a path that is not canonical (golang/go src/net/http/server.go, cleanPath).
    @Test func aNonCanonicalPathIsRedirected() async throws {
        try await withDouble { double, _ throws in
            double.seed(["config/a": "1"])
            let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: .init(redirectConfiguration: .disallow))
            let raw = RawClient(http: http, baseURL: double.baseURL)
            let outcome: Result<(RawResponse, RawResponse), any Error>
            do {
                outcome = .success((try await raw.get("/v1/kv/config/.?recurse"), try await raw.get("/v1/kv/a//b")))
            } catch {
                outcome = .failure(error)
            }
            try await http.shutdown().get()
            let (dot, doubled) = try outcome.get()
            #expect(dot.status == 301)
            // path.Clean drops the trailing `.` and the slash with it: followed, the redirect would read the
            // wider prefix `config` (`configuration/...` too), which is why kvctl reads `config/` instead.
            #expect(dot.headers.first(name: "Location") == "/v1/kv/config?recurse")
            #expect(doubled.headers.first(name: "Location") == "/v1/kv/a/b")
        }
    }

    /// Consul 1.21.5 refuses keys outside `^[a-zA-Z0-9,_./\-?&=]+$` with a 500, reads included
    /// (hashicorp/consul#22835); kvctl does not retry that answer and names the key.
    @Test func aKeyConsul1215RefusesIsNamedAndNotRetried() async throws {
        try await withDouble(DoubleOptions(validatesKeysAs1_21_5: true)) { double, raw throws in
            let refused = try await raw.get("/v1/kv/acme%20-%20host?recurse")
            #expect(refused.status == 500)
            #expect(refused.text.hasPrefix("invalid key name, keys should respect the"))
            #expect(try await raw.get("/v1/kv/config/a?recurse").status == 404)
            let before = double.requestCount
            try await withClient(of: double) { consul throws in
                do {
                    _ = try await consul.entries(under: "acme - host")
                    Issue.record("the refused key was read")
                } catch let error as ConsulError {
                    guard case .keyRejected(let key, let message) = error else { throw error }
                    #expect(key == "acme - host")
                    #expect(message.hasPrefix("invalid key name"))
                }
            }
            #expect(double.requestCount == before + 1)
        }
    }

    // MARK: Lock renewal

    @Test func aRenewalIsBoundedRetriesIncluded() async throws {
        try await withDouble { double, _ throws in
            double.clock.freeze()
            try await withClient(of: double) { consul throws in
                let session = try await consul.createSession(name: "slow", ttl: .seconds(15), lockDelay: .zero)
                double.faults.delayResponses(by: .seconds(120))
                let clock = ContinuousClock(), start = clock.now
                await #expect(throws: ConsulError.self) { try await consul.renewSession(session, within: .milliseconds(300)) }
                // A generous ceiling that only a renewal waiting out the 120 s delay would break: the whole
                // suite on 2 cores has starved this 0.3 s call for 11 s.
                #expect(clock.now - start < .seconds(60))
                double.faults.clear()
            }
        }
    }

    /// A loaded Consul answers a renewal with a higher TTL to ask for fewer renewals (Consul's session API
    /// docs, "Renew Session"): the lock then renews every half of that TTL.
    @Test func aHigherTTLInARenewalStretchesTheRenewals() async throws {
        var options = DoubleOptions()
        options.renewalTTL = "1m0s"
        try await withDouble(options) { double, _ throws in
            double.clock.freeze()
            try await withClient(of: double) { consul throws in
                let session = try await consul.createSession(name: "kvctl publish", ttl: .seconds(15), lockDelay: .zero)
                #expect(try await consul.renewSession(session) == .seconds(60))
                let before = double.requestCounts.sessions
                let lock = ConsulSessionLock(client: consul, key: "kvctl/app/lock", session: session, value: [], taken: true, renewEvery: .milliseconds(20))
                for _ in 0..<50 where double.requestCounts.sessions == before { try await Task.sleep(for: .milliseconds(20)) }
                try await Task.sleep(for: .milliseconds(500))
                // At 20 ms apart 25 renewals would have been made; the first answer moved the next to 30 s.
                #expect(double.requestCounts.sessions == before + 1)
                #expect(!lock.isLost)
                await lock.release()
            }
        }
    }

    @Test func oneFailedRenewalDoesNotLoseTheLockButATTLWithoutOneDoes() async throws {
        try await withDouble { double, _ throws in
            double.clock.freeze()
            try await withClient(of: double, { $0.retry = RetryPolicy(maxAttempts: 1) }) { consul throws in
                let session = try await consul.createSession(name: "kvctl publish", ttl: .seconds(15), lockDelay: .zero)
                let lock = ConsulSessionLock(client: consul, key: "kvctl/app/lock", session: session, value: [], taken: true, renewEvery: .milliseconds(20),
                                             lostAfter: .seconds(30))
                double.faults.failEvery(pathPrefix: "/v1/session/renew/", status: 500)
                let failing = double.requestCounts.sessions
                for _ in 0..<200 where double.requestCounts.sessions < failing + 3 { try await Task.sleep(for: .milliseconds(20)) }
                #expect(double.requestCounts.sessions >= failing + 3)
                #expect(!lock.isLost)
                double.faults.clear()
                try await Task.sleep(for: .milliseconds(100))
                #expect(!lock.isLost)
                await lock.release()

                let second = try await consul.createSession(name: "kvctl publish", ttl: .seconds(15), lockDelay: .zero)
                let short = ConsulSessionLock(client: consul, key: "kvctl/app/lock", session: second, value: [], taken: true, renewEvery: .milliseconds(20),
                                              lostAfter: .milliseconds(200))
                double.faults.failEvery(pathPrefix: "/v1/session/renew/", status: 500)
                for _ in 0..<250 where !short.isLost { try await Task.sleep(for: .milliseconds(20)) }
                #expect(short.isLost)
                double.faults.clear()
                await short.release()
            }
        }
    }

    // MARK: Addresses

    @Test func anAddressWithAPathPrefixReachesConsulBehindAProxy() async throws {
        try await withDouble { double, _ throws in
            double.seed(["a": "1"])
            let configuration = try ConsulConfiguration.fromEnvironment(["CONSUL_HTTP_ADDR": double.baseURL + "/consul/"])
            #expect(configuration.description == "Consul at \(double.baseURL)/consul")
            try await ConsulClient.withClient(configuration) { consul throws in
                _ = try? await consul.entries(under: "")
            }
            #expect(double.recentRequests.last?.uri == "/consul/v1/kv/?recurse")
        }
    }
}
