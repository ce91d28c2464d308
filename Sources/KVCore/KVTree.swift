#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a key was defined: the manifest entry's `key:` position, and for `file:` entries the file read.
public struct KeyOrigin: Sendable, Hashable {
    public let location: SourceLocation
    /// The repository path whose bytes became the value (after following symlinks), for `file:` entries.
    public let file: String?
    /// Where an inline `value:` scalar starts.
    public let value: SourceLocation?

    public init(location: SourceLocation, file: String?, value: SourceLocation? = nil) {
        self.location = location
        self.file = file
        self.value = value
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
    public let origin: KeyOrigin
    public let options: EntryOptions
    private let content: Content

    private enum Content: Sendable {
        case inline([UInt8])
        case file(FileContent)
    }

    public init(key: String, value: [UInt8], origin: KeyOrigin, options: EntryOptions = EntryOptions()) {
        self.init(key: key, content: .inline(value), origin: origin, options: options)
    }

    /// A `file:` value, read when first used.
    public init(key: String, file: FileContent, origin: KeyOrigin, options: EntryOptions = EntryOptions()) {
        self.init(key: key, content: .file(file), origin: origin, options: options)
    }

    private init(key: String, content: Content, origin: KeyOrigin, options: EntryOptions) {
        self.key = key
        self.content = content
        self.origin = origin
        self.options = options
    }

    public var value: [UInt8] {
        switch content {
        case .inline(let bytes): bytes
        case .file(let file): file.bytes
        }
    }

    /// The value's length; a `file:` value is not read for it where the revision can tell.
    public var size: Int {
        switch content {
        case .inline(let bytes): bytes.count
        case .file(let file): file.count
        }
    }

    /// The git blob id of a `file:` value read from a commit or the index.
    public var contentID: String? {
        if case .file(let file) = content { file.id } else { nil }
    }

    /// Compares blob ids when both sides have one, so unchanged files are never read.
    public func hasSameValue(as other: KVEntry) -> Bool {
        if let id = contentID, let otherID = other.contentID { return id == otherID }
        return value == other.value
    }

    public static func == (lhs: KVEntry, rhs: KVEntry) -> Bool {
        lhs.key == rhs.key && lhs.origin == rhs.origin && lhs.options == rhs.options && lhs.hasSameValue(as: rhs)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(key)
        hasher.combine(origin)
    }

    /// Where findings about the value itself belong: the file it came from, else the `value:` scalar.
    public var valueLocation: SourceLocation {
        origin.file.map { SourceLocation(file: $0, line: 1, column: 1) } ?? origin.value ?? origin.location
    }
}

/// The resolved key/value set of one revision, sorted by key (byte order, as Consul sorts).
public struct KVTree: Sendable {
    public let entries: [KVEntry]
    private let positions: [String: Int]

    public init(_ entries: [KVEntry]) {
        // Sorting positions rather than entries: an entry is large, and a merge sort copies it often.
        self.entries = entries.indices.sorted { entries[$0].key.precedesInByteOrder(entries[$1].key) }.map { entries[$0] }
        positions = Dictionary(self.entries.enumerated().map { ($1.key, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public subscript(key: String) -> KVEntry? {
        positions[key].map { entries[$0] }
    }

    public var count: Int { entries.count }

    /// The entries whose key starts with `prefix`, found by binary search in the sorted keys.
    public func entries(under prefix: String) -> ArraySlice<KVEntry> {
        entries[entries.indices(withKeyPrefix: prefix, key: \.key)]
    }
}

extension Array {
    /// The positions of the elements whose key starts with `prefix` (bytes), in an array sorted by key in
    /// byte order; found by binary search.
    public func indices(withKeyPrefix prefix: String, key: (Element) -> String) -> Range<Int> {
        let bytes = [UInt8](prefix.utf8)
        var low = 0, high = count
        while low < high {
            let middle = (low + high) / 2
            if key(self[middle]).precedesInByteOrder(prefix) { low = middle + 1 } else { high = middle }
        }
        var end = low
        while end < count && key(self[end]).utf8.starts(with: bytes) { end += 1 }
        return low..<end
    }
}

extension String {
    /// Byte order of the UTF-8 forms, the order Consul lists keys in; memcmp where the
    /// storage allows, since sorting ten thousand keys element by element shows in profiles.
    public func precedesInByteOrder(_ other: String) -> Bool {
        var left = self, right = other
        return left.withUTF8 { a in
            right.withUTF8 { b in
                let common = min(a.count, b.count)
                let order = common == 0 ? 0 : memcmp(a.baseAddress!, b.baseAddress!, common)
                return order != 0 ? order < 0 : a.count < b.count
            }
        }
    }
}
