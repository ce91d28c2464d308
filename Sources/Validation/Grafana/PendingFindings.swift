import KVCore

/// Findings of one dashboard gathered by pointer, then placed with one parse of the value, at most
/// `limit` per rule: the rest are counted in one finding at the dashboard, never dropped unsaid.
struct PendingFindings {
    private var pending: [(rule: Rule, pointer: String, message: String)] = []
    let base: String

    init(base: String) { self.base = base }

    mutating func add(_ rule: Rule, _ pointer: String, _ message: String) {
        pending.append((rule, pointer, message))
    }

    func resolve(in document: Document, truncated: Rule, limit: Int) -> [Diagnostic] {
        var counts: [String: Int] = [:]
        var kept: [(rule: Rule, pointer: String, message: String)] = []
        var omitted: [(rule: Rule, count: Int)] = []
        for finding in pending {
            counts[finding.rule.id, default: 0] += 1
            if counts[finding.rule.id]! <= limit {
                kept.append(finding)
            } else if counts[finding.rule.id] == limit + 1 {
                omitted.append((finding.rule, 0))
            }
        }
        for index in omitted.indices { omitted[index].count = counts[omitted[index].rule.id]! - limit }
        let locations = document.locations(of: kept.map(\.pointer) + (omitted.isEmpty ? [] : [base]))
        var result = zip(kept, locations).map { finding, location in finding.rule.finding(at: location, finding.message) }
        for (rule, count) in omitted {
            result.append(truncated.finding(at: locations[locations.count - 1],
                "\(count) more '\(rule.id)' findings in this dashboard are left out after the first \(limit)"))
        }
        return result
    }
}
