import Foundation
import JSONSchema

/// consul-template's string helpers (hashicorp/consul-template template/funcs.go) over Go's
/// strings, regexp and encoding/json, byte for byte where the output is visible.
enum StringFunctions {
    /// strings.Split after strings.TrimSpace, as consul-template's `split` does; an empty separator
    /// splits after each UTF-8 sequence (strings.Split, "explode").
    static func split(_ text: String, by separator: String) -> [String] {
        let trimmed = text.trimmingGoSpace()
        if trimmed.isEmpty { return [] }
        if separator.isEmpty { return trimmed.unicodeScalars.map { String($0) } }
        return trimmed.components(separatedByBytes: separator)
    }

    /// strings.Replace(s, old, new, -1): an empty `old` matches at the start and after each UTF-8 sequence.
    static func replaceAll(_ text: String, _ old: String, _ new: String) -> String {
        if old.isEmpty {
            return new + text.unicodeScalars.map { String($0) + new }.joined()
        }
        return text.components(separatedByBytes: old).joined(separator: new)
    }

    /// strings.ToLower / ToUpper map each rune by Unicode's simple case mapping, so `ß` stays `ß`
    /// where Swift's full mapping would write `SS`. A full mapping of one scalar is the simple one.
    static func mapCase(_ text: String, upper: Bool) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let mapped = upper ? scalar.properties.uppercaseMapping : scalar.properties.lowercaseMapping
            let scalars = mapped.unicodeScalars
            if scalars.count == 1 {
                out.append(scalars.first!)
            } else if !upper, scalar == "\u{130}" {
                out.append("i")  // unicode.ToLower('İ') is 'i' (simple mapping); the full one adds U+0307
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// strings.Trim(s, cutset): every leading and trailing rune found in the cutset.
    static func trim(_ text: String, cutset: String) -> String {
        let set = Set(cutset.unicodeScalars)
        let scalars = Array(text.unicodeScalars)
        guard let first = scalars.firstIndex(where: { !set.contains($0) }),
              let last = scalars.lastIndex(where: { !set.contains($0) }) else { return "" }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[first...last])
        return String(view)
    }

    /// consul-template's `indent`: the prefix before every line that is not empty.
    static func indent(_ text: String, spaces: Int) -> String {
        let prefix = Array(repeating: UInt8(ascii: " "), count: spaces)
        var out: [UInt8] = []
        var lineStart = true
        for byte in text.utf8 {
            if lineStart, byte != UInt8(ascii: "\n") { out += prefix }
            out.append(byte)
            lineStart = byte == UInt8(ascii: "\n")
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// html/template's HTMLEscapeString as text/template's `html` applies it (text/template/funcs.go).
    static func htmlEscape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "&#34;"
            case "'": out += "&#39;"
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\0": out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// net/url's QueryEscape, behind text/template's `urlquery`: unreserved bytes stay, a space is `+`.
    static func queryEscape(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                out += "+"
            default:
                out += "%" + GoQuote.hex(UInt32(byte), width: 2).uppercased()
            }
        }
        return out
    }

    /// encoding/json's Unmarshal into interface{}: numbers are float64, objects maps (the last of
    /// repeated names wins), arrays lists, null nil. consul-template's parseJSON gives an empty map
    /// for an empty string. Nesting is bounded by the JSON parser's own limit.
    static func parseJSON(_ text: String) throws(JSONParseError) -> TemplateValue {
        if text.isEmpty { return .map([:]) }
        let bytes = Array(text.utf8)
        let document = bytes.withUnsafeBytes { buffer in Result { () throws(JSONParseError) in try JSONParser.parse(buffer) } }
        return value(of: try document.get().value)
    }

    private static func value(of json: JSONValue) -> TemplateValue {
        switch json {
        case .null: .missing
        case .bool(let b): .bool(b)
        case .number(let n): .double(n.doubleValue)
        case .string(let s): .string(s)
        case .array(let items): .list(items.map(value(of:)))
        case .object(let object):
            .map(Dictionary(object.members.map { ($0.key, value(of: $0.value)) }, uniquingKeysWith: { _, last in last }))
        }
    }
}

/// Go's regexp as consul-template's regexReplaceAll and regexMatch use it, run on ICU. Patterns
/// are RE2 syntax; the common subset (classes, groups, `(?P<name>)`, anchors, repetition) means
/// the same in both. ICU backtracks, so every search runs with Foundation's progress reports and
/// stops past a budget, as the JSON Schema `pattern` check does.
struct GoRegex {
    static let progressReports = 100

    enum Failure: Error {
        case syntax(String)
        case budget
        /// The replacement grew past the caller's limit.
        case tooLarge
    }

    let expression: NSRegularExpression
    let groupNames: [String: Int]

