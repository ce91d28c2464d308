@testable import ConsulKit
import Foundation
import Testing

/// The listing `GET /v1/kv/PREFIX?recurse` answers: an array of entries with `CreateIndex`, `ModifyIndex`,
/// `LockIndex`, `Key`, `Flags`, `Value` (base64, null for an empty value) and `Session` when a lock is held
/// (https://developer.hashicorp.com/consul/api-docs/kv#read-key, sample response).
@Suite struct ListingDecodeTests {
    static let listing = """
        [{"LockIndex":0,"Key":"config/a","Flags":0,"Value":null,"CreateIndex":5,"ModifyIndex":7},
         {"LockIndex":1,"Key":"config/b","Flags":42,"Value":"dHdv","CreateIndex":6,"ModifyIndex":9,"Session":"s-1"}]
        """

    @Test func entriesAreConvertedAsTheyAreRead() throws {
        let entries = try KVEntryJSON.list(from: Array(Self.listing.utf8)) { "\($0.Key) \($0.Flags) \($0.Value ?? "-") \($0.ModifyIndex) \($0.Session ?? "-")" }
        #expect(entries == ["config/a 0 - 7 -", "config/b 42 dHdv 9 s-1"])
        #expect(try KVEntryJSON.list(from: Array("[]".utf8)) { $0 }.isEmpty)
    }

    /// Flags are a uint64 in Consul (api/kv.go `KVPair.Flags`); past Int64 the decoder reads the whole
    /// listing again, and what the streaming read converted before it gave up is not kept twice.
    @Test func flagsPastInt64ReadTheListingAgainOnce() throws {
        let text = Self.listing.replacingOccurrences(of: "\"Flags\":42", with: "\"Flags\":18446744073709551615")
        var converted = 0
        let entries = try KVEntryJSON.list(from: Array(text.utf8)) { entry in
            converted += 1
            return entry.Flags
        }
        #expect(entries == [0, UInt64.max])
        #expect(converted == 3)
    }

    @Test func aConversionsErrorStopsTheRead() {
        struct Refused: Error {}
        var seen: [String] = []
        #expect(throws: Refused.self) {
            try KVEntryJSON.list(from: Array(Self.listing.utf8)) { entry in
                seen.append(entry.Key)
                throw Refused()
            }
        }
        #expect(seen == ["config/a"])
        #expect(throws: (any Error).self) { try KVEntryJSON.list(from: Array("{\"Key\":\"a\"}".utf8)) { $0 } }
        #expect(throws: (any Error).self) { try KVEntryJSON.list(from: Array("[{\"Key\":\"a\",\"Flags\":0,\"ModifyIndex\":1},".utf8)) { $0 } }
    }
}
