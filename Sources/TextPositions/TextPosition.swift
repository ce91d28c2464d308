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
    /// Unicode scalars before each multiple of `stride` bytes, so a column costs at most
    /// `stride` byte checks however long its line (a parser asks for many positions on one line).
    private let scalarCheckpoints: [Int]
    private static let stride = 64

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var starts = [0]
        starts.reserveCapacity(bytes.count / 32 + 1)
        var checkpoints: [Int] = []
        checkpoints.reserveCapacity(bytes.count / Self.stride + 1)
        bytes.withUnsafeBufferPointer { buffer in
            var scalars = 0
            var blockStart = 0
            while blockStart < buffer.count {
                checkpoints.append(scalars)
                let blockEnd = Swift.min(blockStart + Self.stride, buffer.count)
                for i in blockStart..<blockEnd {
                    let b = buffer[i]
                    if b == 0x0A { starts.append(i + 1) }
                    scalars &+= b & 0xC0 == 0x80 ? 0 : 1
                }
                blockStart = blockEnd
            }
        }
        self.starts = starts
        self.scalarCheckpoints = checkpoints
    }

    /// Unicode scalars that start before `offset`.
    private func scalars(before offset: Int) -> Int {
        guard !scalarCheckpoints.isEmpty else { return 0 }
        let block = min(offset / Self.stride, scalarCheckpoints.count - 1)
        var count = scalarCheckpoints[block]
        for i in block * Self.stride..<offset where bytes[i] & 0xC0 != 0x80 { count += 1 }
        return count
    }

    public var lineCount: Int { starts.count }

    public func position(of offset: Int) -> TextPosition {
        let offset = min(max(offset, 0), bytes.count)
        let line = lineNumber(of: offset)
        let column = scalars(before: offset) - scalars(before: starts[line - 1]) + 1
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
