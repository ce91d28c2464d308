import AsyncHTTPClient
import ConsulDouble
import Foundation
import Testing

/// ACL tokens, write rules, fault switches and counters of the double.
@Suite struct DoubleACLAndFaultTests {
    @Test func aConfiguredTokenIsRequiredInEitherHeader() async throws {
        try await withDouble(DoubleOptions(token: "root-secret")) { double, raw throws in
            let anonymous = try await raw.get("/v1/kv/a")
            #expect(anonymous.status == 403)
            #expect(anonymous.text == "Permission denied")
            #expect(try await raw.get("/v1/kv/a", headers: [("X-Consul-Token", "wrong")]).status == 403)
            #expect(try await raw.get("/v1/kv/a", headers: [("X-Consul-Token", "root-secret")]).status == 404)
            #expect(try await raw.get("/v1/kv/a", headers: [("Authorization", "Bearer root-secret")]).status == 404)
            #expect(try await raw.put("/v1/kv/a", "v").status == 403)
            #expect(double.snapshot().isEmpty)
        }
    }

    @Test func deniedPrefixesRefuseWritesOnly() async throws {
        try await withDouble(DoubleOptions(deniedWritePrefixes: ["secret/"])) { double, raw throws in
            double.seed(["secret/a": "s"])
            #expect(try await raw.get("/v1/kv/secret/a").status == 200)
            let put = try await raw.put("/v1/kv/secret/b", "x")
            #expect(put.status == 403)
            #expect(put.text.hasPrefix("Permission denied: token with AccessorID '"))
            #expect(put.text.hasSuffix("lacks permission 'key:write' on \"secret/b\""))
            #expect(try await raw.delete("/v1/kv/?recurse").status == 403)
            let txn = try await raw.txn([["Verb": "set", "Key": "open/a", "Value": "1"], ["Verb": "delete", "Key": "secret/a"]])
            #expect(txn.status == 409)
            let errors = ((txn.json as? [String: Any])?["Errors"] as? [[String: Any]]) ?? []
            #expect(errors.map { $0["OpIndex"] as? Int } == [1])
            #expect((errors.first?["What"] as? String)?.hasPrefix("Permission denied") == true)
            #expect(double.snapshot().map(\.key) == ["secret/a"])
            #expect(try await raw.put("/v1/kv/open/a", "1").text == "true")
        }
    }

    @Test func failNextAnswersTheStatusThenRecovers() async throws {
        try await withDouble { double, raw throws in
            double.faults.failNext(count: 2, status: 500)
            let first = try await raw.get("/v1/kv/a")
            #expect(first.status == 500)
            #expect(first.text == "No cluster leader")
            #expect(try await raw.get("/v1/kv/a").status == 500)
            #expect(try await raw.get("/v1/kv/a").status == 404)
            double.faults.failNext(status: 429)
            #expect(try await raw.put("/v1/kv/a", "v").status == 429)
            #expect(double.snapshot().isEmpty)
        }
    }

    @Test func failRequestByNumberAndEveryByPath() async throws {
        try await withDouble { double, raw throws in
            double.faults.failRequest(number: 2, status: 503)
            #expect(try await raw.get("/v1/kv/a").status == 404)
            #expect(try await raw.get("/v1/kv/a").status == 503)
            #expect(try await raw.get("/v1/kv/a").status == 404)
            double.faults.failEvery(pathPrefix: "/v1/txn", status: 429)
            #expect(try await raw.txn([["Verb": "set", "Key": "a", "Value": "1"]]).status == 429)
            #expect(try await raw.txn([["Verb": "set", "Key": "a", "Value": "1"]]).status == 429)
            #expect(try await raw.put("/v1/kv/a", "1").status == 200)
            double.faults.clear()
            #expect(try await raw.txn([["Verb": "set", "Key": "a", "Value": "2"]]).status == 200)
        }
    }

    @Test func dropNextClosesWithoutAResponse() async throws {
        try await withDouble { double, raw throws in
            double.faults.dropNext()
            // Closed before any response byte: what a client sees of a server that died mid-request.
            await #expect(throws: HTTPClientError.remoteConnectionClosed) { try await raw.get("/v1/kv/a") }
            #expect(try await raw.get("/v1/kv/a").status == 404)
            #expect(double.requestCount == 2)
        }
    }

    @Test func delayedResponsesStillArrive() async throws {
        try await withDouble { double, raw throws in
            double.faults.delayResponses(by: .milliseconds(50))
            double.faults.failNext(status: 500)
            #expect(try await raw.get("/v1/kv/a").status == 500)
            #expect(try await raw.get("/v1/kv/a").status == 404)
        }
    }

    @Test func requestsAreCountedByKind() async throws {
        try await withDouble { double, raw throws in
            double.faults.failNext(status: 500)
            _ = try await raw.get("/v1/kv/a")
            _ = try await raw.get("/v1/kv/a?recurse")
            _ = try await raw.put("/v1/kv/a", "v")
            _ = try await raw.delete("/v1/kv/a")
            _ = try await raw.txn([["Verb": "get-or-empty", "Key": "a"]])
            _ = try await createSession(raw)
            _ = try await raw.get("/v1/status/leader")
            #expect(double.requestCounts == RequestCounts(reads: 2, puts: 1, deletes: 1, transactions: 1, sessions: 1, other: 1))
            #expect(double.requestCount == 7)
            #expect(double.recentRequests.map(\.uri).first == "/v1/kv/a")
            #expect(double.recentRequests.map(\.number) == Array(1...7))
        }
    }
}
