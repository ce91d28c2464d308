import KVCore

/// What deciding "nothing to publish" needs of a version, without its values: its keys in the
/// request's byte order and the `KeyStamp` hash of each value. Kept in the result cache by commit
/// (`ReleaseSource`), so republishing the live release compares the record's stamps with it instead
/// of resolving the tree and hashing every value again.
public struct VersionDigest: Sendable, Equatable {
    public let keys: [String]
    /// `hashes[i]` is the stamp hash of the value of `keys[i]`.
    public let hashes: [String]

    /// The digest of `keys` as a `PublishRequest` holds them (sorted by key).
    public init(_ keys: [DesiredKey]) {
        self.keys = keys.map(\.key)
        hashes = keys.concurrentMap { KeyStamp(value: $0.value, flags: 0).hash }
    }

    public func encoded() -> [UInt8] {
        var writer = RecordWriter()
        writer.write(keys) { $0.write($1) }
        writer.write(hashes) { $0.write($1) }
        return writer.bytes
    }

    /// Nil for a damaged record: anything but two lists of the same length, keys strictly in byte order.
    public init?(decoding record: [UInt8]) {
        var reader = RecordReader(record)
        guard let keys = reader.list({ $0.string() }), let hashes = reader.list({ $0.string() }), reader.isAtEnd,
              keys.count == hashes.count, zip(keys, keys.dropFirst()).allSatisfy({ $0.precedesInByteOrder($1) }) else { return nil }
        self.keys = keys
        self.hashes = hashes
    }
}

extension PublishRequest {
    /// The stamp of `keys[index]` with `flags`, its hash from the digest when the digest has that key
    /// at that place, so a value is hashed once per run.
    public func stamp(at index: Int, flags: UInt64) -> KeyStamp {
        if let digest, index < digest.keys.count, digest.keys[index] == keys[index].key {
            return KeyStamp(flags: flags, hash: digest.hashes[index])
        }
        return KeyStamp(value: keys[index].value, flags: flags)
    }
}
