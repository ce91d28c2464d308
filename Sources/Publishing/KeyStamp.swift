import KVCore

/// What kvctl left in a key when it last published it: the Flags and a hash of the value. Drift is a
/// live key that no longer matches its stamp.
public struct KeyStamp: Sendable, Hashable {
    public let flags: UInt64
    /// The first 16 hex digits of the value's SHA-256.
    public let hash: String

    public init(flags: UInt64, hash: String) {
        self.flags = flags
        self.hash = hash
    }

    public init(value: [UInt8], flags: UInt64) {
        self.init(flags: flags, hash: String(SHA256.hex(value).prefix(16)))
    }

    public func matches(_ entry: StoredEntry) -> Bool {
        entry.flags == flags && KeyStamp(value: entry.value, flags: entry.flags).hash == hash
    }
}

/// A key of the owned-key list and, from record format 2 on, its stamp.
public struct OwnedKey: Sendable, Hashable {
    public let key: String
    public let stamp: KeyStamp?

    public init(key: String, stamp: KeyStamp?) {
        self.key = key
        self.stamp = stamp
    }
}
