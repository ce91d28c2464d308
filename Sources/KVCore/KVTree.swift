/// Where a key was defined: the manifest entry's `key:` position, and for `file:` entries the file read.
public struct KeyOrigin: Sendable, Hashable {
    public let location: SourceLocation
    /// The repository path whose bytes became the value (after following symlinks), for `file:` entries.
    public let file: String?

    public init(location: SourceLocation, file: String?) {
        self.location = location
        self.file = file
    }
}

/// One resolved key and its value's exact bytes.
public struct KVEntry: Sendable, Hashable {
    public let key: String
    public let value: [UInt8]
    public let origin: KeyOrigin

    public init(key: String, value: [UInt8], origin: KeyOrigin) {
        self.key = key
        self.value = value
        self.origin = origin
    }
}

/// The resolved key/value set of one revision, sorted by key (byte order, as Consul sorts).
public struct KVTree: Sendable {
    public let entries: [KVEntry]
    private let positions: [String: Int]

    public init(_ entries: [KVEntry]) {
        self.entries = entries.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        positions = Dictionary(self.entries.enumerated().map { ($1.key, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public subscript(key: String) -> KVEntry? {
        positions[key].map { entries[$0] }
    }

    public var count: Int { entries.count }
}
