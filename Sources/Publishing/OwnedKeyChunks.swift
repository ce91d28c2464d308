import KVCore

/// The owned-key list, split into values well under Consul's 512 KiB value limit (10,000 keys are
/// about 750 KB). Each chunk is one line per key, `KEY<tab>FLAGS<tab>HASH` (flags in 16 hex digits,
/// see `KeyStamp`; format 1 records have bare keys), joined by newlines (keys cannot hold control
/// characters), stored under an id made from its content, so an unchanged chunk is never rewritten. A chunk ends
/// after a key whose hash hits a boundary (content-defined, like rsync) or at `maxBytes`: adding or
/// removing a key changes one chunk, not every chunk after it.
public enum OwnedKeyChunks {
    static let maxBytes = 96 * 1024
    static let averageKeys: UInt64 = 512

    public struct Chunk: Sendable, Hashable {
        public let id: String
        public let bytes: [UInt8]
    }

    /// `keys` must be sorted by key.
    public static func chunks(of keys: [OwnedKey]) -> [Chunk] {
        var chunks: [Chunk] = [], current: [UInt8] = []
        func close() {
            chunks.append(Chunk(id: String(SHA256.hex(current).prefix(16)), bytes: current))
            current = []
        }
        for owned in keys {
            if !current.isEmpty { current.append(UInt8(ascii: "\n")) }
            current += owned.key.utf8
            if let stamp = owned.stamp { current += "\t\(hex16(stamp.flags))\t\(stamp.hash)".utf8 }
            if fnv1a(owned.key) % averageKeys == 0 || current.count >= maxBytes { close() }
        }
        if !current.isEmpty { close() }
        return chunks
    }

    public static func owned(in bytes: [UInt8]) -> [OwnedKey] {
        bytes.split(separator: UInt8(ascii: "\n")).map { line in
            let fields = line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
                .map { String(decoding: $0, as: UTF8.self) }
            let stamp = fields.count == 3 ? UInt64(fields[1], radix: 16).map { KeyStamp(flags: $0, hash: fields[2]) } : nil
            return OwnedKey(key: fields[0], stamp: stamp)
        }
    }

    public static func keys(in bytes: [UInt8]) -> [String] {
        owned(in: bytes).map(\.key)
    }

    private static func hex16(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// A stable hash (Swift's `Hasher` is seeded per process).
    private static func fnv1a(_ text: String) -> UInt64 {
        text.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}
