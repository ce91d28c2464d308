import Foundation
import JSONSchema
import KVCore
import Publishing

/// The local store's contents and Consul-like index bookkeeping; `apply` is all-or-nothing.
struct LocalStoreState: Sendable {
    struct Entry: Codable, Sendable {
        var key: String
        var flags: UInt64
        var create: UInt64
        var modify: UInt64
        /// Base64, as Consul's API carries values.
        var value: String
    }

    private struct File: Codable {
        var format: Int
        var index: UInt64
        var entries: [Entry]
    }

    private(set) var index: UInt64 = 0
    private var entries: [String: Entry] = [:]
    /// Each entry's line of `store.json`, kept so a write re-encodes only what changed.
    private var lines: [String: String] = [:]

    init() {}

    init(decoding data: Data) throws {
        let file = try JSONDecoder().decode(File.self, from: data)
        index = file.index
        for entry in file.entries { store(entry) }
    }

    func entries(under prefix: String) -> [StoredEntry] {
        entries.values.filter { $0.key.hasPrefix(prefix) }
            .sorted { $0.key.precedesInByteOrder($1.key) }
            .map { StoredEntry(key: $0.key, value: Array(Data(base64Encoded: $0.value) ?? Data()), flags: $0.flags, modifyIndex: $0.modify) }
    }

    /// Checks every condition first, as Consul's `/v1/txn` does, and changes nothing when one fails.
    mutating func apply(_ operations: [StoreOperation]) throws {
        for (position, operation) in operations.enumerated() {
            if let reason = failure(of: operation) { throw TransactionConflict(operationIndex: position, reason: reason) }
        }
        index += 1
        for operation in operations {
            switch operation {
            case .set(let key, let value, let flags), .compareAndSet(let key, let value, let flags, _):
                store(Entry(key: key, flags: flags, create: entries[key]?.create ?? index, modify: index,
                            value: Data(value).base64EncodedString()))
            case .compareAndDelete(let key, _), .delete(let key):
                entries[key] = nil
                lines[key] = nil
            case .check:
                break
            }
        }
    }

    /// Consul's rules: `cas` 0 needs the key absent, `cas` N needs it present at ModifyIndex N;
    /// `delete-cas` of an absent key succeeds.
    private func failure(of operation: StoreOperation) -> String? {
        switch operation {
        case .set, .delete: return nil
        case .compareAndSet(let key, _, _, let wanted):
            let current = entries[key]?.modify
            if wanted == 0 { return current == nil ? nil : "failed to set key \"\(key)\": it already exists" }
            return current == wanted ? nil : "failed to set key \"\(key)\", index is stale (wanted \(wanted), found \(current.map(String.init) ?? "no key"))"
        case .compareAndDelete(let key, let wanted):
            guard let current = entries[key]?.modify, current != wanted else { return nil }
            return "failed to delete key \"\(key)\", index is stale (wanted \(wanted), found \(current))"
        case .check(let key, let wanted):
            let current = entries[key]?.modify
            if wanted == 0 { return current == nil ? nil : "key \"\(key)\" exists" }
            return current == wanted ? nil : "key \"\(key)\" index is \(current.map(String.init) ?? "absent"), not \(wanted)"
        }
    }

    private mutating func store(_ entry: Entry) {
        entries[entry.key] = entry
        lines[entry.key] = "{\"key\":\(jsonQuoted(entry.key)),\"flags\":\(entry.flags),\"create\":\(entry.create),"
            + "\"modify\":\(entry.modify),\"value\":\"\(entry.value)\"}"
    }

    /// One entry per line, sorted by key, so the file diffs well when someone looks at it.
    func encoded() -> String {
        let body = lines.sorted { $0.key.precedesInByteOrder($1.key) }.map(\.value).joined(separator: ",\n")
        return "{\"format\":1,\"index\":\(index),\"entries\":[\n" + body + "\n]}\n"
    }
}
