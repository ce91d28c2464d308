import ConsulDouble
import ConsulKit
import Foundation
import Publishing
import Testing

/// `X-Consul-Index` per prefix, blocking queries and `/v1/agent/self`, checked with raw HTTP against
/// what Consul's source does (cited in Sources/ConsulDouble and docs/consul-fidelity.md).
@Suite struct DoubleIndexTests {
    /// hashicorp/consul agent/consul/state/kvs.go `kvsListTxn`: the highest ModifyIndex under the prefix,
    /// tombstones included; a prefix with neither answers the whole table's index.
    @Test func aListingAnswersTheHighestIndexUnderItsPrefixTombstonesIncluded() async throws {
        try await withDouble { double, raw in
            _ = try await raw.put("/v1/kv/a/x", "1")
            let aWritten = double.index
            _ = try await raw.put("/v1/kv/b/x", "1")
            let bWritten = double.index
            for query in ["?keys", "?keys&separator=/", "?recurse"] {
                #expect(try await raw.get("/v1/kv/a/" + query).consulIndex == aWritten)
                #expect(try await raw.get("/v1/kv/b/" + query).consulIndex == bWritten)
                #expect(try await raw.get("/v1/kv/" + query).consulIndex == bWritten)
                #expect(try await raw.get("/v1/kv/none/" + query).consulIndex == bWritten)
            }
            #expect(try await raw.get("/v1/kv/a/x").consulIndex == aWritten)

            _ = try await raw.delete("/v1/kv/a/x")
            let deleted = double.index
            let gone = try await raw.get("/v1/kv/a/?keys")
            #expect(gone.status == 404 && gone.consulIndex == deleted)
            // A missing single key answers the table's index (agent/consul/kvs_endpoint.go `Get`).
            #expect(try await raw.get("/v1/kv/a/x").consulIndex == deleted)
            _ = try await raw.put("/v1/kv/a/y", "1")
            _ = try await raw.put("/v1/kv/b/x", "2")
            #expect(try await raw.get("/v1/kv/a/?keys").consulIndex == deleted + 1)

            // Once the tombstone is reaped the index may slide back (graveyard.go `ReapTxn`).
            _ = try await raw.delete("/v1/kv/a/y")
            let second = double.index
            _ = try await raw.put("/v1/kv/a/z", "1")
            #expect(try await raw.get("/v1/kv/a/?keys").consulIndex == second + 1)
            _ = try await raw.delete("/v1/kv/a/?recurse")
            #expect(try await raw.get("/v1/kv/a/?keys").consulIndex == double.index)
            _ = try await raw.put("/v1/kv/a/w", "1")
            let w = double.index
            _ = try await raw.delete("/v1/kv/a/w2")
            _ = try await raw.put("/v1/kv/a/v", "1")
            _ = try await raw.delete("/v1/kv/a/v")
            #expect(try await raw.get("/v1/kv/a/?keys").consulIndex == double.index)
            double.reapTombstones(through: double.index)
            #expect(try await raw.get("/v1/kv/a/?keys").consulIndex == w)
        }
    }

    @Test func anUnchangedWriteAndAWriteElsewhereLeaveAPrefixsIndex() async throws {
        try await withDouble { double, raw in
            _ = try await raw.put("/v1/kv/a/x", "1")
            let written = double.index
            _ = try await raw.put("/v1/kv/a/x", "1")
            _ = try await raw.put("/v1/kv/other", "1")
            _ = try await raw.delete("/v1/kv/a/missing")
            #expect(try await raw.get("/v1/kv/a/?keys").consulIndex == written)
        }
    }

    /// A blocking query is held until its index passes `index` (a write elsewhere does not end it), and
    /// answers with the new `X-Consul-Index`.
    @Test(arguments: ["/v1/kv/a/?keys", "/v1/kv/a/?recurse", "/v1/kv/a/x"])
    func aBlockingReadIsHeldUntilItsIndexPasses(_ read: String) async throws {
        try await withDouble { double, raw in
            _ = try await raw.put("/v1/kv/a/x", "1")
            let index = try #require(try await raw.get(read).consulIndex)
            async let held = raw.get(read + (read.contains("?") ? "&" : "?") + "index=\(index)&wait=8s")
            try await Task.sleep(for: .milliseconds(150))
            _ = try await raw.put("/v1/kv/b/x", "1")
            try await Task.sleep(for: .milliseconds(150))
            #expect(double.requestCounts.total == 4)
            _ = try await raw.put("/v1/kv/a/x", "2")
            let written = double.index
            let answer = try await held
            #expect(answer.status == 200)
            #expect(answer.consulIndex == written)
        }
    }

    @Test func aBlockingReadAnswersTheUnchangedIndexWhenItsWaitEnds() async throws {
        try await withDouble { double, raw in
            _ = try await raw.put("/v1/kv/a/x", "1")
            let index = double.index
            let start = ContinuousClock.now
            let short = try await raw.get("/v1/kv/a/?keys&index=\(index)&wait=200ms")
            #expect(short.consulIndex == index)
            #expect(ContinuousClock.now - start >= .milliseconds(200))
            // Without `wait` Consul holds 5 minutes: advancing the double's clock ends it at once.
            // A starved runner may advance before the double has registered the wait: advance until it answers.
            let held = Task { try await raw.get("/v1/kv/a/x?index=\(index)") }
            let ticker = Task {
                while !Task.isCancelled {
                    try await Task.sleep(for: .milliseconds(100))
                    double.clock.advance(by: .seconds(300 + 300 / 16))
                }
            }
            let answer = try await held.value
            ticker.cancel()
            #expect(answer.status == 200 && answer.consulIndex == index)
        }
    }

