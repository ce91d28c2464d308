/// The fewest recursive reads that cover a set of keys and prune prefixes without reading the whole
/// store: one per top-level segment, at the longest prefix its keys and prefixes share, with any
/// prefix inside another dropped. 10,000 keys under `config/service-*` are one read.
public enum ReadPrefixes {
    /// `keys` in any order.
    public static func covering(_ keys: some Sequence<String>, prune: [String]) -> [String] {
        var groups: [Substring: String] = [:]
        for key in Array(keys) + prune {
            let top = key.firstIndex(of: "/").map { key[...$0] } ?? Substring(key)
            groups[top] = groups[top].map { commonPrefix($0, key) } ?? key
        }
        let candidates = groups.values.sorted()
        var prefixes: [String] = []
        for candidate in candidates where !prefixes.contains(where: { candidate.hasPrefix($0) }) {
            prefixes.append(candidate)
        }
        return prefixes
    }

    /// Compared by Unicode scalars so a prefix never ends inside a character's UTF-8 bytes.
    private static func commonPrefix(_ a: String, _ b: String) -> String {
        var scalars = String.UnicodeScalarView()
        for (x, y) in zip(a.unicodeScalars, b.unicodeScalars) {
            guard x == y else { break }
            scalars.append(x)
        }
        return String(scalars)
    }
}
