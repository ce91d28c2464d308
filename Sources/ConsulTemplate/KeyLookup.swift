/// A KV pair as ls and tree return it (consul-template's dependency.KeyPair,
/// dependency/kv_list.go): `path` is the full key, `key` is relative to the prefix asked for.
/// Offline there is no Consul index, lock or session: CreateIndex, ModifyIndex, LockIndex and
/// Flags read as 0 and Session as "".
public struct KeyValuePair: Equatable, Sendable {
    public var path: String
    public var key: String
    public var value: String

    public init(path: String, key: String, value: String) {
        self.path = path
        self.key = key
        self.value = value
    }

    /// KeyPair's exported fields in declaration order, as encoding/json and fmt write them.
    var fields: [(name: String, value: TemplateValue)] {
        [("Path", .string(path)), ("Key", .string(key)), ("Value", .string(value)), ("CreateIndex", .int(0)),
         ("ModifyIndex", .int(0)), ("LockIndex", .int(0)), ("Flags", .int(0)), ("Session", .string(""))]
    }
}

/// The caller's view of Consul KV (for kvctl: the keys of the version being validated).
public protocol KeyLookup {
    func value(forKey key: String) -> String?
    /// Pairs below `prefix`, keys relative to it: one level for `ls` (`recursive == false`),
    /// everything below for `tree`.
    func pairs(underPrefix prefix: String, recursive: Bool) -> [KeyValuePair]
    /// The whole environment `env`, `mustEnv` and `envOrDefault` read (a variable not in it is
    /// unset); nil when it is unknowable, which renders placeholders (and envOrDefault's default).
    var environment: [String: String]? { get }
}

extension KeyLookup {
    public var environment: [String: String]? { nil }
}

/// KV held in a dictionary, listing the way consul-template does: every key starting with the
/// prefix as a plain string (Consul's KV list), relative to it without leading `/`s
/// (dependency/kv_list.go), `ls` skipping anything deeper (keys containing `/`), `tree` skipping
/// folder markers (keys ending in `/`; template/funcs.go, lsFunc and treeFunc), in the byte order
/// of the full key, as Consul returns a listing.
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
            return KeyValuePair(path: key, key: relative, value: value)
        }
        .sorted { $0.path.precedesInUTF8($1.path) }
    }
}
