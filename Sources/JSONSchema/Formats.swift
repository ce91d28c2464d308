import Foundation

/// `format` values checked when format assertion is on. Unknown formats are annotations only.
enum Format: String, Sendable {
    case dateTime = "date-time", date, time, duration
    case email, idnEmail = "idn-email", hostname
    case ipv4, ipv6
    case uri, uriReference = "uri-reference", iri, iriReference = "iri-reference", uriTemplate = "uri-template"
    case uuid, regex
    case jsonPointer = "json-pointer", relativeJSONPointer = "relative-json-pointer"

    func validate(_ s: String) -> Bool {
        let b = Array(s.utf8)
        switch self {
        case .dateTime: return FormatCheck.dateTime(b)
        case .date: return FormatCheck.date(b[...])
        case .time: return FormatCheck.time(b[...])
        case .duration: return FormatCheck.duration(b)
        case .email: return FormatCheck.email(b, international: false)
        case .idnEmail: return FormatCheck.email(b, international: true)
        case .hostname: return FormatCheck.hostname(b[...])
        case .ipv4: return FormatCheck.ipv4(b[...])
        case .ipv6: return FormatCheck.ipv6(b[...])
        case .uri: return FormatCheck.uri(b, requireScheme: true, international: false)
        case .uriReference: return FormatCheck.uri(b, requireScheme: false, international: false)
        case .iri: return FormatCheck.uri(b, requireScheme: true, international: true)
        case .iriReference: return FormatCheck.uri(b, requireScheme: false, international: true)
        case .uriTemplate: return FormatCheck.uriTemplate(b)
        case .uuid: return FormatCheck.uuid(b)
        case .regex: return (try? ECMARegex.compile(s)) != nil
        case .jsonPointer: return FormatCheck.jsonPointer(b[...])
        case .relativeJSONPointer: return FormatCheck.relativeJSONPointer(b)
        }
    }
}

/// Byte-level checkers; all formats here are ASCII grammars (RFC 3339, 3986, 5321, 4291, 4122, 6901).
enum FormatCheck {
    typealias Bytes = ArraySlice<UInt8>

