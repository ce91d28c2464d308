/// The fewest recursive reads that cover a set of keys and prune prefixes without reading the whole
/// store: one per top-level segment, at the longest prefix its keys and prefixes share, with any
/// prefix inside another dropped. 10,000 keys under `config/service-*` are one read.
public enum ReadPrefixes {
    /// `keys` in any order.
    public static func covering(_ keys: some Sequence<String>, prune: [String]) -> [String] {
        var groups: [Substring: String] = [:]
        func add(_ key: String) {
            let top = key.utf8.firstIndex(of: UInt8(ascii: "/")).map { key[...$0] } ?? Substring(key)
            // Most keys extend their group's prefix already (a whole string's bytes end on a scalar).
            groups[top] = groups[top].map { key.utf8.starts(with: $0.utf8) ? $0 : commonPrefix($0, key) } ?? key
        }
        for key in keys { add(key) }
        for key in prune { add(key) }
        let candidates = Set(groups.values.map(routable)).sorted()
        var prefixes: [String] = []
        for candidate in candidates where !prefixes.contains(where: { candidate.hasPrefix($0) }) {
            prefixes.append(candidate)
        }
        return prefixes
    }

    /// The prefix itself, or its parent when the URL path `/v1/kv/<prefix>` is not in the canonical form
    /// Go's HTTP router keeps: a `.` or `..` segment or an empty one (`//`, a leading `/`) is answered with a
    /// redirect to the cleaned path (golang/go src/net/http/server.go, ServeMux.Handler and cleanPath), so
    /// `config/.` reads `config/`. A trailing `/` is kept by the router and stays.
    static func routable(_ prefix: String) -> String {
        let segments = prefix.split(separator: "/", omittingEmptySubsequences: false)
        guard let bad = segments.indices.first(where: { position in
            let segment = segments[position]
            return segment == "." || segment == ".." || (segment.isEmpty && position != segments.count - 1)
        }) else { return prefix }
        return segments[..<bad].map { $0 + "/" }.joined()
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
