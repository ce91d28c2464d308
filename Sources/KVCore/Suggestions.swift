/// "Did you mean" candidates for a misspelt name.
public enum Suggestions {
    /// The candidates closest to `word` by edit distance, best first, at most `limit`, and only those
    /// close enough to be plausible typos (within a third of the word's length, at least 2).
    public static func nearest(_ word: String, among candidates: [String], limit: Int = 3) -> [String] {
        let threshold = max(2, word.count / 3)
        return candidates.map { (name: $0, distance: distance(word, $0)) }
            .filter { $0.distance <= threshold }
            .sorted { ($0.distance, $0.name) < ($1.distance, $1.name) }
            .prefix(limit).map(\.name)
    }

    /// Levenshtein distance over characters.
    public static func distance(_ lhs: String, _ rhs: String) -> Int {
        let a = Array(lhs), b = Array(rhs)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
