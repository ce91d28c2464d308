import Foundation
import JSONSchema

/// An entry as Consul's KV and txn endpoints write it: `Value` is base64, or `null` when empty or omitted.
struct EntryJSON: Encodable {
    var entry: DoubleEntry
    var includeValue = true

    private enum CodingKeys: String, CodingKey {
        case LockIndex, Key, Flags, Value, Session, CreateIndex, ModifyIndex
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(entry.lockIndex, forKey: .LockIndex)
        try container.encode(entry.key, forKey: .Key)
        try container.encode(entry.flags, forKey: .Flags)
        let value = includeValue && !entry.value.isEmpty ? Data(entry.value).base64EncodedString() : nil
        try container.encode(value, forKey: .Value)
        try container.encodeIfPresent(entry.session, forKey: .Session)
        try container.encode(entry.createIndex, forKey: .CreateIndex)
        try container.encode(entry.modifyIndex, forKey: .ModifyIndex)
    }
}

extension EntryJSON {
    /// A listing as the encoder would write it (sorted keys), written directly: listing ten thousand
    /// keys through Foundation's encoder made the double, not kvctl, the slow side of the publish bench.
    static func list(_ entries: [DoubleEntry]) -> [UInt8] {
        var text = "["
        for (position, entry) in entries.enumerated() {
            let value = entry.value.isEmpty ? "null" : "\"" + Data(entry.value).base64EncodedString() + "\""
            text += position == 0 ? "" : ","
            text += "{\"CreateIndex\":\(entry.createIndex),\"Flags\":\(entry.flags),\"Key\":\(jsonQuoted(entry.key)),"
                + "\"LockIndex\":\(entry.lockIndex),\"ModifyIndex\":\(entry.modifyIndex),"
                + (entry.session.map { "\"Session\":\(jsonQuoted($0))," } ?? "") + "\"Value\":\(value)}"
        }
        return Array((text + "]").utf8)
    }
}

/// `/v1/txn`'s answer: exactly one of `Results` and `Errors` is non-null.
struct TxnResponseJSON: Encodable {
    struct Result: Encodable { var KV: EntryJSON }
    struct Failure: Encodable {
        var OpIndex: Int
        var What: String
    }

    var results: [Result]?
    var errors: [Failure]?

    private enum CodingKeys: String, CodingKey { case Results, Errors }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(results, forKey: .Results)
        try container.encode(errors, forKey: .Errors)
    }
}

/// One operation of a `/v1/txn` body. Only `KV` operations are modelled; others are refused.
struct TxnOperationJSON: Decodable {
    struct KV: Decodable {
        var Verb: String
        var Key: String
        var Value: String?
        var Flags: UInt64?
        var Index: UInt64?
        var Session: String?
    }

    var KV: KV?
}

struct SessionRequestJSON: Decodable {
    var Name: String?
    var TTL: String?
    var Behavior: String?
    var LockDelay: String?
}

struct SessionJSON: Encodable {
    var ID: String
    var Name: String
    var Node = "consul-double"
    var LockDelay: Int64
    var Behavior: String
    var TTL: String
    var NodeChecks = ["serfHealth"]
    var CreateIndex: UInt64
    var ModifyIndex: UInt64

    init(_ session: DoubleSession) {
        ID = session.id
        Name = session.name
        let (seconds, attoseconds) = session.lockDelay.components
        LockDelay = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        Behavior = session.behavior.rawValue
        TTL = session.ttlText
        CreateIndex = session.createIndex
        ModifyIndex = session.createIndex
    }
}
