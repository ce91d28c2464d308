import TextPositions

/// The furthest position the parser reached where no alternative could continue, with what
/// would have been accepted there (the way Logstash reports configuration errors).
public struct LogstashSyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    /// 0-based UTF-8 byte offset.
    public let offset: Int
    public let expected: [String]
    /// `expected one of "input", "filter", "output" at line 1, column 1`
    public let message: String

    public init(position: TextPosition, expected: [String]) {
        self.line = position.line
        self.column = position.column
        self.offset = position.offset
        self.expected = expected
        let what: String
        switch expected.count {
        case 0: what = "end of input"
        case 1: what = expected[0]
        default: what = "one of " + expected.joined(separator: ", ")
        }
        self.message = "expected \(what) at line \(position.line), column \(position.column)"
    }

    /// The input exceeds one of kvctl's limits (`limit` names it) and was not checked.
    public init(position: TextPosition, limit: String) {
        self.line = position.line
        self.column = position.column
        self.offset = position.offset
        self.expected = []
        self.message = "\(limit) at line \(position.line), column \(position.column)"
    }

    public var position: TextPosition { TextPosition(line: line, column: column, offset: offset) }
    public var description: String { message }
}
