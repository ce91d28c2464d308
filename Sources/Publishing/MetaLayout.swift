/// Where kvctl keeps its own keys: `<meta-prefix><name>/record` holds a repository's version record and
/// `<meta-prefix><name>/owned/<id>` the chunks of the list of keys it owns, `<meta-prefix><name>/lock`
/// the publish lock and `<meta-prefix><name>/journal` an unfinished publish.
public struct MetaLayout: Sendable, Hashable {
    public let prefix: String

    public init(prefix: String) {
        self.prefix = prefix
    }

    public func folder(of name: String) -> String { prefix + name + "/" }
    public func record(of name: String) -> String { folder(of: name) + "record" }
    public func chunks(of name: String) -> String { folder(of: name) + "owned/" }
    public func chunk(_ id: String, of name: String) -> String { chunks(of: name) + id }
    public func lock(of name: String) -> String { folder(of: name) + "lock" }
    public func journal(of name: String) -> String { folder(of: name) + "journal" }

    /// The repository a key under the prefix belongs to, and the rest of the key after its folder.
    func split(_ key: String) -> (name: String, rest: Substring)? {
        guard key.hasPrefix(prefix) else { return nil }
        let path = key.dropFirst(prefix.count)
        guard let slash = path.firstIndex(of: "/") else { return nil }
        return (String(path[..<slash]), path[path.index(after: slash)...])
    }
}
