import Publishing

/// A `KVStore` in memory with Consul's conditions, counting requests, for planner and publisher tests.
actor MemoryStore: KVStore {
    nonisolated let description = "memory"
    private(set) var entries: [String: StoredEntry] = [:]
    private(set) var reads = 0
    private(set) var transactions: [[StoreOperation]] = []
    private var index: UInt64 = 0

    func entries(under prefix: String) async throws -> [StoredEntry] {
        reads += 1
        return entries.values.filter { $0.key.hasPrefix(prefix) }.sorted { $0.key < $1.key }
    }

    func apply(_ operations: [StoreOperation]) async throws {
        for (position, operation) in operations.enumerated() {
            let current = entries[operation.key]?.modifyIndex
            let fails = switch operation {
            case .set, .delete: false
            case .compareAndSet(_, _, _, let wanted), .check(_, let wanted): wanted == 0 ? current != nil : current != wanted
            case .compareAndDelete(_, let wanted): current != nil && current != wanted
            }
            if fails { throw TransactionConflict(operationIndex: position, reason: "index is stale") }
        }
        index += 1
        transactions.append(operations)
        for operation in operations {
            switch operation {
            case .set(let key, let value, let flags), .compareAndSet(let key, let value, let flags, _):
                entries[key] = StoredEntry(key: key, value: value, flags: flags, modifyIndex: index)
            case .compareAndDelete(let key, _), .delete(let key):
                entries[key] = nil
            case .check:
                break
            }
        }
    }

    /// Someone else's write, outside any publish.
    func put(_ key: String, _ value: String, flags: UInt64 = 0) {
        index += 1
        entries[key] = StoredEntry(key: key, value: Array(value.utf8), flags: flags, modifyIndex: index)
    }

    func resetCounts() {
        reads = 0
        transactions = []
    }
}

extension MemoryStore {
    /// Changes a value but keeps its ModifyIndex, which no real store does: it shows which keys a
    /// reader looks at by content rather than by index.
    func replaceKeepingIndex(_ key: String, _ value: String) {
        guard let old = entries[key] else { return }
        entries[key] = StoredEntry(key: key, value: Array(value.utf8), flags: old.flags, modifyIndex: old.modifyIndex)
    }

    /// Stores `value` at `key` as a write of someone else's would.
    func put(_ key: String, bytes: [UInt8]) {
        put(key, String(decoding: bytes, as: UTF8.self))
    }
}
