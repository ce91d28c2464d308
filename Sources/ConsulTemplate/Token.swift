enum Keyword: String {
    case block, `break`, `continue`, define, `else`, end, `if`, range, template, with
}

enum TokenKind: Equatable {
    case text, leftDelim, rightDelim, space, eof, error
    case identifier, field, variable, dot, nilValue, bool, number, charConstant, string, rawString
    case assign, declare, pipe, leftParen, rightParen
    /// Any other printable ASCII character inside an action (`,` in range declarations).
    case char
    case keyword(Keyword)
}

struct Token {
    var kind: TokenKind
    /// Source text; the trimmed text for `.text`, the message for `.error`.
    var text: String
    var offset: Int

    /// How Go's parser names a token in "unexpected …" messages.
    var quoted: String {
        switch kind {
        case .eof: return "EOF"
        case .error: return text
        case .keyword: return "<\(text)>"
        default:
            if text.unicodeScalars.count > 10 {
                return GoQuote.quote(String(String.UnicodeScalarView(text.unicodeScalars.prefix(10)))) + "..."
            }
            return GoQuote.quote(text)
        }
    }
}
