import Synchronization

/// A place in a UTF-8 text: 1-based line and column (the column counts Unicode scalars, as Logstash
/// and Go count characters) plus the 0-based byte offset. Shared by the Logstash and template parsers.
public struct TextPosition: Hashable, Sendable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public let offset: Int

    public init(line: Int, column: Int, offset: Int) {
        self.line = line
        self.column = column
        self.offset = offset
    }

    public var description: String { "\(line):\(column)" }
}

/// Line starts of a UTF-8 text, to turn offsets into positions and back.
public struct LineIndex: Sendable {
    public let bytes: [UInt8]
    private let starts: [Int]
    /// Built on first need: only a position far into a long line uses it.
    private let checkpoints = ScalarCheckpoints()

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var starts = [0]
        starts.reserveCapacity(bytes.count / 32 + 1)
        bytes.withUnsafeBufferPointer { buffer in
            for i in buffer.indices where buffer[i] == 0x0A { starts.append(i + 1) }
        }
        self.starts = starts
    }

    public var lineCount: Int { starts.count }

    public func position(of offset: Int) -> TextPosition {
        let offset = min(max(offset, 0), bytes.count)
        let line = lineNumber(of: offset)
        let start = starts[line - 1]
        // Counting from the line start would make many positions on one long line quadratic
        // (a generated one-line config); far from the start, count from a checkpoint instead.
        guard offset - start > ScalarCheckpoints.stride else {
            var column = 1
            for i in start..<offset where bytes[i] & 0xC0 != 0x80 { column += 1 }
            return TextPosition(line: line, column: column, offset: offset)
        }
        let column = checkpoints.scalars(before: offset, in: bytes) - checkpoints.scalars(before: start, in: bytes) + 1
        return TextPosition(line: line, column: column, offset: offset)
    }

    public func lineNumber(of offset: Int) -> Int {
        var lo = 0
        var hi = starts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) >> 1
            if starts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return lo + 1
    }

    /// Byte offset of a 1-based line and column; nil when the line does not exist. A column past
    /// the end of the line gives the line's end.
    public func offset(line: Int, column: Int) -> Int? {
        guard line >= 1, line <= starts.count else { return nil }
        let lineEnd = line < starts.count ? starts[line] - 1 : bytes.count
        var offset = starts[line - 1]
        var remaining = max(column, 1) - 1
        while remaining > 0, offset < lineEnd {
            offset += 1
            while offset < lineEnd, bytes[offset] & 0xC0 == 0x80 { offset += 1 }
            remaining -= 1
        }
        return offset
    }

    public func lineRange(_ line: Int) -> Range<Int> {
        let start = starts[line - 1]
        let end = line < starts.count ? starts[line] - 1 : bytes.count
        return start..<end
    }
}

/// Unicode scalars before each multiple of `stride` bytes, so that a column costs at most
/// `stride` byte checks however long its line.
final class ScalarCheckpoints: Sendable {
    static let stride = 256
    private let table = Mutex<[Int]?>(nil)

    func scalars(before offset: Int, in bytes: [UInt8]) -> Int {
        let table = table.withLock { table in
            if table == nil { table = Self.build(bytes) }
            return table!
        }
        let block = offset / Self.stride
        var count = table[block]
        for i in block * Self.stride..<offset where bytes[i] & 0xC0 != 0x80 { count += 1 }
        return count
    }

    private static func build(_ bytes: [UInt8]) -> [Int] {
        var table: [Int] = []
        table.reserveCapacity(bytes.count / stride + 1)
        var scalars = 0
        for i in 0...bytes.count {
            if i % stride == 0 { table.append(scalars) }
            if i < bytes.count, bytes[i] & 0xC0 != 0x80 { scalars += 1 }
        }
        return table
    }
}
