/// What in-place applicators evaluated, so unevaluatedProperties/unevaluatedItems know what is left.
/// Properties are tracked by member position: every in-place applicator sees the same object.
struct Annotations {
    var allProperties = false
    var properties = PositionSet()
    var allItems = false
    var itemPrefix = 0
    var items = PositionSet()

    mutating func merge(_ o: Annotations) {
        allProperties = allProperties || o.allProperties
        properties.formUnion(o.properties)
        allItems = allItems || o.allItems
        itemPrefix = max(itemPrefix, o.itemPrefix)
        items.formUnion(o.items)
    }

    func evaluated(property: Int) -> Bool { allProperties || properties.contains(property) }
    func evaluated(item: Int) -> Bool { allItems || item < itemPrefix || items.contains(item) }
}

/// Positions of object members or array items; the first 64 live inline, so the common case never allocates.
struct PositionSet {
    var low: UInt64 = 0
    var high: [UInt64] = []

    mutating func insert(_ i: Int) {
        if i < 64 {
            low |= 1 << UInt64(i)
            return
        }
        let word = i / 64 - 1
        while high.count <= word { high.append(0) }
        high[word] |= 1 << UInt64(i % 64)
    }

    func contains(_ i: Int) -> Bool {
        if i < 64 { return low & (1 << UInt64(i)) != 0 }
        let word = i / 64 - 1
        return word < high.count && high[word] & (1 << UInt64(i % 64)) != 0
    }

    mutating func formUnion(_ other: PositionSet) {
        low |= other.low
        for (k, w) in other.high.enumerated() {
            if k < high.count { high[k] |= w } else { high.append(w) }
        }
    }
}
