import Foundation

/// Translates ECMA-262 patterns (with the `u` flag semantics JSON Schema asks for) into ICU
/// syntax for NSRegularExpression. ICU differs mainly in `\d \w \s` being Unicode-wide, `$`
/// matching before a final newline, and `[` / `&&` being set operators inside classes.
enum ECMARegex {
    struct SyntaxError: Error {
        let message: String
    }

    static func compile(_ pattern: String) throws(SyntaxError) -> NSRegularExpression {
        let translated = try translate(pattern)
        do {
            return try NSRegularExpression(pattern: translated, options: [])
        } catch {
            throw SyntaxError(message: "not a valid regular expression")
        }
    }

    static let whitespace = "\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}"
    static let word = "a-zA-Z0-9_"
    static let syntaxCharacters: Set<Unicode.Scalar> = ["^", "$", "\\", ".", "*", "+", "?", "(", ")", "[", "]", "{", "}", "|", "/"]

    static func translate(_ pattern: String) throws(SyntaxError) -> String {
        let s = Array(pattern.unicodeScalars)
        var out = ""
        var i = 0
        var inClass = false
        func hexValue(_ from: Int, _ count: Int) -> UInt32? {
            guard from + count <= s.count else { return nil }
            var v: UInt32 = 0
            for k in from..<from + count {
                guard let d = Character(s[k]).hexDigitValue else { return nil }
                v = v * 16 + UInt32(d)
            }
            return v
        }
        while i < s.count {
            let c = s[i]
            if c == "\\" {
                guard i + 1 < s.count else { throw SyntaxError(message: "pattern ends with a backslash") }
                let e = s[i + 1]
                i += 2
                switch e {
                case "d": out += inClass ? "0-9" : "[0-9]"
                case "D": out += "[^0-9]"
                case "w": out += inClass ? word : "[\(word)]"
                case "W": out += "[^\(word)]"
                case "s": out += inClass ? whitespace : "[\(whitespace)]"
                case "S": out += "[^\(whitespace)]"
                case "b": out += inClass ? "\\x{08}" : "\\b"
                case "B":
                    guard !inClass else { throw SyntaxError(message: "\\B is not allowed in a character class") }
                    out += "\\B"
                case "t", "n", "f", "r": out += "\\" + String(e)
                case "v": out += "\\x{0B}"
                case "0":
                    if i < s.count, ("0"..."9").contains(s[i]) { throw SyntaxError(message: "octal escapes are not allowed") }
                    out += "\\x{00}"
                case "c":
                    guard i < s.count, ("a"..."z").contains(s[i]) || ("A"..."Z").contains(s[i]) else {
                        throw SyntaxError(message: "\\c must be followed by a letter")
                    }
                    out += String(format: "\\x{%X}", s[i].value % 32)
                    i += 1
                case "x":
                    guard let v = hexValue(i, 2) else { throw SyntaxError(message: "\\x must be followed by two hex digits") }
                    out += String(format: "\\x{%X}", v)
                    i += 2
                case "u":
                    if i < s.count, s[i] == "{" {
                        guard let close = s[i...].firstIndex(of: "}"), close > i + 1, let v = hexValue(i + 1, close - i - 1), v <= 0x10FFFF else {
                            throw SyntaxError(message: "invalid \\u{...} escape")
                        }
                        out += String(format: "\\x{%X}", v)
                        i = close + 1
                    } else {
                        guard var v = hexValue(i, 4) else { throw SyntaxError(message: "\\u must be followed by four hex digits") }
                        i += 4
                        // A surrogate pair written as two escapes is one code point in unicode mode.
                        if (0xD800..<0xDC00).contains(v), i + 6 <= s.count, s[i] == "\\", s[i + 1] == "u",
                            let low = hexValue(i + 2, 4), (0xDC00..<0xE000).contains(low)
                        {
                            v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                            i += 6
                        }
                        out += String(format: "\\x{%X}", v)
                    }
                case "p", "P":
                    guard i < s.count, s[i] == "{", let close = s[i...].firstIndex(of: "}") else {
                        throw SyntaxError(message: "\\\(e) must be followed by {property}")
                    }
                    out += "\\" + String(e) + String(String.UnicodeScalarView(s[i...close]))
                    i = close + 1
                case "k":
                    guard i < s.count, s[i] == "<", let close = s[i...].firstIndex(of: ">") else {
                        throw SyntaxError(message: "\\k must be followed by <name>")
                    }
                    out += "\\k" + String(String.UnicodeScalarView(s[i...close]))
                    i = close + 1
                case "1"..."9":
                    guard !inClass else { throw SyntaxError(message: "back-references are not allowed in a character class") }
                    out += "\\" + String(e)
                    while i < s.count, ("0"..."9").contains(s[i]) {
                        out.unicodeScalars.append(s[i])
                        i += 1
                    }
                case "-" where inClass:
                    out += "\\-"
                case _ where syntaxCharacters.contains(e):
                    out += "\\" + String(e)
                default:
                    throw SyntaxError(message: "invalid escape \\\(e)")
                }
                continue
            }
            if inClass {
                switch c {
                case "]": inClass = false; out += "]"
                case "[", "&", "~": out += "\\" + String(c)
                default: out.unicodeScalars.append(c)
                }
                i += 1
                continue
            }
            switch c {
            case "[":
                if i + 2 < s.count, s[i + 1] == "^", s[i + 2] == "]" {
                    out += "[\\s\\S]"
                    i += 3
                    continue
                }
                if i + 1 < s.count, s[i + 1] == "]" {
                    out += "(?!)"
                    i += 2
                    continue
                }
                inClass = true
                out += "["
                if i + 1 < s.count, s[i + 1] == "^" {
                    out += "^"
                    i += 1
                }
            case "(" where i + 1 < s.count && s[i + 1] == "?":
                // Only (?: (?= (?! (?<= (?<! and (?<name> exist in ECMA-262; not inline flags or comments.
                let next = i + 2 < s.count ? s[i + 2] : " "
                let lookbehind = next == "<" && i + 3 < s.count && (s[i + 3] == "=" || s[i + 3] == "!" || s[i + 3].properties.isAlphabetic)
                guard next == ":" || next == "=" || next == "!" || lookbehind else {
                    throw SyntaxError(message: "unsupported group syntax (?\(next)")
                }
                out += "(?"
                i += 2
                continue
            case "$":
                // ECMA `$` without the m flag matches only at the very end.
                out += "\\z"
            default:
                out.unicodeScalars.append(c)
            }
            i += 1
        }
        guard !inClass else { throw SyntaxError(message: "unterminated character class") }
        return out
    }
}
