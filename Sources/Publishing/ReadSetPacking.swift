import KVCore

/// Keeps each template's read set in one transaction. consul-template renders whatever it read last,
/// so a publish split across transactions can be rendered half old, half new; a read set written in
/// one transaction changes at one Raft index, and with consul-template's `wait` (quiescence) the
/// template never sees a mix. Read sets that share keys must share a transaction too, so they are
/// merged; a merged group too large for one transaction falls back to each template's own set.
struct ReadSetPacking {
    let readSets: [TemplateReadSet]
    /// The room one group may take: a whole transaction.
    let room: TransactionLimits

    /// `operations` (creates and updates, sorted by key) as units for `Batcher`, ordered by their
    /// first key: each group's operations together, every other operation alone.
    func units(_ operations: [StoreOperation]) -> [[StoreOperation]] {
        guard !readSets.isEmpty else { return operations.map { [$0] } }
        let members = readSets.map { positions(in: operations, readBy: $0, key: \.key) }
        var parent = Array(operations.indices)
        func root(_ index: Int) -> Int {
            var index = index
            while parent[index] != index { (parent[index], index) = (parent[parent[index]], parent[index]) }
            return index
        }
        for set in members where set.count > 1 {
            for position in set.dropFirst() { parent[root(position)] = root(set[0]) }
        }
        var groups: [Int: [Int]] = [:]
        for position in operations.indices { groups[root(position), default: []].append(position) }

        var unitOf = Array(repeating: -1, count: operations.count), units: [[Int]] = []
        func assign(_ positions: [Int]) {
            for position in positions { unitOf[position] = units.count }
            units.append(positions)
        }
        for group in groups.values.sorted(by: { $0[0] < $1[0] }) where group.count > 1 {
            if fits(group.map { operations[$0] }) { assign(group); continue }
            let inGroup = Set(group)
            for set in members where set.first.map(inGroup.contains) == true {
                let free = set.filter { unitOf[$0] == -1 }
                if free.count > 1, fits(free.map { operations[$0] }) { assign(free) }
            }
        }
        for position in operations.indices where unitOf[position] == -1 { assign([position]) }
        return units.sorted { $0.min()! < $1.min()! }.map { $0.sorted().map { operations[$0] } }
    }

    func fits(_ operations: [StoreOperation]) -> Bool {
        operations.count <= room.maxOperations
            && operations.reduce(Batcher.arrayOverhead) { $0 + Batcher.size(of: $1) } <= room.maxBytes
    }

    /// The templates whose changed keys the plan writes in more than one transaction, and why.
    func spanning(_ transactions: [[StoreOperation]], changes: [PublishPlan.Change]) -> [PublishPlan.SpanningReadSet] {
        guard transactions.count > 1 else { return [] }
        var position: [String: Int] = [:]
        for (index, transaction) in transactions.enumerated() {
            for operation in transaction { position[operation.key] = index + 1 }
        }
        let read = readSets.map { set in positions(in: changes, readBy: set, key: \.key).map { changes[$0] } }
        var result: [PublishPlan.SpanningReadSet] = []
        for (index, set) in readSets.enumerated() {
            let spread = Set(read[index].compactMap { position[$0.key] }).sorted()
            guard spread.count > 1 else { continue }
            let writes = read[index].filter { $0.action != .delete && !$0.sentinel }
            let reason: String
            if !fits(writes.map { .set(key: $0.key, value: $0.new ?? [], flags: 0) }) {
                reason = "its \(TreeDiff.count(writes.count, "changed key")) are more than one transaction holds "
                    + "(transaction.max-operations \(room.maxOperations), max-bytes \(room.maxBytes / 1024) KiB)"
            } else if read[index].contains(where: { $0.action == .delete }) {
                reason = "it reads keys this publish deletes, and deletes follow every create and update"
            } else if let sentinel = read[index].first(where: \.sentinel) {
                reason = "it reads the sentinel \(sentinel.key), which is written in the last transaction"
            } else {
                let keys = Set(read[index].map(\.key))
                let others = readSets.indices.filter { $0 != index && read[$0].contains { keys.contains($0.key) } }
                    .map { readSets[$0].template }
                reason = others.isEmpty ? "its keys did not fit beside the others in one transaction"
                    : "it shares keys with \(others.prefix(3).joined(separator: ", "))\(others.count > 3 ? " and \(others.count - 3) more" : ""), "
                        + "and their read sets together are more than one transaction holds"
            }
            result.append(.init(template: set.template, transactions: spread, reason: reason))
        }
        return result.sorted { $0.template.precedesInByteOrder($1.template) }
    }

    /// The positions of the elements (sorted by key) that `set` reads.
    private func positions<Element>(in elements: [Element], readBy set: TemplateReadSet, key: (Element) -> String) -> [Int] {
        var found = Set<Int>()
        for prefix in set.prefixes { found.formUnion(elements.indices(withKeyPrefix: prefix, key: key)) }
        for wanted in set.keys { found.formUnion(elements.indices(withKeyPrefix: wanted, key: key).filter { key(elements[$0]) == wanted }) }
        return found.sorted()
    }
}