    /// An index the store is behind (a restore) holds too, as Consul's `blockingQuery` does while the
    /// index is at most the one asked for; clients reset when the answer goes backwards.
    @Test func anIndexAheadOfTheStoreHoldsUntilTheWaitEnds() async throws {
        try await withDouble { double, raw in
            _ = try await raw.put("/v1/kv/a/x", "1")
            let answer = try await raw.get("/v1/kv/a/x?index=\(double.index + 100)&wait=100ms")
            #expect(answer.consulIndex == double.index)
            #expect(try await raw.get("/v1/kv/a/x?index=abc").status == 400)
            #expect(try await raw.get("/v1/kv/a/x?index=1&wait=soon").status == 400)
        }
    }

    /// agent/agent_endpoint.go `AgentSelf`: `Config.Version`, behind `agent:read`; the double's
    /// transaction limit follows the version (hashicorp/consul#14599: 128 from 1.14).
    @Test(arguments: [("1.13.7", 64), ("1.14.0", 128), ("1.21.4+ent", 128)])
    func theAgentReportsItsVersionAndEnforcesItsLimit(version: String, limit: Int) async throws {
        try await withDouble(DoubleOptions(version: version)) { _, raw in
            let agent = try await raw.get("/v1/agent/self")
            #expect(((agent.json as? [String: Any])?["Config"] as? [String: Any])?["Version"] as? String == version)
            let operations: (Int) -> [[String: Any]] = { count in (0..<count).map { ["Verb": "set", "Key": "k\($0)", "Value": "v"] } }
            #expect(try await raw.txn(operations(limit)).status == 200)
            #expect(try await raw.txn(operations(limit + 1)).status == 413)
        }
        try await withDouble(DoubleOptions(deniesAgentRead: true)) { _, raw in
            let denied = try await raw.get("/v1/agent/self")
            #expect(denied.status == 403 && denied.text.contains("agent:read"))
        }
    }
}

/// ConsulKit's blocking-query and version calls against the double.
@Suite struct WatchClientTests {
    @Test func watchingAPrefixWakesOnAChangeUnderItOnly() async throws {
        try await withDouble { double, raw in
            _ = try await raw.put("/v1/kv/a/x", "1")
            try await withClient(of: double) { client throws in
                let first = try await client.watch(prefix: "a/", index: 0, wait: .seconds(5))
                #expect(first.changed && first.index == double.index)
                async let next = client.watch(prefix: "a/", index: first.index, wait: .seconds(8))
                try await Task.sleep(for: .milliseconds(150))
                _ = try await raw.put("/v1/kv/b/x", "1")
                try await Task.sleep(for: .milliseconds(150))
                _ = try await raw.delete("/v1/kv/a/x")
                let woken = try await next
                #expect(woken.changed && woken.index == double.index)
                let quiet = try await client.watch(prefix: "a/", index: woken.index, wait: .milliseconds(300))
                #expect(!quiet.changed && quiet.index == woken.index)
            }
            #expect(double.requestCounts.puts == 2 && double.requestCounts.transactions == 0)
        }
    }

    @Test func watchingAKeyFollowsItsModifyIndex() async throws {
        try await withDouble { double, raw in
            try await withClient(of: double) { client throws in
                let absent = try await client.watch(key: "a/x", index: 0, wait: .seconds(1))
                async let next = client.watch(key: "a/x", index: absent.index, wait: .seconds(8))
                try await Task.sleep(for: .milliseconds(150))
                _ = try await raw.put("/v1/kv/a/x", "1")
                let created = try await next
                #expect(created.changed && created.index == double.index)
            }
        }
    }

    /// An answer below the index asked for (a restored store) counts as a change, and watching goes on from it.
    @Test func anIndexThatWentBackwardsCountsAsAChange() async throws {
        try await withDouble { double, raw in
            _ = try await raw.put("/v1/kv/a/x", "1")
            try await withClient(of: double) { client throws in
                let index = double.index
                let behind = try await client.watch(prefix: "a/", index: index + 50, wait: .milliseconds(200))
                #expect(behind.changed && behind.index == index)
            }
        }
    }

    @Test func theTransactionLimitComesFromTheVersionOnce() async throws {
        for (options, expected) in [(DoubleOptions(version: "1.14.2"), ServerTransactionLimit.operations(128, version: "1.14.2")),
                                    (DoubleOptions(version: "1.10.0"), .operations(64, version: "1.10.0"))] {
            try await withDouble(options) { double, _ in
                try await withClient(of: double) { client throws in
                    #expect(try await client.serverTransactionLimit() == expected)
                    #expect(try await client.serverTransactionLimit() == expected)
                }
                #expect(double.requestCounts.total == 1)
            }
        }
        try await withDouble(DoubleOptions(deniesAgentRead: true)) { double, _ in
            try await withClient(of: double) { client throws in
                guard case .unknown(let reason) = try await client.serverTransactionLimit() else { Issue.record("expected unknown"); return }
                #expect(reason.contains("agent:read") && reason.contains("64"))
            }
        }
    }
}
