import Foundation
import KVCore

/// A plan written by `publish --plan --out FILE` for `kvctl apply FILE`, as Terraform's saved plans: the
/// exact operations, the indexes they are conditioned on, and what the plan was checked for (drift,
/// the delete guard). The JSON is documented in docs/saved-plans.md; `format` changes only when an
/// older kvctl could no longer apply a file exactly, never within patch releases.
public struct SavedPlan: Codable, Sendable {
    /// The format this kvctl writes and the only one it applies.
    public static let currentFormat = 1

    public struct Entry: Codable, Sendable {
        public var value: Data
        public var flags: UInt64
        public var index: UInt64
    }

    public struct Change: Codable, Sendable {
        public var key: String
        public var action: String
        /// The live entry an update or delete replaces.
        public var old: Entry?
        public var new: Data?
        public var sentinel: Bool
        public var pruned: Bool
    }

    public struct DriftedKey: Codable, Sendable {
        public var key: String
        public var kind: String
    }

    public struct Spanning: Codable, Sendable {
        public var template: String
        public var transactions: [Int]
        public var reason: String
    }

    /// One operation with Consul's `/v1/txn` verb names.
    public struct Operation: Codable, Sendable {
        public var verb: String
        public var key: String
        public var value: Data?
        public var flags: UInt64?
        public var index: UInt64?
    }

    public var format: Int
    public var repository: String
    /// The store planned against (`KVStore.description`): apply refuses another.
    public var store: String
    public var metaPrefix: String
    public var publication: Publication
    /// What the store recorded as live when planned.
    public var live: Publication?
    /// `--force` and `--allow-deletes` when planned: apply follows them, so the verdict is the plan's.
    public var force: Bool
    public var allowDeletes: Int?
    public var deleteLimit: Int
    public var ownedCount: Int
    public var unchanged: Int
    /// The ModifyIndex each written or deleted key is conditioned on (0: absent), first write of each key.
    public var indexes: [String: UInt64]
    /// The ModifyIndex of every entry under the meta prefix but the locks (records, chunks, journals).
    public var records: [String: UInt64]
    public var changes: [Change]
    public var drift: [DriftedKey]
    public var spanning: [Spanning]
    public var transactions: [[Operation]]

    public init(_ plan: PublishPlan, store: String, layout: MetaLayout, force: Bool, allowDeletes: Int?) {
        format = Self.currentFormat
        repository = plan.request.name
        self.store = store
        metaPrefix = layout.prefix
        publication = plan.request.publication
        live = plan.live
        self.force = force
        self.allowDeletes = allowDeletes
        deleteLimit = plan.deleteLimit
        ownedCount = plan.ownedCount
        unchanged = plan.unchanged
        indexes = plan.conditions
        records = plan.recordsMark
        changes = plan.changes.map { change in
            Change(key: change.key, action: change.action.rawValue,
                   old: change.old.map { Entry(value: Data($0.value), flags: $0.flags, index: $0.modifyIndex) },
                   new: change.new.map { Data($0) }, sentinel: change.sentinel, pruned: change.pruned)
        }
        drift = plan.drift.map { DriftedKey(key: $0.key, kind: $0.kind.rawValue) }
        spanning = plan.spanning.map { Spanning(template: $0.template, transactions: $0.transactions, reason: $0.reason) }
        transactions = plan.transactions.map { $0.map(Operation.init) }
    }

    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }

    /// Reads a saved plan, refusing a file of another format before decoding the rest; `source` names
    /// the file in errors.
    public static func decode(_ data: Data, source: String) throws(PublishError) -> SavedPlan {
        struct Header: Decodable { var format: Int? }
        guard let header = try? JSONDecoder().decode(Header.self, from: data), let format = header.format else {
            throw PublishError("\(source) is not a kvctl saved plan (a JSON object with a 'format' number; see docs/saved-plans.md)")
        }
        guard format == currentFormat else {
            throw PublishError("\(source) is a saved plan of format \(format); this kvctl applies format \(currentFormat) only: "
                + "make the plan again with this kvctl (kvctl publish VERSION --plan --out FILE)")
        }
        do {
            return try JSONDecoder().decode(SavedPlan.self, from: data)
        } catch {
            throw PublishError("\(source) is not a valid saved plan of format \(format): \(Self.reason(error))")
        }
    }

    private static func reason(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?: "'\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))' is missing"
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?, .dataCorrupted(let context)?:
            "'\(context.codingPath.map(\.stringValue).joined(separator: "."))': \(context.debugDescription)"
        default: "\(error)"
        }
    }

    /// The plan to apply, exactly as saved.
    public func plan() throws(PublishError) -> PublishPlan {
        guard let version = SemanticVersion(publication.version) else {
            throw PublishError("the saved plan's version '\(publication.version)' is not a semantic version")
        }
        let request = PublishRequest(name: repository, version: version, publication: publication, keys: [])
        var planned: [PublishPlan.Change] = []
        for change in changes {
            guard let action = PublishPlan.Action(rawValue: change.action) else {
                throw PublishError("the saved plan's change of \(change.key) has the unknown action '\(change.action)'")
            }
            planned.append(PublishPlan.Change(key: change.key, action: action,
                old: change.old.map { StoredEntry(key: change.key, value: Array($0.value), flags: $0.flags, modifyIndex: $0.index) },
                new: change.new.map(Array.init), sentinel: change.sentinel, pruned: change.pruned))
        }
        var drifted: [Drift] = []
        for item in drift {
            guard let kind = Drift.Kind(rawValue: item.kind) else {
                throw PublishError("the saved plan's drift of \(item.key) has the unknown kind '\(item.kind)'")
            }
            drifted.append(Drift(key: item.key, kind: kind))
        }
        var operations: [[StoreOperation]] = []
        for transaction in transactions {
            var batch: [StoreOperation] = []
            for operation in transaction { batch.append(try operation.storeOperation()) }
            operations.append(batch)
        }
        return PublishPlan(request: request, live: live, unfinished: nil, changes: planned, unchanged: unchanged, refusals: [],
                           drift: drifted, transactions: operations, deleteLimit: deleteLimit, ownedCount: ownedCount,
                           spanning: spanning.map { .init(template: $0.template, transactions: $0.transactions, reason: $0.reason) },
                           recordsMark: records)
    }
}

