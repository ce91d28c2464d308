/// One key as a store holds it. `modifyIndex` is Consul's ModifyIndex (the local store keeps its own
/// counter the same way), which conditional writes and deletes are checked against.
public struct StoredEntry: Sendable, Hashable {
    public let key: String
    public let value: [UInt8]
    public let flags: UInt64
    public let modifyIndex: UInt64

    public init(key: String, value: [UInt8], flags: UInt64, modifyIndex: UInt64) {
        self.key = key
        self.value = value
        self.flags = flags
        self.modifyIndex = modifyIndex
    }
}

/// The operations a publish needs, with Consul's `/v1/txn` meaning: all of one transaction apply or none.
public enum StoreOperation: Sendable, Hashable {
    /// Write unconditionally (Consul verb `set`).
    case set(key: String, value: [UInt8], flags: UInt64)
    /// Write only if the key's ModifyIndex is `index`; 0 means "only if absent" (verb `cas`).
    case compareAndSet(key: String, value: [UInt8], flags: UInt64, index: UInt64)
    /// Delete only if the key's ModifyIndex is `index` (verb `delete-cas`).
    case compareAndDelete(key: String, index: UInt64)
    /// Delete unconditionally (verb `delete`).
    case delete(key: String)
    /// A condition alone: the transaction applies only if the key's ModifyIndex is `index`, 0 meaning
    /// "only if absent" (verbs `check-index`, `check-not-exists`).
    case check(key: String, index: UInt64)
}

/// A transaction the store rolled back because a condition failed: nothing of it was applied.
public struct TransactionConflict: Error, Sendable, CustomStringConvertible {
    /// Position of the failing operation in the transaction, and the store's reason.
    public let operationIndex: Int
    public let reason: String

    public init(operationIndex: Int, reason: String) {
        self.operationIndex = operationIndex
        self.reason = reason
    }

    public var description: String { "operation \(operationIndex) failed: \(reason)" }
}

/// Where published keys live: a Consul datacenter, or the local store in `.kvctl/`.
public protocol KVStore: Sendable {
    /// How the store is named to users in every command's first line, e.g. `Consul at http://127.0.0.1:8500`.
    /// Never contains a token.
    var description: String { get }
    /// Every key under `prefix` ("" for all), sorted by key; empty when there is none.
    func entries(under prefix: String) async throws -> [StoredEntry]
    /// Applies all operations or none; throws `TransactionConflict` when a condition fails.
    func apply(_ operations: [StoreOperation]) async throws
}

/// A store that lists key names without their values, with the index of the last change under the
/// prefix: Consul's `X-Consul-Index` of a listing, the highest ModifyIndex under it, deletions included
/// while their tombstones last (hashicorp/consul agent/consul/state/kvs.go, `kvsListTxn`).
public protocol KeyListing: KVStore {
    /// Every key under `prefix`, sorted, and that index.
    func keys(under prefix: String) async throws -> (keys: [String], index: UInt64)
}

/// What a store's server accepts in one transaction, when it can tell.
public enum ServerTransactionLimit: Sendable, Equatable {
    /// The server's own limit, from its version.
    case operations(Int, version: String)
    /// Not known (the token may not ask, the server did not say): publishes keep their setting, and
    /// the reason is said once.
    case unknown(reason: String)
}

/// A store whose transaction limit depends on its server (Consul: 64 operations before 1.14, 128 since).
public protocol TransactionLimitProbing: KVStore {
    /// Asked only for a plan with something to write, and at most once per store.
    func serverTransactionLimit() async throws -> ServerTransactionLimit
}