    init(_ pattern: String) throws(Failure) {
        // RE2 spells a named group `(?P<name>...)`; ICU knows only `(?<name>...)`.
        // ICU refuses an empty pattern, which RE2 takes as matching the empty string everywhere.
        let translated = pattern.isEmpty ? "(?:)" : pattern.replacingOccurrences(of: "(?P<", with: "(?<")
        do {
            expression = try NSRegularExpression(pattern: translated)
        } catch {
            throw .syntax("error parsing regexp: invalid or unsupported Perl syntax in \(GoQuote.quote(pattern))")
        }
        var names: [String: Int] = [:]
        var group = 0
        let scalars = Array(translated.unicodeScalars)
        var i = 0
        while i < scalars.count {
            if scalars[i] == "\\" { i += 2; continue }
            if scalars[i] == "(" {
                if i + 1 < scalars.count, scalars[i + 1] == "?" {
                    if i + 2 < scalars.count, scalars[i + 2] == "<", i + 3 < scalars.count, scalars[i + 3] != "=", scalars[i + 3] != "!" {
                        group += 1
                        let nameStart = i + 3
                        var end = nameStart
                        while end < scalars.count, scalars[end] != ">" { end += 1 }
                        var view = String.UnicodeScalarView()
                        view.append(contentsOf: scalars[nameStart..<min(end, scalars.count)])
                        names[String(view)] = group
                    }
                } else {
                    group += 1
                }
            }
            i += 1
        }
        groupNames = names
    }

    private func matches(in text: String) throws(Failure) -> [NSTextCheckingResult] {
        let length = text.utf16.count
        let budget = length + 1 + Self.progressReports
        var reports = 0
        var found: [NSTextCheckingResult] = []
        var exceeded = false
        expression.enumerateMatches(in: text, options: [.reportProgress], range: NSRange(location: 0, length: length)) { match, _, stop in
            if let match {
                found.append(match)
                return
            }
            reports += 1
            if reports > budget + found.count {
                exceeded = true
                stop.pointee = true
            }
        }
        if exceeded { throw .budget }
        return found
    }

    func matches(_ text: String) throws(Failure) -> Bool {
        !(try matches(in: text)).isEmpty
    }

    /// Regexp.ReplaceAllString: `$1`, `${1}`, `$name`, `${name}` expand (a name is the longest run
    /// of letters, digits and `_`, so `$1x` is the group named `1x`, empty); `$$` is `$`. An empty
    /// match right after the previous match is not replaced (regexp.go, replaceAll).
    func replaceAll(in text: String, with template: String, limit: Int) throws(Failure) -> String {
        let source = text as NSString
        var out = ""
        var last = 0
        var lastMatchEnd = -1
        for match in try matches(in: text) {
            let range = match.range
            out += source.substring(with: NSRange(location: last, length: range.location - last))
            if range.location + range.length > lastMatchEnd || range.location == 0 {
                out += expand(template, match, source)
            } else {
                out += source.substring(with: range)
            }
            last = range.location + range.length
            lastMatchEnd = last
            if out.utf8.count > limit { throw .tooLarge }
        }
        return out + source.substring(from: last)
    }

    private func expand(_ template: String, _ match: NSTextCheckingResult, _ source: NSString) -> String {
        var out = ""
        let scalars = Array(template.unicodeScalars)
        var i = 0
        func isNameScalar(_ s: Unicode.Scalar) -> Bool {
            s == "_" || s.properties.isAlphabetic || ("0"..."9").contains(s)
        }
        while i < scalars.count {
            guard scalars[i] == "$", i + 1 < scalars.count else {
                out.unicodeScalars.append(scalars[i])
                i += 1
                continue
            }
            var name = String.UnicodeScalarView()
            var end = i + 1
            if scalars[end] == "$" {
                out += "$"
                i += 2
                continue
            }
            if scalars[end] == "{" {
                var close = end + 1
                while close < scalars.count, isNameScalar(scalars[close]) { close += 1 }
                guard close < scalars.count, scalars[close] == "}", close > end + 1 else {
                    out += "$"
                    i += 1
                    continue
                }
                name.append(contentsOf: scalars[(end + 1)..<close])
                end = close + 1
            } else {
                while end < scalars.count, isNameScalar(scalars[end]) { end += 1 }
                guard end > i + 1 else {
                    out += "$"
                    i += 1
                    continue
                }
                name.append(contentsOf: scalars[(i + 1)..<end])
            }
            let key = String(name)
            let group = Int(key) ?? groupNames[key]
            if let group, group < match.numberOfRanges {
                let range = match.range(at: group)
                if range.location != NSNotFound { out += source.substring(with: range) }
            }
            i = end
        }
        return out
    }
}

extension String {
    /// Splits at each occurrence of `separator`, comparing UTF-8 bytes as Go does (Swift's
    /// `split(separator:)` compares characters, so `e` would not split `é`'s decomposed form).
    func components(separatedByBytes separator: String) -> [String] {
        let bytes = Array(utf8), sep = Array(separator.utf8)
        var parts: [String] = []
        var start = 0, i = 0
        while i + sep.count <= bytes.count {
            if bytes[i..<(i + sep.count)].elementsEqual(sep) {
                parts.append(String(decoding: bytes[start..<i], as: UTF8.self))
                i += sep.count
                start = i
            } else {
                i += 1
            }
        }
        parts.append(String(decoding: bytes[start...], as: UTF8.self))
        return parts
    }

    /// Byte-wise order, as Go compares strings and Consul sorts keys.
    func precedesInUTF8(_ other: String) -> Bool {
        utf8.lexicographicallyPrecedes(other.utf8)
    }
}
