/// A 1-based line and column (columns count Unicode scalars) plus the byte offset.
public struct JSONSourceLocation: Sendable, Hashable, CustomStringConvertible {
    public let offset: Int
    public let line: Int
    public let column: Int

    public var description: String { "\(line):\(column)" }

    static func locate(offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> JSONSourceLocation {
        var line = 1
        var lineStart = 0
        let limit = min(offset, bytes.count)
        for i in 0..<limit where bytes[i] == UInt8(ascii: "\n") {
            line += 1
            lineStart = i + 1
        }
        return JSONSourceLocation(offset: offset, line: line, column: column(from: lineStart, to: limit, in: bytes))
    }

    static func column(from lineStart: Int, to offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var column = 1
        for i in lineStart..<offset where bytes[i] & 0xC0 != 0x80 { column += 1 }
        return column
    }
}

public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public let location: JSONSourceLocation
    public var line: Int { location.line }
    public var column: Int { location.column }
    public var description: String { "line \(location.line), column \(location.column): \(message)" }
}

/// Non-fatal findings such as duplicate object keys (the last occurrence wins).
public struct JSONParseWarning: Sendable, Hashable, CustomStringConvertible {
    public let message: String
    /// JSON Pointer of the affected member.
    public let pointer: String
    public let location: JSONSourceLocation
    public var description: String { "line \(location.line), column \(location.column): \(message)" }
}

/// Maps JSON Pointers of parsed values to where each value starts in the source.
/// Line and column are computed on demand from recorded byte offsets.
public struct JSONPositionMap: Sendable {
    let offsets: [String: Int]
    let source: [UInt8]
    let lineStarts: [Int]

    init(offsets: [String: Int], source: [UInt8]) {
        self.offsets = offsets
        self.source = source
        var starts = [0]
        for (i, b) in source.enumerated() where b == UInt8(ascii: "\n") { starts.append(i + 1) }
        lineStarts = starts
    }

    public var count: Int { offsets.count }

    /// The start of the value at `pointer`, or nil if no value has that pointer.
    public func location(of pointer: String) -> JSONSourceLocation? {
        offsets[pointer].map(location(ofOffset:))
    }

    /// The location of `pointer` or of its closest existing ancestor, which is what an error
    /// about a missing member should point at.
    public func nearestLocation(of pointer: String) -> JSONSourceLocation? {
        var p = Substring(pointer)
        while true {
            if let off = offsets[String(p)] { return location(ofOffset: off) }
            guard let slash = p.lastIndex(of: "/") else { return nil }
            p = p[..<slash]
        }
    }

    func location(ofOffset offset: Int) -> JSONSourceLocation {
        // Last line start <= offset.
        var lo = 0
        var hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        let column = source.withUnsafeBufferPointer {
            JSONSourceLocation.column(from: lineStarts[lo], to: offset, in: $0)
        }
        return JSONSourceLocation(offset: offset, line: lo + 1, column: column)
    }
}

/// Tracks the JSON Pointer of the value being parsed, as UTF-8 bytes to keep appends cheap.
struct PointerRecorder {
    var current: [UInt8] = []
    var lengths: [Int] = []
    var offsets: [String: Int] = [:]

    mutating func record(offset: Int) {
        offsets[String(decoding: current, as: UTF8.self)] = offset
    }

    mutating func push(key: String) {
        lengths.append(current.count)
        current.append(UInt8(ascii: "/"))
        for b in key.utf8 {
            switch b {
            case UInt8(ascii: "~"): current.append(contentsOf: [UInt8(ascii: "~"), UInt8(ascii: "0")])
            case UInt8(ascii: "/"): current.append(contentsOf: [UInt8(ascii: "~"), UInt8(ascii: "1")])
            default: current.append(b)
            }
        }
    }

    mutating func push(index: Int) {
        lengths.append(current.count)
        current.append(UInt8(ascii: "/"))
        current.append(contentsOf: String(index).utf8)
    }

    mutating func pop() {
        current.removeSubrange(lengths.removeLast()...)
    }

    var pointer: String { String(decoding: current, as: UTF8.self) }
}
