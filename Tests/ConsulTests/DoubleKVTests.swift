import ConsulDouble
import Foundation
import Testing

/// The double's KV endpoints against the contract's checklist, through a raw HTTP client. Expected
/// answers are Consul's: https://developer.hashicorp.com/consul/api-docs/kv (indexes, `?recurse`,
/// `?keys&separator`, `?raw`, `?flags`, `?cas`, `?dc`) and hashicorp/consul agent/kvs_endpoint.go.
@Suite struct DoubleKVTests {
    @Test func indexesAreBookkeptPerKey() async throws {
        try await withDouble { double, raw throws in
            let start = double.index
            #expect(try await raw.put("/v1/kv/a", "1").text == "true")
            #expect(try await raw.put("/v1/kv/b", "2").text == "true")
            #expect(try await raw.put("/v1/kv/a", "3").text == "true")
            let entries = try await raw.get("/v1/kv/?recurse").entries
            let a = try #require(entries.entry("a"))
            let b = try #require(entries.entry("b"))
            #expect(a.uint("CreateIndex") == start + 1)
            #expect(a.uint("ModifyIndex") == start + 3)
            #expect(a.uint("LockIndex") == 0)
            #expect(b.uint("CreateIndex") == start + 2)
            #expect(b.uint("ModifyIndex") == start + 2)
            #expect(double.index == start + 3)
        }
    }

    @Test func plainReadAnswersOneEntryOr404() async throws {
        try await withDouble { double, raw throws in
            double.seed(["config/a": "hello"])
            let found = try await raw.get("/v1/kv/config/a")
            #expect(found.status == 200)
            #expect(found.entries.count == 1)
            #expect(found.entries.first?["Value"] as? String == base64("hello"))
            #expect(found.entries.first?["Key"] as? String == "config/a")
            #expect(found.entries.first?["Session"] == nil)
            #expect(found.consulIndex == double.index)
            let missing = try await raw.get("/v1/kv/config/nope")
            #expect(missing.status == 404)
            #expect(missing.body.isEmpty)
            #expect(missing.consulIndex == double.index)
        }
    }

    /// An empty value is JSON null in a listing, and X-Consul-Index is the highest ModifyIndex under
    /// the prefix (agent/kvs_endpoint.go KVSGet; api-docs/kv "Read Key").
    @Test func recursiveReadIsSortedWithNullForEmptyValuesAndHighestIndex() async throws {
        try await withDouble { double, raw throws in
            double.seed(["app/b": "2", "app/a": "1", "other": "x"])
            _ = try await raw.put("/v1/kv/app/empty", "")
            let newest = double.index
            _ = try await raw.put("/v1/kv/zzz", "later")
            let response = try await raw.get("/v1/kv/app/?recurse")
            #expect(response.status == 200)
            #expect(response.entries.map { $0["Key"] as? String } == ["app/a", "app/b", "app/empty"])
            #expect(response.entries.entry("app/empty")?["Value"] is NSNull)
            #expect(response.consulIndex == newest)
            #expect(try await raw.get("/v1/kv/nothing/?recurse").status == 404)
        }
    }

    @Test func keysListingStopsAtTheSeparator() async throws {
        try await withDouble { double, raw throws in
            double.seed(["web/a": "", "web/sub/x": "", "web/sub/y": "", "web/sub2/z": "", "api/q": ""])
            #expect(try await raw.get("/v1/kv/web/?keys").json as? [String] == ["web/a", "web/sub/x", "web/sub/y", "web/sub2/z"])
            #expect(try await raw.get("/v1/kv/web/?keys&separator=/").json as? [String] == ["web/a", "web/sub/", "web/sub2/"])
            #expect(try await raw.get("/v1/kv/?keys&separator=/").json as? [String] == ["api/", "web/"])
            #expect(try await raw.get("/v1/kv/none/?keys").status == 404)
        }
    }

    @Test func rawReadGivesTheBytes() async throws {
        try await withDouble { double, raw throws in
            double.seed([DoubleEntry(key: "bin", value: [0, 255, 10, 13])])
            let response = try await raw.get("/v1/kv/bin?raw")
            #expect(response.status == 200)
            #expect(response.body == [0, 255, 10, 13])
        }
    }

    @Test func percentEncodedKeysAreDecoded() async throws {
        try await withDouble { double, raw throws in
            #expect(try await raw.put("/v1/kv/dir/a%20b%3Fc%C3%A9", "v").text == "true")
            #expect(double.snapshot().map(\.key) == ["dir/a b?cé"])
        }
    }

    @Test func putWithFlagsAndCAS() async throws {
        try await withDouble { double, raw throws in
            #expect(try await raw.put("/v1/kv/k?flags=18446744073709551615", "v").text == "true")
            #expect(double.snapshot().first?.flags == UInt64.max)
            #expect(try await raw.put("/v1/kv/k?cas=0", "again").text == "false")
            #expect(try await raw.put("/v1/kv/new?cas=0", "n").text == "true")
            let index = try #require(double.snapshot().first { $0.key == "k" }?.modifyIndex)
            #expect(try await raw.put("/v1/kv/k?cas=\(index + 100)", "stale").text == "false")
            #expect(try await raw.put("/v1/kv/k?cas=\(index)", "fresh").text == "true")
            #expect(try await raw.put("/v1/kv/absent?cas=5", "x").text == "false")
            let values = Dictionary(uniqueKeysWithValues: double.snapshot().map { ($0.key, String(decoding: $0.value, as: UTF8.self)) })
            #expect(values == ["k": "fresh", "new": "n"])
        }
    }

    /// The text is Consul's own (agent/kvs_endpoint.go KVSPut, StatusRequestEntityTooLarge).
    @Test func putOverTheValueLimitIs413() async throws {
        try await withDouble(DoubleOptions(maxValueSize: 10)) { double, raw throws in
            let response = try await raw.put("/v1/kv/big", String(repeating: "x", count: 11))
            #expect(response.status == 413)
            #expect(
                response.text
                    == "Request body(11 bytes) too large, max size: 10 bytes. See https://www.consul.io/docs/agent/options.html#kv_max_value_size."
            )
            #expect(double.snapshot().isEmpty)
            #expect(try await raw.put("/v1/kv/ok", String(repeating: "x", count: 10)).text == "true")
        }
    }

    @Test func deletePlainRecurseAndCAS() async throws {
        try await withDouble { double, raw throws in
            double.seed(["a/1": "", "a/2": "", "b": "", "c": ""])
            #expect(try await raw.delete("/v1/kv/b").text == "true")
            #expect(try await raw.delete("/v1/kv/a/?recurse").text == "true")
            let index = try #require(double.snapshot().first?.modifyIndex)
            #expect(try await raw.delete("/v1/kv/c?cas=\(index + 1)").text == "false")
            #expect(try await raw.delete("/v1/kv/c?cas=0").text == "false")
            #expect(double.snapshot().map(\.key) == ["c"])
            #expect(try await raw.delete("/v1/kv/c?cas=\(index)").text == "true")
            #expect(double.snapshot().isEmpty)
            #expect(try await raw.delete("/v1/kv/gone?cas=3").text == "true")
        }
    }

    /// "No path to datacenter" is Consul's structs.ErrNoDCPath (agent/structs/errors.go).
    @Test func otherDatacentersAreUnreachable() async throws {
        try await withDouble { double, raw throws in
            #expect(try await raw.get("/v1/kv/a?dc=dc1").status == 404)
            let elsewhere = try await raw.get("/v1/kv/a?dc=dc9")
            #expect(elsewhere.status == 500)
            #expect(elsewhere.text == "No path to datacenter")
        }
    }
}
