import Foundation

/// A subset of Go's fmt.Sprintf: verbs v s d q t f e g x X and %%, flags `-` and `0`, width and
/// precision. Wrong types print Go's `%!verb(type=value)`; placeholders print as themselves.
enum GoPrintf {
    static func format(_ format: String, _ arguments: [TemplateValue]) -> String {
        var out = ""
        var next = 0
        var scalars = format.unicodeScalars.makeIterator()
        while let c = scalars.next() {
            guard c == "%" else {
                out.unicodeScalars.append(c)
                continue
            }
            var leftAlign = false
            var zeroPad = false
            var width: Int?
            var precision: Int?
            var verb = scalars.next()
            while let f = verb, f == "-" || f == "0" || f == "+" || f == " " || f == "#" {
                if f == "-" { leftAlign = true }
                if f == "0" { zeroPad = true }
                verb = scalars.next()
            }
            var tooLarge = false
            (width, verb, tooLarge) = number(verb, &scalars)
            if !tooLarge, verb == "." {
                (precision, verb, tooLarge) = number(scalars.next(), &scalars)
                precision = precision ?? 0
            }
            if tooLarge {
                // Go's parsenum gives up on a number past 1e6 and skips the rest of the format.
                out += "%!(NOVERB)"
                break
            }
            guard let verb else {
                out += "%!(NOVERB)"
                break
            }
            if verb == "%" {
                out += "%"
                continue
            }
            guard next < arguments.count else {
                out += "%!\(verb)(MISSING)"
                continue
            }
            let argument = arguments[next]
            next += 1
            var text = render(argument, verb: verb, precision: precision)
            if let width, text.count < width {
                let numeric = argument.isNumber && !leftAlign && zeroPad
                let fill = String(repeating: numeric ? "0" : " ", count: width - text.count)
                if leftAlign {
                    text += fill
                } else if numeric, text.hasPrefix("-") {
                    text = "-" + fill + text.dropFirst()
                } else {
                    text = fill + text
                }
            }
            out += text
        }
        if next < arguments.count {
            let extra = arguments[next...].map { "\($0.typeName)=\($0.text)" }.joined(separator: ", ")
            out += "%!(EXTRA \(extra))"
        }
        return out
    }

    /// fmt's parsenum (src/fmt/print.go): decimal digits, but a number already past 1e6 before
    /// its next digit is "too large" and consumes the rest of the format. Widths and precisions
    /// therefore stay below 1e7: no overflow, and output of at most ~10 MB per verb.
    private static func number(_ first: Unicode.Scalar?, _ scalars: inout String.UnicodeScalarView.Iterator)
        -> (Int?, Unicode.Scalar?, tooLarge: Bool) {
        var value: Int?
        var c = first
        while let d = c, ("0"..."9").contains(d) {
            if let v = value, v > 1_000_000 {
                while scalars.next() != nil {}
                return (nil, nil, true)
            }
            value = (value ?? 0) * 10 + Int(d.value - 48)
            c = scalars.next()
        }
        return (value, c, false)
    }

    private static func render(_ value: TemplateValue, verb: Unicode.Scalar, precision: Int?) -> String {
        if case .placeholder(let text) = value { return text }
        let bad = "%!\(verb)(\(value.typeName)=\(value.text))"
        switch (verb, value) {
        case ("v", _):
            return value.text
        case ("s", .int), ("s", .double), ("s", .bool):
            return bad
        case ("s", _):
            guard let precision, case .string(let s) = value else { return value.text }
            return String(s.prefix(precision))
        case ("d", .int(let i)):
            return String(i)
        case ("q", .string(let s)):
            return GoQuote.quote(s)
        case ("t", .bool(let b)):
            return String(b)
        case ("f", .double(let d)), ("e", .double(let d)), ("g", .double(let d)):
            if verb == "g", precision == nil { return GoFloat.format(d) }
            return String(format: "%.\(precision ?? 6)\(verb)", d)
        case ("x", .int(let i)), ("X", .int(let i)):
            let hex = String(i.magnitude, radix: 16, uppercase: verb == "X")
            return i < 0 ? "-" + hex : hex
        case ("x", .string(let s)), ("X", .string(let s)):
            let hex = s.utf8.map { GoQuote.hex(UInt32($0), width: 2) }.joined()
            return verb == "X" ? hex.uppercased() : hex
        default:
            return bad
        }
    }
}

extension TemplateValue {
    var isNumber: Bool {
        switch self {
        case .int, .double: true
        default: false
        }
    }
}
