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

/// A manifest field's text and where it was written, so a finding about it can point there.
public struct Located<Value: Sendable & Hashable>: Sendable, Hashable {
    public let value: Value
    public let location: SourceLocation

    public init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }
}

/// The optional per-entry fields that steer validation.
public struct EntryOptions: Sendable, Hashable {
    /// A schema file, relative to the schema folder, that the value must satisfy.
    public var schema: Located<String>?
    /// The kind of content, overriding detection (`logstash`, `consul-template`, ...).
    public var type: Located<String>?
    /// Why a secret-guard finding on this entry is a reviewed false positive.
    public var allowSecret: Located<String>?
    /// Written in a publish's last transaction: the key tells consumers everything else is there.
    public var sentinel: Bool

    public init(schema: Located<String>? = nil, type: Located<String>? = nil, allowSecret: Located<String>? = nil,
                sentinel: Bool = false) {
        self.schema = schema
        self.type = type
        self.allowSecret = allowSecret
        self.sentinel = sentinel
    }
}

/// One resolved key and its value's exact bytes.
public struct KVEntry: Sendable, Hashable {
    public let key: String
    public let value: [UInt8]
    public let origin: KeyOrigin
    public let options: EntryOptions

    public init(key: String, value: [UInt8], origin: KeyOrigin, options: EntryOptions = EntryOptions()) {
        self.key = key
        self.value = value
        self.origin = origin
        self.options = options
    }

    /// Where findings about the value itself belong: the file it came from, else the manifest entry.
    public var valueLocation: SourceLocation {
        origin.file.map { SourceLocation(file: $0, line: 1, column: 1) } ?? origin.location
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

    /// The entries whose key starts with `prefix`, found by binary search in the sorted keys.
    public func entries(under prefix: String) -> ArraySlice<KVEntry> {
        let bytes = Array(prefix.utf8)
        var low = 0, high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].key.utf8.lexicographicallyPrecedes(bytes) { low = middle + 1 } else { high = middle }
        }
        var end = low
        while end < entries.count && entries[end].key.utf8.starts(with: bytes) { end += 1 }
        return entries[low..<end]
    }
}
