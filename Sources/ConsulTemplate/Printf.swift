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
            while let d = verb, let digit = Int(String(d)) {
                width = (width ?? 0) * 10 + digit
                verb = scalars.next()
            }
            if verb == "." {
                precision = 0
                verb = scalars.next()
                while let d = verb, let digit = Int(String(d)) {
                    precision = precision! * 10 + digit
                    verb = scalars.next()
                }
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
