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
            if let stamp = owned.stamp {
                current.append(UInt8(ascii: "\t"))
                appendHex16(stamp.flags, to: &current)
                current.append(UInt8(ascii: "\t"))
                current += stamp.hash.utf8
            }
            if fnv1a(owned.key) % averageKeys == 0 || current.count >= maxBytes { close() }
        }
        if !current.isEmpty { close() }
        return chunks
    }

    /// Every run reads the record's chunks, so the lines are split by hand: no string per field but the key and hash.
    public static func owned(in bytes: [UInt8]) -> [OwnedKey] {
        bytes.split(separator: UInt8(ascii: "\n")).map { line in
            let fields = line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
            let key = String(decoding: fields[0], as: UTF8.self)
            guard fields.count == 3, let flags = hex(fields[1]) else { return OwnedKey(key: key, stamp: nil) }
            return OwnedKey(key: key, stamp: KeyStamp(flags: flags, hash: String(decoding: fields[2], as: UTF8.self)))
        }
    }

    /// The value of 1 to 16 hex digits of either case (kvctl writes 16 lowercase ones), else nil.
    private static func hex(_ digits: ArraySlice<UInt8>) -> UInt64? {
        guard (1...16).contains(digits.count) else { return nil }
        var value: UInt64 = 0
        for byte in digits {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt64(digit)
        }
        return value
    }

    public static func keys(in bytes: [UInt8]) -> [String] {
        owned(in: bytes).map(\.key)
    }

    /// `value` in 16 lowercase hex digits, appended without making a string (10,000 keys a plan).
    private static func appendHex16(_ value: UInt64, to bytes: inout [UInt8]) {
        for shift in stride(from: 60, through: 0, by: -4) {
            let digit = UInt8(truncatingIfNeeded: value >> UInt64(shift)) & 0x0F
            bytes.append(digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10)
        }
    }

    /// A stable hash (Swift's `Hasher` is seeded per process).
    private static func fnv1a(_ text: String) -> UInt64 {
        text.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}
