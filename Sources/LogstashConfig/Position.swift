/// A place in the source: 1-based line and column (column counts Unicode scalars, as Logstash
/// counts characters) plus the 0-based UTF-8 byte offset.
public struct LogstashPosition: Hashable, Sendable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public let offset: Int

    public init(line: Int, column: Int, offset: Int) {
        self.line = line
        self.column = column
        self.offset = offset
    }

    public var description: String { "line \(line), column \(column)" }
}

/// Byte offsets of line starts, built once per parse so positions cost a binary search.
struct LineIndex {
    private let starts: [Int]

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        var starts = [0]
        starts.reserveCapacity(bytes.count / 32 + 1)
        for i in 0..<bytes.count where bytes[i] == 0x0A {
            starts.append(i + 1)
        }
        self.starts = starts
    }

    func position(of offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> LogstashPosition {
        var lo = 0
        var hi = starts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) >> 1
            if starts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        var column = 1
        var i = starts[lo]
        while i < offset {
            // UTF-8 continuation bytes do not start a new character.
            if bytes[i] & 0xC0 != 0x80 { column += 1 }
            i += 1
        }
        return LogstashPosition(line: lo + 1, column: column, offset: offset)
    }
}