    static func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }
    static func isAlpha(_ c: UInt8) -> Bool { (c | 0x20) &- 0x61 < 26 }
    static func isHex(_ c: UInt8) -> Bool { isDigit(c) || (c | 0x20) &- 0x61 < 6 }

    /// Parses exactly `count` ASCII digits at `i`.
    static func digits(_ b: Bytes, _ i: Int, _ count: Int) -> Int? {
        guard i + count <= b.endIndex else { return nil }
        var v = 0
        for k in i..<i + count {
            guard isDigit(b[k]) else { return nil }
            v = v * 10 + Int(b[k] - 0x30)
        }
        return v
    }

    static func date(_ b: Bytes) -> Bool {
        let s = b.startIndex
        guard b.count == 10, b[s + 4] == UInt8(ascii: "-"), b[s + 7] == UInt8(ascii: "-"),
            let y = digits(b, s, 4), let m = digits(b, s + 5, 2), let d = digits(b, s + 8, 2), (1...12).contains(m), d >= 1
        else { return false }
        let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        return d <= days
    }

    static func time(_ b: Bytes) -> Bool {
        let s = b.startIndex
        guard b.count >= 9, b[s + 2] == UInt8(ascii: ":"), b[s + 5] == UInt8(ascii: ":"),
            let h = digits(b, s, 2), let m = digits(b, s + 3, 2), let sec = digits(b, s + 6, 2),
            h < 24, m < 60, sec <= 60
        else { return false }
        var i = s + 8
        if b[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < b.endIndex && isDigit(b[i]) { i += 1 }
            guard i > start else { return false }
        }
        guard i < b.endIndex else { return false }
        var offsetMinutes = 0
        if b[i] | 0x20 == UInt8(ascii: "z") {
            guard i + 1 == b.endIndex else { return false }
        } else {
            guard b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"), i + 6 == b.endIndex, b[i + 3] == UInt8(ascii: ":"),
                let oh = digits(b, i + 1, 2), let om = digits(b, i + 4, 2), oh < 24, om < 60
            else { return false }
            offsetMinutes = (oh * 60 + om) * (b[i] == UInt8(ascii: "+") ? 1 : -1)
        }
        if sec == 60 {
            // A leap second is only valid at 23:59 UTC.
            let utc = ((h * 60 + m - offsetMinutes) % 1440 + 1440) % 1440
            return utc == 23 * 60 + 59
        }
        return true
    }

    static func dateTime(_ b: [UInt8]) -> Bool {
        guard b.count > 11, b[10] | 0x20 == UInt8(ascii: "t") else { return false }
        return date(b[0..<10]) && time(b[11...])
    }

    /// ISO 8601 duration as profiled by RFC 3339 appendix A: units appear in order and without
    /// gaps (P1Y2D and PT1H2S are invalid), and weeks stand alone.
    static func duration(_ b: [UInt8]) -> Bool {
        guard b.first == UInt8(ascii: "P") else { return false }
        var i = 1
        func run(_ order: String) -> Int? {
            let units = Array(order.utf8)
            var last: Int?
            var count = 0
            while i < b.count, isDigit(b[i]) {
                while i < b.count, isDigit(b[i]) { i += 1 }
                guard i < b.count, let pos = units.firstIndex(of: b[i]), last.map({ pos == $0 + 1 }) ?? true else { return nil }
                last = pos
                count += 1
                i += 1
            }
            return count
        }
        if b.count > 2, b.last == UInt8(ascii: "W") {
            return b.dropFirst().dropLast().allSatisfy(isDigit)
        }
        guard let dateUnits = run("YMD") else { return false }
        var timeUnits = 0
        if i < b.count, b[i] == UInt8(ascii: "T") {
            i += 1
            guard let t = run("HMS"), t > 0 else { return false }
            timeUnits = t
        }
        return i == b.count && dateUnits + timeUnits > 0
    }

    static func ipv4(_ b: Bytes) -> Bool {
        let parts = b.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        for p in parts {
            guard (1...3).contains(p.count), p.allSatisfy(isDigit), p.count == 1 || p.first != UInt8(ascii: "0"),
                let v = digits(p, p.startIndex, p.count), v <= 255
            else { return false }
        }
        return true
    }

    static func ipv6(_ b: Bytes) -> Bool {
        let colon = UInt8(ascii: ":")
        var doubleColon: Int?
        var i = b.startIndex
        while i + 1 < b.endIndex {
            if b[i] == colon && b[i + 1] == colon {
                guard doubleColon == nil else { return false }
                doubleColon = i
                i += 1
            }
            i += 1
        }
        guard let dc = doubleColon else { return groupCount(b, ipv4Last: true) == 8 }
        guard let head = groupCount(b[..<dc], ipv4Last: false), let tail = groupCount(b[(dc + 2)...], ipv4Last: true) else {
            return false
        }
        return head + tail <= 7
    }

    /// Number of 16-bit groups in a colon-separated run; a trailing IPv4 address counts as two.
    static func groupCount(_ b: Bytes, ipv4Last: Bool) -> Int? {
        if b.isEmpty { return 0 }
        let groups = b.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        var count = 0
        for (k, g) in groups.enumerated() {
            if ipv4Last && k == groups.count - 1 && g.contains(UInt8(ascii: ".")) {
                guard ipv4(g) else { return nil }
                count += 2
            } else {
                guard (1...4).contains(g.count), g.allSatisfy(isHex) else { return nil }
                count += 1
            }
        }
        return count
    }

    static func hostname(_ b: Bytes) -> Bool {
        guard !b.isEmpty, b.count <= 253 else { return false }
        var start = b.startIndex
        while start <= b.endIndex {
            let end = b[start...].firstIndex(of: UInt8(ascii: ".")) ?? b.endIndex
            let label = b[start..<end]
            guard (1...63).contains(label.count), label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-"),
                label.allSatisfy({ isAlpha($0) || isDigit($0) || $0 == UInt8(ascii: "-") })
            else { return false }
            // "--" in positions 3-4 is reserved for A-labels ("xn--").
            if label.count >= 4, label[start + 2] == UInt8(ascii: "-"), label[start + 3] == UInt8(ascii: "-") {
                guard label[start] | 0x20 == UInt8(ascii: "x"), label[start + 1] | 0x20 == UInt8(ascii: "n"), label.count > 4 else { return false }
            }
            start = end + 1
        }
        return true
    }

    static let atext = Set("!#$%&'*+-/=?^_`{|}~".utf8)

    static func email(_ b: [UInt8], international: Bool) -> Bool {
        guard let at = b.lastIndex(of: UInt8(ascii: "@")), at > 0, at < b.count - 1 else { return false }
        let local = b[..<at]
        let domain = b[(at + 1)...]
        if local.first == UInt8(ascii: "\"") {
            guard local.count >= 2, local.last == UInt8(ascii: "\"") else { return false }
            var i = local.startIndex + 1
            while i < local.endIndex - 1 {
                if local[i] == UInt8(ascii: "\\") { i += 1 } else if local[i] == UInt8(ascii: "\"") || local[i] < 0x20 { return false }
                i += 1
            }
        } else {
            let atoms = local.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
            for atom in atoms {
                guard !atom.isEmpty,
                    atom.allSatisfy({ isAlpha($0) || isDigit($0) || atext.contains($0) || (international && $0 >= 0x80) })
                else { return false }
            }
        }
        if domain.first == UInt8(ascii: "[") {
            guard domain.last == UInt8(ascii: "]") else { return false }
            let literal = domain.dropFirst().dropLast()
            if literal.starts(with: Array("IPv6:".utf8)) { return ipv6(literal.dropFirst(5)) }
            return ipv4(literal)
        }
        if international && domain.contains(where: { $0 >= 0x80 }) { return true }
        return hostname(domain)
    }

    static let uriUnreserved = Set("-._~".utf8)
    static let uriSubDelims = Set("!$&'()*+,;=".utf8)

    /// RFC 3986 (RFC 3987 when `international`): checks structure and allowed characters.
    static func uri(_ b: [UInt8], requireScheme: Bool, international: Bool) -> Bool {
        func pchar(_ c: UInt8, extra: String) -> Bool {
            isAlpha(c) || isDigit(c) || uriUnreserved.contains(c) || uriSubDelims.contains(c) || c == UInt8(ascii: ":")
                || c == UInt8(ascii: "@") || extra.utf8.contains(c) || (international && c >= 0x80)
        }
        func validPart(_ part: ArraySlice<UInt8>, extra: String) -> Bool {
            var i = part.startIndex
            while i < part.endIndex {
                if part[i] == UInt8(ascii: "%") {
                    guard i + 2 < part.endIndex, isHex(part[i + 1]), isHex(part[i + 2]) else { return false }
                    i += 3
                    continue
                }
                guard pchar(part[i], extra: extra) else { return false }
                i += 1
            }
            return true
        }
        var rest = b[...]
        var fragment: ArraySlice<UInt8>?
        if let hash = rest.firstIndex(of: UInt8(ascii: "#")) {
            fragment = rest[(hash + 1)...]
            rest = rest[..<hash]
        }
        var query: ArraySlice<UInt8>?
        if let q = rest.firstIndex(of: UInt8(ascii: "?")) {
            query = rest[(q + 1)...]
            rest = rest[..<q]
        }
        if let colon = rest.firstIndex(of: UInt8(ascii: ":")), !rest[..<colon].contains(UInt8(ascii: "/")) {
            let scheme = rest[..<colon]
            guard let first = scheme.first, isAlpha(first),
                scheme.allSatisfy({ isAlpha($0) || isDigit($0) || "+-.".utf8.contains($0) })
            else { return false }
            rest = rest[(colon + 1)...]
        } else if requireScheme {
            return false
        }
        if rest.starts(with: [0x2F, 0x2F]) {
            rest = rest.dropFirst(2)
            let end = rest.firstIndex(of: UInt8(ascii: "/")) ?? rest.endIndex
            var authority = rest[..<end]
            rest = rest[end...]
            if let at = authority.lastIndex(of: UInt8(ascii: "@")) {
                guard validPart(authority[..<at], extra: ""), !authority[..<at].contains(UInt8(ascii: "@")) else { return false }
                authority = authority[(at + 1)...]
            }
            if authority.first == UInt8(ascii: "[") {
                guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else { return false }
                let literal = authority[(authority.startIndex + 1)..<close]
                guard ipv6(literal) || (literal.first.map { $0 | 0x20 == UInt8(ascii: "v") } ?? false) else { return false }
                authority = authority[(close + 1)...]
                guard authority.isEmpty || authority.first == UInt8(ascii: ":") else { return false }
            } else {
                let hostEnd = authority.lastIndex(of: UInt8(ascii: ":")) ?? authority.endIndex
                let host = authority[..<hostEnd]
                guard !host.contains(UInt8(ascii: ":")), validPart(host, extra: "") else { return false }
                authority = authority[hostEnd...]
            }
            if !authority.isEmpty {
                guard authority.dropFirst().allSatisfy(isDigit) else { return false }
            }
        }
        return validPart(rest, extra: "/") && validPart(query ?? [], extra: "/?") && validPart(fragment ?? [], extra: "/?")
    }

    static let templateOperators = Set("+#./;?&=,!@|".utf8)
    static let templateLiteralExcluded = Set(" \"<>\\^`{|}".utf8)

    /// RFC 6570 level 4 syntax.
    static func uriTemplate(_ b: [UInt8]) -> Bool {
        var i = 0
        func pctEncoded() -> Bool {
            guard i + 2 < b.count, b[i] == UInt8(ascii: "%"), isHex(b[i + 1]), isHex(b[i + 2]) else { return false }
            i += 3
            return true
        }
        func varspec() -> Bool {
            var needChar = true
            while i < b.count {
                if isAlpha(b[i]) || isDigit(b[i]) || b[i] == UInt8(ascii: "_") {
                    i += 1
                } else if b[i] == UInt8(ascii: "%") {
                    guard pctEncoded() else { return false }
                } else if b[i] == UInt8(ascii: "."), !needChar {
                    i += 1
                    needChar = true
                    continue
                } else {
                    break
                }
                needChar = false
            }
            guard !needChar else { return false }
            if i < b.count, b[i] == UInt8(ascii: "*") {
                i += 1
            } else if i < b.count, b[i] == UInt8(ascii: ":") {
                i += 1
                let start = i
                while i < b.count, isDigit(b[i]) { i += 1 }
                guard (1...4).contains(i - start), b[start] != UInt8(ascii: "0") else { return false }
            }
            return true
        }
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "{") {
                i += 1
                if i < b.count, templateOperators.contains(b[i]) { i += 1 }
                repeat {
                    guard varspec() else { return false }
                    guard i < b.count else { return false }
                    if b[i] == UInt8(ascii: "}") { break }
                    guard b[i] == UInt8(ascii: ",") else { return false }
                    i += 1
                } while true
                i += 1
            } else if c == UInt8(ascii: "%") {
                guard pctEncoded() else { return false }
            } else {
                guard c > 0x20, c != 0x7F, !templateLiteralExcluded.contains(c) else { return false }
                i += 1
            }
        }
        return true
    }

    static func uuid(_ b: [UInt8]) -> Bool {
        guard b.count == 36 else { return false }
        for (i, c) in b.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard c == UInt8(ascii: "-") else { return false }
            } else if !isHex(c) {
                return false
            }
        }
        return true
    }

    static func jsonPointer(_ b: Bytes) -> Bool {
        guard let first = b.first else { return true }
        guard first == UInt8(ascii: "/") else { return false }
        var i = b.startIndex
        while i < b.endIndex {
            if b[i] == UInt8(ascii: "~") {
                guard i + 1 < b.endIndex, b[i + 1] == UInt8(ascii: "0") || b[i + 1] == UInt8(ascii: "1") else { return false }
                i += 1
            }
            i += 1
        }
        return true
    }

    static func relativeJSONPointer(_ b: [UInt8]) -> Bool {
        var i = 0
        while i < b.count && isDigit(b[i]) { i += 1 }
        guard i > 0, i == 1 || b[0] != UInt8(ascii: "0") else { return false }
        if i == b.count { return true }
        if b[i] == UInt8(ascii: "#") { return i + 1 == b.count }
        return jsonPointer(b[i...])
    }
}
