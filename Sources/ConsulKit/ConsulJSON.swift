import Foundation
import JSONSchema
import Publishing

/// An entry of `GET /v1/kv/...`: what a `StoredEntry` needs, and the session holding its lock.
struct KVEntryJSON: Decodable {
    var Key: String
    var Flags: UInt64
    var Value: String?
    var ModifyIndex: UInt64
    var Session: String?

    /// A listing, each entry converted as soon as it is read, with kvctl's own JSON parser: Foundation's
    /// decoder takes a third of a no-op publish on ten thousand keys, and a parsed tree of them all was
    /// half the agent's peak heap. Numbers beyond Int64 (Flags are a full UInt64) go through the
    /// decoder, which reads them exactly.
    static func list<Entry>(from body: [UInt8], _ convert: (KVEntryJSON) throws -> Entry) throws -> [Entry] {
        var entries: [Entry] = [], failure: (any Error)?
        let whole = try JSONParser.forEachElement(ofArray: body) { item in
            guard let key = item["Key"]?.stringValue, let flags = item["Flags"]?.numberValue?.int64Value, flags >= 0,
                  let index = item["ModifyIndex"]?.numberValue?.int64Value, index >= 0 else { return false }
            do {
                entries.append(try convert(KVEntryJSON(Key: key, Flags: UInt64(flags), Value: item["Value"]?.stringValue,
                                                       ModifyIndex: UInt64(index), Session: item["Session"]?.stringValue)))
                return true
            } catch {
                failure = error
                return false
            }
        }
        if let failure { throw failure }
        return whole ? entries : try JSONDecoder().decode([KVEntryJSON].self, from: Data(body)).map(convert)
    }
}

/// One `/v1/txn` operation. Each carries its own namespace and partition: the txn endpoint ignores
/// `?ns=` and `?partition=` (hashicorp/consul agent/txn_endpoint.go, convertOps reads `in.KV.Namespace`
/// and `in.KV.Partition`; api/txn.go `TxnKVOp`), so without them a write lands in the default namespace.
struct TxnOperationJSON: Encodable {
    struct Operation: Encodable {
        var Verb: String
        var Key: String
        var Value: String?
        var Flags: UInt64?
        var Index: UInt64?
        var Namespace: String?
        var Partition: String?
        var Session: String?
    }

    var KV: Operation

    /// `lock`: writes `value` and takes the key's lock for `session`, failing the transaction when another
    /// session holds it.
    init(locking key: String, value: [UInt8], session: String, namespace: String?, partition: String?) {
        KV = Operation(Verb: "lock", Key: key, Value: Data(value).base64EncodedString(), Namespace: namespace, Partition: partition,
                       Session: session)
    }

    init(_ operation: StoreOperation, namespace: String?, partition: String?) {
        self.init(operation)
        (KV.Namespace, KV.Partition) = (namespace, partition)
    }

    /// `get-or-empty`: the entry, or one with ModifyIndex 0 when the key is absent.
    init(reading key: String, namespace: String?, partition: String?) {
        KV = Operation(Verb: "get-or-empty", Key: key, Namespace: namespace, Partition: partition)
    }

    private init(_ operation: StoreOperation) {
        switch operation {
        case .set(let key, let value, let flags):
            KV = Operation(Verb: "set", Key: key, Value: Data(value).base64EncodedString(), Flags: flags)
        case .compareAndSet(let key, let value, let flags, let index):
            KV = Operation(Verb: "cas", Key: key, Value: Data(value).base64EncodedString(), Flags: flags, Index: index)
        case .compareAndDelete(let key, let index):
            KV = Operation(Verb: "delete-cas", Key: key, Index: index)
        case .delete(let key):
            KV = Operation(Verb: "delete", Key: key)
        case .check(let key, 0):
            KV = Operation(Verb: "check-not-exists", Key: key)
        case .check(let key, let index):
            KV = Operation(Verb: "check-index", Key: key, Index: index)
        }
    }
}

/// The `Results` of a transaction that applied.
struct TxnResultsJSON: Decodable {
    struct Result: Decodable { var KV: KVEntryJSON? }
    var Results: [Result]?
}

/// The `Errors` of a rolled-back transaction.
struct TxnErrorsJSON: Decodable {
    struct Failure: Decodable {
        var OpIndex: Int
        var What: String
    }

    var Errors: [Failure]?
}
