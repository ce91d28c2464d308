import Foundation
import JSONSchema
import KVCore

/// Splits operations into `/v1/txn` requests within both limits: operation count and request body
/// bytes, estimated from the JSON Consul receives (values are base64, 4/3 of their size). The `final`
/// operations share the last transaction.
public struct Batcher: Sendable {
    public let limits: TransactionLimits
    /// Room the first transaction keeps free: operations and bytes added when it is applied (the lock
    /// a `PendingLock` takes with it).
    public var firstReserve: (operations: Int, bytes: Int) = (0, 0)
    /// `{"KV":{"Verb":"delete-cas","Key":,"Value":"","Flags":<20 digits>,"Index":<20 digits>}},` and slack.
    static let operationOverhead = 120
    static let arrayOverhead = 2

    public init(limits: TransactionLimits) {
        self.limits = limits
    }

    public func transactions(_ regular: [StoreOperation], final: [StoreOperation]) throws(PublishError) -> [[StoreOperation]] {
        try transactions(units: regular.map { [$0] }, final: final)
    }

    /// `units` in order: a unit that fits in a transaction of its own is never split (it starts a new
    /// transaction when the current one has no room for it); a larger one fills transactions in turn.
    public func transactions(units: [[StoreOperation]], final: [StoreOperation]) throws(PublishError) -> [[StoreOperation]] {
        try transactions(phases: units.map { [$0] }, final: final)
    }

    /// `phases` in order, each a list of units: no operation of a phase goes in a transaction before
    /// one holding an operation of the phase before it (a transaction may end one phase and start
    /// the next: it applies whole). Within a phase the order is free, so each unit that fits in a
    /// transaction of its own goes in the first of the phase's transactions with room for it (first
    /// fit), which fills the gaps a read-set group leaves when it starts a new transaction; a larger
    /// unit fills transactions in turn from the last. The `final` operations share the last transaction.
    public func transactions(phases: [[[StoreOperation]]], final: [StoreOperation]) throws(PublishError) -> [[StoreOperation]] {
        var batches: [[StoreOperation]] = [], bytes: [Int] = [], used: [Int] = []
        func open() {
            let reserve = batches.isEmpty ? firstReserve : (operations: 0, bytes: 0)
            batches.append([])
            bytes.append(Self.arrayOverhead + reserve.bytes)
            used.append(reserve.operations)
        }
        for phase in phases where !phase.isEmpty {
            // The phase may join the last transaction of the phase before it, not any earlier one.
            var first = max(batches.count - 1, 0)
            for unit in phase {
                var sizes: [Int] = []
                for operation in unit { sizes.append(try checkedSize(of: operation)) }
                let unitBytes = sizes.reduce(0, +)
                if fits(unit.count, unitBytes, besides: (0, 0)) {
                    while first < batches.count && used[first] == limits.maxOperations { first += 1 }
                    let target = (first..<batches.count).first { fits(unit.count, unitBytes, besides: (used[$0], bytes[$0])) }
                        ?? { open(); return batches.count - 1 }()
                    batches[target] += unit
                    bytes[target] += unitBytes
                    used[target] += unit.count
                    continue
                }
                if batches.isEmpty { open() }
                for (operation, size) in zip(unit, sizes) {
                    let last = batches.count - 1
                    if used[last] == limits.maxOperations || bytes[last] + size > limits.maxBytes { open() }
                    batches[batches.count - 1].append(operation)
                    bytes[bytes.count - 1] += size
                    used[used.count - 1] += 1
                }
                first = batches.count - 1
            }
        }
        var finalBytes = Self.arrayOverhead
        for operation in final { finalBytes += try checkedSize(of: operation) }
        guard final.count <= limits.maxOperations, finalBytes <= limits.maxBytes else {
            throw PublishError("the sentinels and the version record go in one last transaction, but they need \(final.count) operations "
                + "and about \(finalBytes / 1024) KiB, more than a transaction allows (\(limits.maxOperations) operations, "
                + "\(limits.maxBytes / 1024) KiB); mark fewer sentinels or raise the transaction limits")
        }
        if batches.isEmpty && !final.isEmpty { open() }
        if let last = batches.indices.last, fits(final.count, finalBytes - Self.arrayOverhead, besides: (used[last], bytes[last])) {
            batches[last] += final
        } else if !final.isEmpty {
            batches.append(final)
        }
        return batches.filter { !$0.isEmpty }
    }

    /// Whether `count` operations of `bytes` fit beside a transaction's `used` operations and bytes.
    func fits(_ count: Int, _ bytes: Int, besides used: (count: Int, bytes: Int)) -> Bool {
        used.count + count <= limits.maxOperations && max(used.bytes, Self.arrayOverhead) + bytes <= limits.maxBytes
    }

    /// The operation's share of the request body, counting a `/` twice: Foundation's JSONEncoder
    /// escapes it, in keys and in base64 alike.
    public static func size(of operation: StoreOperation) -> Int {
        switch operation {
        case .set(let key, let value, _), .compareAndSet(let key, let value, _, _):
            operationOverhead + escapedSize(jsonQuoted(key)) + escapedSize(Data(value).base64EncodedString())
        case .compareAndDelete(let key, _), .delete(let key), .check(let key, _):
            operationOverhead + escapedSize(jsonQuoted(key))
        }
    }

    private static func escapedSize(_ text: String) -> Int {
        text.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "/") ? 2 : 1) }
    }

    private func checkedSize(of operation: StoreOperation) throws(PublishError) -> Int {
        let size = Self.size(of: operation)
        guard size + Self.arrayOverhead <= limits.maxBytes else {
            throw PublishError("\(operation.key) needs about \(size / 1024) KiB of transaction body (its value in base64), more than "
                + "transaction.max-bytes (\(limits.maxBytes / 1024) KiB); raise Consul's txn_max_req_len and transaction.max-bytes together")
        }
        return size
    }
}

extension StoreOperation {
    public var key: String {
        switch self {
        case .set(let key, _, _), .compareAndSet(let key, _, _, _), .compareAndDelete(let key, _), .delete(let key), .check(let key, _): key
        }
    }
}
