/// What the grammar tried at a position. Declaration order is the order they are listed in an
/// error message, and each case is one bit of `Expectations`.
enum Expectation: Int, CaseIterable {
    case whitespace, comment
    case input, filter, output
    case ifKeyword, elseKeyword, name
    case openParen, bang
    case string, number, digit, dot, openBracket, fieldName
    case bareword, barewordCharacter, regexp
    case arrow, openBrace, comma
    case inKeyword, notKeyword
    case equal, notEqual, lessOrEqual, greaterOrEqual, less, greater, match, notMatch
    case and, or, xor, nand
    case closeParen, closeBracket, closeBrace
    case closingDoubleQuote, closingSingleQuote, closingSlash

    var bit: UInt64 { 1 << UInt64(rawValue) }

    var display: String {
        switch self {
        case .whitespace: "whitespace"
        case .comment: "a comment"
        case .input: "\"input\""
        case .filter: "\"filter\""
        case .output: "\"output\""
        case .ifKeyword: "\"if\""
        case .elseKeyword: "\"else\""
        case .openParen: "\"(\""
        case .bang: "\"!\""
        case .string: "a string"
        case .number: "a number"
        case .digit: "a digit"
        case .dot: "\".\""
        case .openBracket: "\"[\""
        case .fieldName: "a field name"
        case .closeBracket: "\"]\""
        case .name: "a name"
        case .bareword: "a bareword"
        case .barewordCharacter: "a letter, digit or \"_\""
        case .regexp: "a regular expression"
        case .arrow: "\"=>\""
        case .openBrace: "\"{\""
        case .comma: "\",\""
        case .inKeyword: "\"in\""
        case .notKeyword: "\"not\""
        case .equal: "\"==\""
        case .notEqual: "\"!=\""
        case .lessOrEqual: "\"<=\""
        case .greaterOrEqual: "\">=\""
        case .less: "\"<\""
        case .greater: "\">\""
        case .match: "\"=~\""
        case .notMatch: "\"!~\""
        case .and: "\"and\""
        case .or: "\"or\""
        case .xor: "\"xor\""
        case .nand: "\"nand\""
        case .closeParen: "\")\""
        case .closeBrace: "\"}\""
        case .closingDoubleQuote: "'\"' to close the string"
        case .closingSingleQuote: "\"'\" to close the string"
        case .closingSlash: "\"/\" to close the regular expression"
        }
    }

    /// Readable list: whitespace and comments are possible almost everywhere, so they are only
    /// mentioned when nothing else was possible.
    static func describe(_ set: UInt64) -> [String] {
        let layout = Expectation.whitespace.bit | Expectation.comment.bit
        let shown = set & ~layout == 0 ? set : set & ~layout
        return allCases.filter { shown & $0.bit != 0 }.map(\.display)
    }
}
