import ConsulDouble
import Foundation
import Testing

/// `/v1/txn` in the double: verbs, limits, rollback, as https://developer.hashicorp.com/consul/api-docs/txn
/// describes them (one index for all writes, blanked values in results, `Errors` with `OpIndex` and
/// nothing applied when any operation fails) and hashicorp/consul agent/txn_endpoint.go words its 413s.
@Suite struct DoubleTxnTests {
    @Test func writesShareOneIndexAndResultsBlankTheirValues() async throws {
        try await withDouble { double, raw throws in
            double.seed(["old": "o", "gone": "g"])
            let before = double.index
            let oldIndex = try #require(double.snapshot().first { $0.key == "old" }?.modifyIndex)
            let response = try await raw.txn([
                ["Verb": "set", "Key": "a", "Value": "1", "Flags": 5],
                ["Verb": "cas", "Key": "old", "Value": "new", "Index": oldIndex],
                ["Verb": "cas", "Key": "fresh", "Value": "f", "Index": 0],
                ["Verb": "delete", "Key": "gone"],
                ["Verb": "get", "Key": "a"],
            ])
            #expect(response.status == 200)
            let object = try #require(response.json as? [String: Any])
            #expect(object["Errors"] is NSNull)
            let results = try #require(object["Results"] as? [[String: Any]]).compactMap { $0["KV"] as? [String: Any] }
            #expect(results.map { $0["Key"] as? String } == ["a", "old", "fresh", "a"])
            #expect(results[0]["Value"] is NSNull)
            #expect(results[3]["Value"] as? String == base64("1"))
            #expect(results[0].uint("Flags") == 5)
            #expect(double.index == before + 1)
            #expect(Set(results.compactMap { $0.uint("ModifyIndex") }) == [before + 1])
            let snapshot = double.snapshot()
            #expect(snapshot.map(\.key) == ["a", "fresh", "old"])
            #expect(snapshot.map { String(decoding: $0.value, as: UTF8.self) } == ["1", "f", "new"])
        }
    }

    @Test func aFailedConditionRollsBackEverythingAndReportsEveryFailure() async throws {
        try await withDouble { double, raw throws in
            double.seed(["k": "v"])
            let before = double.snapshot()
            let index = double.index
            let response = try await raw.txn([
                ["Verb": "set", "Key": "new", "Value": "x"],
                ["Verb": "cas", "Key": "k", "Value": "y", "Index": 999],
                ["Verb": "delete", "Key": "k"],
                ["Verb": "check-not-exists", "Key": "k"],
            ])
            #expect(response.status == 409)
            let object = try #require(response.json as? [String: Any])
            #expect(object["Results"] is NSNull)
            let errors = try #require(object["Errors"] as? [[String: Any]])
            #expect(errors.map { $0["OpIndex"] as? Int } == [1])
            #expect(errors.first?["What"] as? String == "failed to set key \"k\", index is stale")
            #expect(double.snapshot() == before)
            #expect(double.index == index)
        }
    }

