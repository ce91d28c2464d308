import Foundation
import JSONSchema

/// An entry as Consul's KV and txn endpoints write it: `Value` is base64, or `null` when empty or omitted.
/// Written by hand, keys sorted like the double's other JSON: listing ten thousand keys through
/// Foundation's encoder made the double, not kvctl, the slow side of the publish bench.
struct EntryJSON {
    var entry: DoubleEntry
    var includeValue = true

    var text: String {
        let value = includeValue && !entry.value.isEmpty ? "\"" + Data(entry.value).base64EncodedString() + "\"" : "null"
        return "{\"CreateIndex\":\(entry.createIndex),\"Flags\":\(entry.flags),\"Key\":\(jsonQuoted(entry.key)),"
            + "\"LockIndex\":\(entry.lockIndex),\"ModifyIndex\":\(entry.modifyIndex),"
            + (entry.session.map { "\"Session\":\(jsonQuoted($0))," } ?? "") + "\"Value\":\(value)}"
    }

    static func list(_ entries: [DoubleEntry]) -> String {
        "[" + entries.map { EntryJSON(entry: $0).text }.joined(separator: ",") + "]"
    }
}

/// `/v1/txn`'s answer: exactly one of `Results` and `Errors` is non-null.
struct TxnResponseJSON {
    struct Result { var KV: EntryJSON }
    struct Failure {
        var OpIndex: Int
        var What: String
    }

    var results: [Result]?
    var errors: [Failure]?

    var text: String {
        let errors = self.errors.map { failures in
            "[" + failures.map { "{\"OpIndex\":\($0.OpIndex),\"What\":\(jsonQuoted($0.What))}" }.joined(separator: ",") + "]"
        }
        let results = self.results.map { "[" + $0.map { "{\"KV\":\($0.KV.text)}" }.joined(separator: ",") + "]" }
        return "{\"Errors\":\(errors ?? "null"),\"Results\":\(results ?? "null")}"
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
        /// Each operation names its own namespace and partition: `/v1/txn` ignores `?ns=` and
        /// `?partition=` (hashicorp/consul agent/txn_endpoint.go, convertOps reads `in.KV.Namespace`).
        var Namespace: String?
        var Partition: String?
    }

    var KV: KV?
}

struct SessionRequestJSON: Decodable {
    var Name: String?
    var Node: String?
    var TTL: String?
    var Behavior: String?
    var LockDelay: String?
}

struct SessionJSON: Encodable {
    var ID: String
    var Name: String
    var Node: String
    var LockDelay: Int64
    var Behavior: String
    var TTL: String
    var NodeChecks = ["serfHealth"]
    var CreateIndex: UInt64
    var ModifyIndex: UInt64

    init(_ session: DoubleSession) {
        ID = session.id
        Name = session.name
        Node = session.node
        let (seconds, attoseconds) = session.lockDelay.components
        LockDelay = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        Behavior = session.behavior.rawValue
        TTL = session.ttlText
        CreateIndex = session.createIndex
        ModifyIndex = session.createIndex
    }
}

/// One entry of `/v1/health/service/consul`: what a client needs to bind a session to a server's node.
struct HealthEntryJSON: Encodable {
    struct Node: Encodable {
        var Node: String
        var Datacenter: String
        var Address = "127.0.0.1"
    }

    struct Check: Encodable {
        var Node: String
        var CheckID = "serfHealth"
        var Status = "passing"
    }

    struct Service: Encodable {
        var ID = "consul"
        var Service = "consul"
        var Port = 8300
    }

    var Node: Node
    var Service = Service()
    var Checks: [Check]
}

/// `/v1/agent/self`, reduced to `Config` and the `DebugConfig` field clients read.
struct AgentSelfJSON: Encodable {
    struct Config: Encodable {
        var Datacenter: String
        var NodeName: String
        var Server: Bool
        var Version: String
    }

    struct DebugConfig: Encodable {
        var ACLsEnabled: Bool
    }

    var Config: Config
    var DebugConfig: DebugConfig
}
