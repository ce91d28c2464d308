/// Splits a template into tokens the way Go's text/template lexer does: text, delimiters with
/// their trim markers applied, and the items inside actions. Comments produce no token. Lexing
/// stops at the first error, which becomes the last token.
struct Lexer {
    private let src: [UInt8]
    private let left: [UInt8]
    private let right: [UInt8]
    private var pos = 0
    private var actionStart = 0
    private var parenDepth = 0
    private var tokens: [Token] = []

    init(_ src: [UInt8], leftDelimiter: String, rightDelimiter: String) {
        self.src = src
        self.left = Array(leftDelimiter.utf8)
        self.right = Array(rightDelimiter.utf8)
    }

    mutating func tokenize() -> [Token] {
        while lexTextAndAction() {}
        return tokens
    }

    // MARK: Helpers

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A }

    private func byte(_ p: Int) -> UInt8? { p < src.count ? src[p] : nil }

    private func hasPrefix(_ bytes: [UInt8], at p: Int) -> Bool {
        guard p + bytes.count <= src.count else { return false }
        for i in 0..<bytes.count where src[p + i] != bytes[i] { return false }
        return true
    }

    private func find(_ bytes: [UInt8], from: Int) -> Int? {
        var p = from
        while p + bytes.count <= src.count {
            if hasPrefix(bytes, at: p) { return p }
            p += 1
        }
        return nil
    }

    private func text(_ range: Range<Int>) -> String { String(decoding: src[range], as: UTF8.self) }

    private mutating func emit(_ kind: TokenKind, _ range: Range<Int>) {
        tokens.append(Token(kind: kind, text: text(range), offset: range.lowerBound))
    }

    /// Records the error as the final token; always returns false to stop lexing.
    private mutating func error(_ message: String, at offset: Int) -> Bool {
        tokens.append(Token(kind: .error, text: message, offset: offset))
        return false
    }

    /// `- ` right after a left delimiter.
    private func hasLeftTrimMarker(at p: Int) -> Bool {
        byte(p) == UInt8(ascii: "-") && byte(p + 1).map(Self.isSpace) == true
    }

    /// A right delimiter at `pos`, possibly preceded by the ` -` trim marker.
    private func atRightDelimiter() -> (found: Bool, trims: Bool) {
        if let b = byte(pos), Self.isSpace(b), byte(pos + 1) == UInt8(ascii: "-"), hasPrefix(right, at: pos + 2) {
            return (true, true)
        }
        return (hasPrefix(right, at: pos), false)
    }

    private mutating func skipSpaces() {
        while let b = byte(pos), Self.isSpace(b) { pos += 1 }
    }

    // MARK: Text, delimiters, comments

    private mutating func lexTextAndAction() -> Bool {
        guard let delim = find(left, from: pos) else {
            if pos < src.count { emit(.text, pos..<src.count) }
            tokens.append(Token(kind: .eof, text: "", offset: src.count))
            return false
        }
        let afterDelim = delim + left.count
        let trims = hasLeftTrimMarker(at: afterDelim)
        var textEnd = delim
        if trims {
            while textEnd > pos, Self.isSpace(src[textEnd - 1]) { textEnd -= 1 }
        }
        if textEnd > pos { emit(.text, pos..<textEnd) }
        actionStart = delim
        pos = afterDelim + (trims ? 2 : 0)
        if hasPrefix(Array("/*".utf8), at: pos) { return lexComment() }
        emit(.leftDelim, delim..<afterDelim)
        parenDepth = 0
        return lexInsideAction()
    }

    private mutating func lexComment() -> Bool {
        guard let close = find(Array("*/".utf8), from: pos + 2) else {
            return error("unclosed comment", at: actionStart)
        }
        pos = close + 2
        let (found, trims) = atRightDelimiter()
        guard found else { return error("comment ends before closing delimiter", at: pos) }
        pos += (trims ? 2 : 0) + right.count
        if trims { skipSpaces() }
        return true
    }

    // MARK: Inside actions

    private mutating func lexInsideAction() -> Bool {
        while true {
            let (found, trims) = atRightDelimiter()
            if found {
                guard parenDepth == 0 else { return error("unclosed left paren", at: pos) }
                let start = pos + (trims ? 2 : 0)
                pos = start + right.count
                emit(.rightDelim, start..<pos)
                if trims { skipSpaces() }
                return true
            }
            guard let b = byte(pos) else { return error("unclosed action", at: actionStart) }
            let start = pos
            switch b {
            case _ where Self.isSpace(b):
                lexSpace()
            case UInt8(ascii: "="):
                pos += 1
                emit(.assign, start..<pos)
            case UInt8(ascii: ":"):
                guard byte(pos + 1) == UInt8(ascii: "=") else { return error("expected :=", at: start) }
                pos += 2
                emit(.declare, start..<pos)
            case UInt8(ascii: "|"):
                pos += 1
                emit(.pipe, start..<pos)
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                guard lexQuoted(b) else { return false }
            case UInt8(ascii: "`"):
                guard let close = src[(pos + 1)...].firstIndex(of: UInt8(ascii: "`")) else {
                    return error("unterminated raw quoted string", at: start)
                }
                pos = close + 1
                emit(.rawString, start..<pos)
            case UInt8(ascii: "$"):
                pos += 1
                guard lexWord(.variable, start: start) else { return false }
            case UInt8(ascii: "."):
                if let next = byte(pos + 1), next >= UInt8(ascii: "0"), next <= UInt8(ascii: "9") {
                    guard lexNumber() else { return false }
                } else {
                    pos += 1
                    guard lexWord(.field, start: start) else { return false }
                }
            case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard lexNumber() else { return false }
            case UInt8(ascii: "("):
                pos += 1
                parenDepth += 1
                emit(.leftParen, start..<pos)
            case UInt8(ascii: ")"):
                pos += 1
                parenDepth -= 1
                guard parenDepth >= 0 else { return error("unexpected right paren", at: start) }
                emit(.rightParen, start..<pos)
            default:
                if isAlphanumeric(at: pos) {
                    guard lexWord(.identifier, start: start) else { return false }
                } else if b >= 0x21, b < 0x7F {
                    pos += 1
                    emit(.char, start..<pos)
                } else {
                    return error("unrecognized character in action: \(describe(scalarAt: pos))", at: start)
                }
            }
        }
    }

    /// Blanks between items. The blank before ` -}}` belongs to the trim marker.
    private mutating func lexSpace() {
        let start = pos
        skipSpaces()
        if byte(pos) == UInt8(ascii: "-"), hasPrefix(right, at: pos + 1) { pos -= 1 }
        if pos > start { emit(.space, start..<pos) }
    }

    private func scalar(at p: Int) -> Unicode.Scalar? {
        var iterator = src[p...].makeIterator()
        var decoder = UTF8()
        if case .scalarValue(let scalar) = decoder.decode(&iterator) { return scalar }
        return nil
    }

    private func scalarLength(at p: Int) -> Int {
        guard let s = scalar(at: p) else { return 1 }
        return String(s).utf8.count
    }

    private func describe(scalarAt p: Int) -> String {
        guard let s = scalar(at: p) else { return "U+FFFD '\u{FFFD}'" }
        return "U+" + GoQuote.hex(s.value, width: 4).uppercased() + " '\(s)'"
    }

    /// Go's isAlphaNumeric: `_`, letters and digits.
    private func isAlphanumeric(at p: Int) -> Bool {
        guard p < src.count, let s = scalar(at: p) else { return false }
        return s == "_" || s.properties.isAlphabetic || s.properties.numericType != nil
    }

    /// Whether an item may end here (Go's atTerminator).
    private func atTerminator() -> Bool {
        guard let b = byte(pos) else { return true }
        if Self.isSpace(b) { return true }
        switch b {
        case UInt8(ascii: "."), UInt8(ascii: ","), UInt8(ascii: "|"), UInt8(ascii: ":"),
             UInt8(ascii: ")"), UInt8(ascii: "("):
            return true
        default:
            return hasPrefix(right, at: pos)
        }
    }

    /// Identifiers, keywords, `.Field` (or a lone `.`) and `$var` (or a lone `$`).
    private mutating func lexWord(_ kind: TokenKind, start: Int) -> Bool {
        while isAlphanumeric(at: pos) { pos += scalarLength(at: pos) }
        guard atTerminator() else {
            return error("bad character \(describe(scalarAt: pos))", at: pos)
        }
        let word = text(start..<pos)
        switch kind {
        case .identifier:
            if let keyword = Keyword(rawValue: word) {
                emit(.keyword(keyword), start..<pos)
            } else if word == "true" || word == "false" {
                emit(.bool, start..<pos)
            } else if word == "nil" {
                emit(.nilValue, start..<pos)
            } else {
                emit(.identifier, start..<pos)
            }
        case .field where pos == start + 1:
            emit(.dot, start..<pos)
        default:
            emit(kind, start..<pos)
        }
        return true
    }

    private mutating func lexQuoted(_ quote: UInt8) -> Bool {
        let start = pos
        pos += 1
        while true {
            guard let b = byte(pos), b != 0x0A else {
                return error(quote == UInt8(ascii: "'") ? "unterminated character constant" : "unterminated quoted string", at: start)
            }
            pos += 1
            if b == UInt8(ascii: "\\") {
                guard let escaped = byte(pos), escaped != 0x0A else {
                    return error(quote == UInt8(ascii: "'") ? "unterminated character constant" : "unterminated quoted string", at: start)
                }
                pos += 1
            } else if b == quote {
                break
            }
        }
        emit(quote == UInt8(ascii: "'") ? .charConstant : .string, start..<pos)
        return true
    }

    /// Go's number scanner: sign, base prefix, digits with `_`, fraction, exponent, `i`.
    private mutating func lexNumber() -> Bool {
        let start = pos
        func accept(_ chars: String) -> Bool {
            guard let b = byte(pos), chars.utf8.contains(b) else { return false }
            pos += 1
            return true
        }
        func acceptRun(_ chars: String) { while accept(chars) {} }
        _ = accept("+-")
        var digits = "0123456789_"
        if accept("0") {
            if accept("xX") {
                digits = "0123456789abcdefABCDEF_"
            } else if accept("oO") {
                digits = "01234567_"
            } else if accept("bB") {
                digits = "01_"
            }
        }
        acceptRun(digits)
        if accept(".") { acceptRun(digits) }
        if digits.count == 11, accept("eE") {
            _ = accept("+-")
            acceptRun("0123456789_")
        }
        if digits.count == 23, accept("pP") {
            _ = accept("+-")
            acceptRun("0123456789_")
        }
        _ = accept("i")
        if isAlphanumeric(at: pos) {
            pos += scalarLength(at: pos)
            return error("bad number syntax: \(GoQuote.quote(text(start..<pos)))", at: start)
        }
        emit(.number, start..<pos)
        return true
    }
}
