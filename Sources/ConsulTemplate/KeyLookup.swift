/// A KV pair as ls and tree return it: `key` is relative to the prefix asked for.
public struct KeyValuePair: Equatable, Sendable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// The caller's view of Consul KV (for kvctl: the keys of the version being validated).
public protocol KeyLookup {
    func value(forKey key: String) -> String?
    /// Pairs below `prefix`, keys relative to it: one level for `ls` (`recursive == false`),
    /// everything below for `tree`.
    func pairs(underPrefix prefix: String, recursive: Bool) -> [KeyValuePair]
}

/// KV held in a dictionary, listing the way consul-template does: keys relative to the prefix
/// without a leading `/`, `ls` skipping anything deeper (keys containing `/`), `tree` skipping
/// folder markers (keys ending in `/`), sorted by key.
public struct DictionaryKeyLookup: KeyLookup, Sendable {
    public var values: [String: String]

    public init(_ values: [String: String]) {
        self.values = values
    }

    public func value(forKey key: String) -> String? { values[key] }

    public func pairs(underPrefix prefix: String, recursive: Bool) -> [KeyValuePair] {
        values.compactMap { key, value -> KeyValuePair? in
            guard key.hasPrefix(prefix) else { return nil }
            let relative = String(key.dropFirst(prefix.count).drop { $0 == "/" })
            if relative.isEmpty || relative.hasSuffix("/") { return nil }
            if !recursive, relative.contains("/") { return nil }
            return KeyValuePair(key: relative, value: value)
        }
        .sorted { $0.key < $1.key }
    }
}