extension SavedPlan.Operation {
    init(_ operation: StoreOperation) {
        switch operation {
        case let .set(key, value, flags): self.init(verb: "set", key: key, value: Data(value), flags: flags, index: nil)
        case let .compareAndSet(key, value, flags, index): self.init(verb: "cas", key: key, value: Data(value), flags: flags, index: index)
        case let .compareAndDelete(key, index): self.init(verb: "delete-cas", key: key, value: nil, flags: nil, index: index)
        case let .delete(key): self.init(verb: "delete", key: key, value: nil, flags: nil, index: nil)
        case let .check(key, 0): self.init(verb: "check-not-exists", key: key, value: nil, flags: nil, index: nil)
        case let .check(key, index): self.init(verb: "check-index", key: key, value: nil, flags: nil, index: index)
        }
    }

    func storeOperation() throws(PublishError) -> StoreOperation {
        func need<T>(_ field: T?, _ name: String) throws(PublishError) -> T {
            guard let field else { throw PublishError("the saved plan's \(verb) of \(key) has no '\(name)'") }
            return field
        }
        switch verb {
        case "set": return .set(key: key, value: Array(try need(value, "value")), flags: flags ?? 0)
        case "cas": return .compareAndSet(key: key, value: Array(try need(value, "value")), flags: flags ?? 0, index: try need(index, "index"))
        case "delete-cas": return .compareAndDelete(key: key, index: try need(index, "index"))
        case "delete": return .delete(key: key)
        case "check-not-exists": return .check(key: key, index: 0)
        case "check-index": return .check(key: key, index: try need(index, "index"))
        default: throw PublishError("the saved plan has the unknown verb '\(verb)' (for \(key))")
        }
    }
}

extension PublishPlan {
    /// The ModifyIndex each key's first conditional operation expects (0: absent); later operations on
    /// a key follow the plan's own writes.
    public var conditions: [String: UInt64] {
        var conditions: [String: UInt64] = [:], seen: Set<String> = []
        for operation in transactions.joined() where seen.insert(operation.key).inserted {
            switch operation {
            case let .compareAndSet(key, _, _, index), let .compareAndDelete(key, index), let .check(key, index): conditions[key] = index
            case .set, .delete: break
            }
        }
        return conditions
    }

    /// The keys that moved since the plan read them: a conditioned key whose ModifyIndex is not the
    /// one expected, and any record, chunk or journal written, added or removed (`records`: the meta
    /// prefix as read now). Sorted, each with what changed.
    public func moved(in store: any KVStore, records: LiveState, layout: MetaLayout) async throws -> [String] {
        var moved: [String: String] = [:]
        for key in Set(recordsMark.keys).union(records.recordsMark.keys) where recordsMark[key] != records.recordsMark[key] {
            moved[key] = Self.describe(planned: recordsMark[key] ?? 0, now: records.recordsMark[key] ?? 0)
        }
        let conditions = conditions.filter { !$0.key.hasPrefix(layout.prefix) }
        var current: [String: UInt64] = [:]
        for prefix in ReadPrefixes.covering(conditions.keys, prune: []) {
            for entry in try await store.entries(under: prefix) where conditions[entry.key] != nil { current[entry.key] = entry.modifyIndex }
        }
        for (key, index) in conditions where current[key] ?? 0 != index {
            moved[key] = Self.describe(planned: index, now: current[key] ?? 0)
        }
        return moved.sorted { $0.key.precedesInByteOrder($1.key) }.map { "\($0.key) (\($0.value))" }
    }

    private static func describe(planned: UInt64, now: UInt64) -> String {
        switch (planned, now) {
        case (0, _): "created since the plan, ModifyIndex \(now)"
        case (_, 0): "deleted since the plan, which read ModifyIndex \(planned)"
        default: "ModifyIndex \(now), the plan read \(planned)"
        }
    }
}
