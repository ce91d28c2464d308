import KVCore

/// The owned-key list, split into values well under Consul's 512 KiB value limit (10,000 keys are
/// about 400 KB). Each chunk is its keys joined by newlines (keys cannot hold control characters),
/// stored under an id made from its content, so an unchanged chunk is never rewritten. A chunk ends
/// after a key whose hash hits a boundary (content-defined, like rsync) or at `maxBytes`: adding or
/// removing a key changes one chunk, not every chunk after it.
public enum OwnedKeyChunks {
    static let maxBytes = 96 * 1024
    static let averageKeys: UInt64 = 512

    public struct Chunk: Sendable, Hashable {
        public let id: String
        public let bytes: [UInt8]
    }

    /// `keys` must be sorted.
    public static func chunks(of keys: [String]) -> [Chunk] {
        var chunks: [Chunk] = [], current: [UInt8] = []
        func close() {
            chunks.append(Chunk(id: String(SHA256.hex(current).prefix(16)), bytes: current))
            current = []
        }
        for key in keys {
            if !current.isEmpty { current.append(UInt8(ascii: "\n")) }
            current += key.utf8
            if fnv1a(key) % averageKeys == 0 || current.count >= maxBytes { close() }
        }
        if !current.isEmpty { close() }
        return chunks
    }

    public static func keys(in bytes: [UInt8]) -> [String] {
        bytes.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
    }

    /// A stable hash (Swift's `Hasher` is seeded per process).
    private static func fnv1a(_ text: String) -> UInt64 {
        text.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}
