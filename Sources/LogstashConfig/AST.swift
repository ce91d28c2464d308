import TextPositions

/// A parsed pipeline configuration: the sections in source order.
public struct LogstashConfig: Equatable, Sendable {
    public var sections: [LogstashSection]
    /// Where a `#` comment runs into the end of the text with no newline after it: accepted since
    /// elastic/logstash#16058, rejected by earlier releases (elastic/logstash#15651).
    public var unterminatedComment: TextPosition?

    public init(sections: [LogstashSection], unterminatedComment: TextPosition? = nil) {
        self.sections = sections
        self.unterminatedComment = unterminatedComment
    }
}

public enum LogstashSectionKind: String, Sendable, CaseIterable {
    case input, filter, output
}

public struct LogstashSection: Equatable, Sendable {
    public var kind: LogstashSectionKind
    public var items: [LogstashItem]
    public var position: TextPosition
}

public enum LogstashItem: Equatable, Sendable {
    case plugin(LogstashPlugin)
    case branch(LogstashBranch)
}

public struct LogstashPlugin: Equatable, Sendable {
    /// The name as written; a quoted name is stored without its quotes.
    public var name: String
    public var attributes: [LogstashAttribute]
    public var position: TextPosition

    /// The value of the first attribute called `name`, if any.
    public func attribute(_ name: String) -> LogstashValue? {
        attributes.first { $0.name == name }?.value
    }
}

public struct LogstashAttribute: Equatable, Sendable {
    public var name: String
    public var value: LogstashValue
    public var position: TextPosition
}

public struct LogstashValue: Equatable, Sendable {
    /// Strings keep their raw text between the quotes: Logstash decides about escapes later.
    public indirect enum Kind: Equatable, Sendable {
        case plugin(LogstashPlugin)
        case bareword(String)
        case string(String)
        case number(String)
        case array([LogstashValue])
        case hash([LogstashHashEntry])
    }

    public var kind: Kind
    public var position: TextPosition

    /// The text of a scalar (bareword, string or number); nil for structured values.
    public var scalarText: String? {
        switch kind {
        case .bareword(let s), .string(let s), .number(let s): return s
        case .plugin, .array, .hash: return nil
        }
    }
}

public struct LogstashHashEntry: Equatable, Sendable {
    /// A number, bareword or string.
    public var key: LogstashValue
    public var value: LogstashValue
    public var position: TextPosition
}

/// `if … else if … else …`: one clause per `if`/`else if`, then an optional `else`.
public struct LogstashBranch: Equatable, Sendable {
    public var clauses: [LogstashClause]
    public var elseClause: LogstashElse?
    public var position: TextPosition
}

public struct LogstashClause: Equatable, Sendable {
    public var condition: LogstashCondition
    public var body: [LogstashItem]
    public var position: TextPosition
}

public struct LogstashElse: Equatable, Sendable {
    public var body: [LogstashItem]
    public var position: TextPosition
}

public enum LogstashBooleanOperator: String, Equatable, Sendable {
    case and, or, xor, nand
}

/// Expressions joined left to right: `operators.count == expressions.count - 1`.
public struct LogstashCondition: Equatable, Sendable {
    public var expressions: [LogstashExpression]
    public var operators: [LogstashBooleanOperator]
    public var position: TextPosition
}

public enum LogstashComparisonOperator: String, Equatable, Sendable {
    case equal = "==", notEqual = "!=", lessOrEqual = "<=", greaterOrEqual = ">="
    case less = "<", greater = ">"
}

public struct LogstashExpression: Equatable, Sendable {
    public indirect enum Kind: Equatable, Sendable {
        case group(LogstashCondition)
        case negatedGroup(LogstashCondition)
        case negatedSelector([String])
        case membership(LogstashRValue, LogstashRValue, negated: Bool)
        case comparison(LogstashRValue, LogstashComparisonOperator, LogstashRValue)
        case regexMatch(LogstashRValue, negated: Bool, pattern: LogstashRValue)
        case value(LogstashRValue)
    }

    public var kind: Kind
    public var position: TextPosition
}

public struct LogstashRValue: Equatable, Sendable {
    public indirect enum Kind: Equatable, Sendable {
        case string(String)
        case number(String)
        /// `[host][name]` as `["host", "name"]`.
        case selector([String])
        case array([LogstashValue])
        case methodCall(name: String, arguments: [LogstashRValue])
        /// The pattern between the slashes, escapes kept.
        case regexp(String)
    }

    public var kind: Kind
    public var position: TextPosition
}
