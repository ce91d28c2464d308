import ConsulDouble
import ConsulKit
import Foundation
import Publishing
import Testing

/// ConsulKit's `KVStore` against the double: reads, transactions and how Consul's answers become errors.
/// The requests expected are the consul CLI's and the documented API's: `GET /v1/kv/PREFIX?recurse`,
/// `PUT /v1/txn` (https://developer.hashicorp.com/consul/api-docs/kv, /txn), `?dc`, `?ns`, `?partition`.
@Suite struct ClientTests {
    @Test func recursiveReadDecodesEntries() async throws {
        try await withDouble { double, _ throws in
            double.seed([
                DoubleEntry(key: "config/b", value: Array("two".utf8), flags: 9),
                DoubleEntry(key: "config/a", value: []),
                DoubleEntry(key: "config/bin", value: [0, 200, 255]),
                DoubleEntry(key: "elsewhere", value: Array("x".utf8)),
            ])
            let index = double.index
            try await withClient(of: double) { consul throws in
                let entries = try await consul.entries(under: "config/")
                #expect(
                    entries == [
                        StoredEntry(key: "config/a", value: [], flags: 0, modifyIndex: index),
                        StoredEntry(key: "config/b", value: Array("two".utf8), flags: 9, modifyIndex: index),
                        StoredEntry(key: "config/bin", value: [0, 200, 255], flags: 0, modifyIndex: index),
                    ])
                #expect(try await consul.entries(under: "").count == 4)
                #expect(try await consul.entries(under: "nothing/") == [])
                #expect(consul.requestCount == 3)
            }
            #expect(double.recentRequests.map(\.uri) == ["/v1/kv/config/?recurse", "/v1/kv/?recurse", "/v1/kv/nothing/?recurse"])
        }
    }

    /// Flags are a full UInt64; kvctl's own JSON parser keeps integers as Int64, so larger ones must
    /// still come back exact, along with keys that need escaping and a held lock's session.
    @Test func flagsBeyondInt64AndEscapedKeysReadExactly() async throws {
        try await withDouble { double, _ throws in
            double.seed([
                DoubleEntry(key: "config/max", value: Array("m".utf8), flags: UInt64.max),
                DoubleEntry(key: "config/quote\"back\\slash\u{1}", value: Array("q".utf8), flags: 1 << 40, session: "s-1"),
            ])
            try await withClient(of: double) { consul throws in
                let entries = try await consul.entries(under: "config/")
                #expect(entries.map(\.key) == ["config/max", "config/quote\"back\\slash\u{1}"])
                #expect(entries.map(\.flags) == [UInt64.max, 1 << 40])
            }
        }
    }

    @Test func keysArePercentEncodedPerSegment() async throws {
        try await withDouble { double, _ throws in
            try await withClient(of: double) { consul throws in
                let key = "dir with space/é?#%/x"
                try await consul.apply([.set(key: key, value: Array("v".utf8), flags: 0)])
                #expect(try await consul.entries(under: "dir with space/é?#%/").map(\.key) == [key])
            }
            #expect(double.recentRequests.last?.uri == "/v1/kv/dir%20with%20space/%C3%A9%3F%23%25/?recurse")
        }
    }

    @Test func applyTranslatesEveryOperation() async throws {
        try await withDouble { double, _ throws in
            double.seed(["keep": "old", "drop": "x", "drop-cas": "y"])
            let index = double.index
            try await withClient(of: double) { consul throws in
                try await consul.apply([
                    .set(key: "new", value: Array("n".utf8), flags: 3),
                    .compareAndSet(key: "keep", value: Array("updated".utf8), flags: 0, index: index),
                    .compareAndSet(key: "created", value: [], flags: 1, index: 0),
                    .delete(key: "drop"),
                    .compareAndDelete(key: "drop-cas", index: index),
                ])
                try await consul.apply([])
                #expect(consul.requestCount == 1)
            }
            let snapshot = double.snapshot()
            #expect(snapshot.map(\.key) == ["created", "keep", "new"])
            #expect(snapshot.map { String(decoding: $0.value, as: UTF8.self) } == ["", "updated", "n"])
            #expect(snapshot.map(\.flags) == [1, 0, 3])
            #expect(double.requestCounts.transactions == 1)
        }
    }

    @Test func aRolledBackTransactionIsATransactionConflict() async throws {
        try await withDouble { double, _ throws in
            double.seed(["k": "v"])
            let before = double.snapshot()
            try await withClient(of: double) { consul throws in
                let error = await #expect(throws: TransactionConflict.self) {
                    try await consul.apply([
                        .set(key: "other", value: [], flags: 0),
                        .compareAndSet(key: "k", value: [], flags: 0, index: 12345),
                    ])
                }
                #expect(error?.operationIndex == 1)
                #expect(error?.reason == "failed to set key \"k\", index is stale")
            }
            #expect(double.snapshot() == before)
        }
    }

    @Test func tooManyOperationsCarriesConsulsText() async throws {
        try await withDouble { double, _ throws in
            try await withClient(of: double) { consul throws in
                let operations = (0..<65).map { StoreOperation.set(key: "k\($0)", value: [], flags: 0) }
                await #expect(throws: ConsulError.tooLarge(message: "Transaction contains too many operations (65 > 64)")) {
                    try await consul.apply(operations)
                }
            }
            #expect(double.requestCount == 1)
        }
    }

    @Test func aMissingRightNamesTheKeysAndNeverTheToken() async throws {
        let token = "s3cr3t-7f0c-token"
        try await withDouble(DoubleOptions(token: token, deniedWritePrefixes: ["locked/"])) { double, _ throws in
            try await withClient(of: double, { $0.token = Secret(token) }) { consul throws in
                let error = await #expect(throws: ConsulError.self) {
                    try await consul.apply([.set(key: "open/a", value: [], flags: 0), .delete(key: "locked/b")])
                }
                guard case .permissionDenied(let keys, let message)? = error else {
                    Issue.record("expected permissionDenied, got \(String(describing: error))")
                    return
                }
                #expect(keys == ["locked/b"])
                #expect(message.hasPrefix("Permission denied"))
                let description = String(describing: try #require(error))
                #expect(description.contains("locked/b"))
                #expect(!description.contains(token))
                #expect(!consul.description.contains(token))
            }
            #expect(double.recentRequests.last?.header("X-Consul-Token") == token)
            #expect(double.snapshot().isEmpty)
        }
    }

    @Test func a403NamesThePrefixWithoutTheToken() async throws {
        let wrong = "not-the-right-token-42"
        try await withDouble(DoubleOptions(token: "right")) { double, _ throws in
            try await withClient(of: double, { $0.token = Secret(wrong) }) { consul throws in
                let readError = await #expect(throws: ConsulError.permissionDenied(keys: ["config/*"], message: "Permission denied")) {
                    try await consul.entries(under: "config/")
                }
                let writeError = await #expect(
                    throws: ConsulError.permissionDenied(keys: ["a", "b"], message: "Permission denied")
                ) {
                    try await consul.apply([.set(key: "a", value: [], flags: 0), .delete(key: "b")])
                }
                for error in [readError, writeError].compactMap({ $0 }) {
                    #expect(!String(describing: error).contains(wrong))
                    #expect(!String(reflecting: error).contains(wrong))
                }
            }
            // 403 is final: one request each.
            #expect(double.requestCount == 2)
        }
    }

    @Test func theDatacenterNamespaceAndPartitionTravelInTheQuery() async throws {
        try await withDouble(DoubleOptions(datacenter: "east")) { double, _ throws in
            try await withClient(of: double, { $0.datacenter = "east"; $0.namespace = "team a"; $0.partition = "p1" }) { consul throws in
                _ = try await consul.entries(under: "x")
            }
            #expect(double.recentRequests.last?.uri == "/v1/kv/x?recurse&dc=east&ns=team%20a&partition=p1")
        }
    }

    @Test func basicAuthIsSent() async throws {
        try await withDouble { double, _ throws in
            let environment = ["CONSUL_HTTP_ADDR": double.baseURL, "CONSUL_HTTP_AUTH": "alice:pa:ss"]
            let configuration = try ConsulConfiguration.fromEnvironment(environment)
            try await ConsulClient.withClient(configuration) { consul in _ = try await consul.entries(under: "") }
            #expect(double.recentRequests.last?.header("Authorization") == "Basic " + base64("alice:pa:ss"))
            #expect(double.recentRequests.last?.header("X-Consul-Token") == nil)
        }
    }

    @Test func aUnixSocketAddressWorks() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("consul-\(UUID().uuidString.prefix(8)).sock").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await withDouble(DoubleOptions(unixSocketPath: path)) { double, _ throws in
            double.seed(["a": "1"])
            let configuration = try ConsulConfiguration.fromEnvironment(["CONSUL_HTTP_ADDR": "unix://\(path)"])
            #expect(configuration.description == "Consul at unix://\(path)")
            try await ConsulClient.withClient(configuration) { consul throws in
                #expect(try await consul.entries(under: "").map(\.key) == ["a"])
            }
        }
    }
}
