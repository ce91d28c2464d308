import Foundation
import Publishing

/// An entry of `GET /v1/kv/...`: what a `StoredEntry` needs, and the session holding its lock.
struct KVEntryJSON: Decodable {
    var Key: String
    var Flags: UInt64
    var Value: String?
    var ModifyIndex: UInt64
    var Session: String?
}

/// One `/v1/txn` operation.
struct TxnOperationJSON: Encodable {
    struct Operation: Encodable {
        var Verb: String
        var Key: String
        var Value: String?
        var Flags: UInt64?
        var Index: UInt64?
    }

    var KV: Operation

    init(_ operation: StoreOperation) {
        switch operation {
        case .set(let key, let value, let flags):
            KV = Operation(Verb: "set", Key: key, Value: Data(value).base64EncodedString(), Flags: flags)
        case .compareAndSet(let key, let value, let flags, let index):
            KV = Operation(Verb: "cas", Key: key, Value: Data(value).base64EncodedString(), Flags: flags, Index: index)
        case .compareAndDelete(let key, let index):
            KV = Operation(Verb: "delete-cas", Key: key, Index: index)
        case .delete(let key):
            KV = Operation(Verb: "delete", Key: key)
        }
    }
}

/// The `Errors` of a rolled-back transaction.
struct TxnErrorsJSON: Decodable {
    struct Failure: Decodable {
        var OpIndex: Int
        var What: String
    }

    var Errors: [Failure]?
}