    @Test func readVerbsAndChecks() async throws {
        try await withDouble { double, raw throws in
            double.seed(["t/a": "1", "t/b": "2"])
            let index = try #require(double.snapshot().first?.modifyIndex)
            let reads = try await raw.txn([
                ["Verb": "get-tree", "Key": "t/"],
                ["Verb": "get-or-empty", "Key": "absent"],
                ["Verb": "check-index", "Key": "t/a", "Index": index],
                ["Verb": "check-not-exists", "Key": "absent"],
            ])
            #expect(reads.status == 200)
            #expect(reads.consulIndex == double.index)
            let results = ((reads.json as? [String: Any])?["Results"] as? [[String: Any]] ?? []).compactMap { $0["KV"] as? [String: Any] }
            // get-or-empty answers an absent key with the operation's own entry, no value and zero indexes
            // (hashicorp/consul agent/consul/state/txn.go, `case api.KVGetOrEmpty`); check-index blanks the value.
            #expect(results.map { $0["Key"] as? String } == ["t/a", "t/b", "absent", "t/a"])
            #expect(results.map { $0["Value"] as? String } == [base64("1"), base64("2"), nil, nil])
            #expect(results[2].uint("ModifyIndex") == 0 && results[2].uint("CreateIndex") == 0)
            #expect(double.index == index)

            let failing = try await raw.txn([
                ["Verb": "get", "Key": "absent"],
                ["Verb": "check-index", "Key": "t/a", "Index": index + 7],
                ["Verb": "check-not-exists", "Key": "t/b"],
            ])
            #expect(failing.status == 409)
            let errors = ((failing.json as? [String: Any])?["Errors"] as? [[String: Any]]) ?? []
            #expect(errors.map { $0["OpIndex"] as? Int } == [0, 1, 2])
            #expect(
                errors.map { $0["What"] as? String } == [
                    "key \"absent\" doesn't exist",
                    "failed index check for key \"t/a\", current modify index \(index) != \(index + 7)",
                    "key \"t/b\" exists",
                ])
        }
    }

    @Test func deleteTreeAndDeleteCAS() async throws {
        try await withDouble { double, raw throws in
            double.seed(["d/1": "", "d/2": "", "keep": "k"])
            let index = try #require(double.snapshot().first?.modifyIndex)
            let stale = try await raw.txn([["Verb": "delete-cas", "Key": "keep", "Index": index + 1]])
            #expect(stale.status == 409)
            let response = try await raw.txn([
                ["Verb": "delete-tree", "Key": "d/"], ["Verb": "delete-cas", "Key": "keep", "Index": index],
            ])
            #expect(response.status == 200)
            #expect(double.snapshot().isEmpty)
        }
    }

    @Test func lockUnlockAndCheckSessionInATransaction() async throws {
        try await withDouble { double, raw throws in
            let session = try await createSession(raw, ["LockDelay": "0s"])
            let lock = try await raw.txn([["Verb": "lock", "Key": "l", "Value": "me", "Session": session]])
            #expect(lock.status == 200)
            #expect(double.snapshot().first?.session == session)
            #expect(double.snapshot().first?.lockIndex == 1)
            #expect(try await raw.txn([["Verb": "check-session", "Key": "l", "Session": session]]).status == 200)
            #expect(try await raw.txn([["Verb": "unlock", "Key": "l", "Value": "", "Session": session]]).status == 200)
            #expect(double.snapshot().first?.session == nil)
            let check = try await raw.txn([["Verb": "check-session", "Key": "l", "Session": session]])
            #expect(check.status == 409)
        }
    }

    /// 64 is Consul's default `txn_max_ops` (maxTxnOps in agent/txn_endpoint.go, same text).
    @Test func tooManyOperationsIs413WithConsulsText() async throws {
        try await withDouble { double, raw throws in
            let operations = (0..<65).map { ["Verb": "set", "Key": "k\($0)", "Value": "v"] as [String: Any] }
            let response = try await raw.txn(operations)
            #expect(response.status == 413)
            #expect(response.text == "Transaction contains too many operations (65 > 64)")
            #expect(double.snapshot().isEmpty)
            #expect(try await raw.txn(Array(operations.prefix(64))).status == 200)
        }
    }

    @Test func theOperationLimitIsASetting() async throws {
        try await withDouble(DoubleOptions(maxTransactionOperations: 128)) { _, raw throws in
            let operations = (0..<129).map { ["Verb": "set", "Key": "k\($0)", "Value": "v"] as [String: Any] }
            #expect(try await raw.txn(operations).text == "Transaction contains too many operations (129 > 128)")
            #expect(try await raw.txn(Array(operations.prefix(128))).status == 200)
        }
    }

    @Test func aValueOverTheLimitIs413NamingTheKey() async throws {
        try await withDouble(DoubleOptions(maxValueSize: 4)) { double, raw throws in
            let response = try await raw.txn([["Verb": "set", "Key": "ok", "Value": "1"], ["Verb": "set", "Key": "big", "Value": "12345"]])
            #expect(response.status == 413)
            #expect(response.text == "Value for key \"big\" is too large (5 > 4 bytes)")
            #expect(double.snapshot().isEmpty)
        }
    }

    @Test func theRequestBodyIsBounded() async throws {
        try await withDouble(DoubleOptions(maxTransactionBodySize: 100)) { double, raw throws in
            let operations = (0..<3).map { ["Verb": "set", "Key": "key-number-\($0)", "Value": "value"] as [String: Any] }
            let response = try await raw.txn(operations)
            #expect(response.status == 413)
            #expect(response.text.hasPrefix("Request body("))
            #expect(response.text.contains("too large, max size: 100 bytes"))
            #expect(double.snapshot().isEmpty)
        }
    }

    @Test func aBadBodyIs400() async throws {
        try await withDouble { _, raw throws in
            let response = try await raw.send(.PUT, "/v1/txn", body: Array("{not json".utf8))
            #expect(response.status == 400)
            #expect(response.text.hasPrefix("Failed to parse body: "))
        }
    }

    @Test func anUnknownVerbRollsBack() async throws {
        try await withDouble { double, raw throws in
            let response = try await raw.txn([["Verb": "set", "Key": "a", "Value": "1"], ["Verb": "frobnicate", "Key": "a"]])
            #expect(response.status == 409)
            let errors = ((response.json as? [String: Any])?["Errors"] as? [[String: Any]]) ?? []
            #expect(errors.first?["OpIndex"] as? Int == 1)
            #expect(errors.first?["What"] as? String == "unknown KV verb \"frobnicate\"")
            #expect(double.snapshot().isEmpty)
        }
    }
}

/// Creates a session through the API and returns its ID.
func createSession(_ raw: RawClient, _ body: [String: String] = [:]) async throws -> String {
    let response = try await raw.send(.PUT, "/v1/session/create", body: Array(try JSONSerialization.data(withJSONObject: body)))
    let id = (response.json as? [String: Any])?["ID"] as? String
    return try #require(id, "session create answered \(response.status) \(response.text)")
}
