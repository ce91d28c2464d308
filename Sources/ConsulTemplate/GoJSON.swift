/// encoding/json's output for template values (golang/go src/encoding/json/encode.go): sorted
/// object keys, `<`, `>`, `&`, U+2028, U+2029 escaped as Go does by default, `\b` and `\f` by
/// name, floats as `strconv.AppendFloat(f, 'f' or 'e', -1)`. `indent` is MarshalIndent's.
enum GoJSON {
    static func encode(_ value: TemplateValue, indent: String? = nil) -> String {
        var out = ""
        write(value, indent: indent, depth: 0, to: &out)
        return out
    }

    private static func write(_ value: TemplateValue, indent: String?, depth: Int, to out: inout String) {
        func members<T>(_ items: [T], open: String, close: String, _ body: (T, inout String) -> Void) {
            out += open
            guard !items.isEmpty else { out += close; return }
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                if let indent { out += "\n" + String(repeating: indent, count: depth + 1) }
                body(item, &out)
            }
            if let indent { out += "\n" + String(repeating: indent, count: depth) }
            out += close
        }
        let separator = indent == nil ? ":" : ": "
        switch value {
        case .missing, .counter: out += "null"
        case .bool(let b): out += String(b)
        case .int(let i): out += String(i)
        case .double(let d): out += d.isFinite ? number(d) : "null"
        case .string(let s), .placeholder(let s): out += quote(s)
        case .list(let items):
            members(items, open: "[", close: "]") { item, out in write(item, indent: indent, depth: depth + 1, to: &out) }
        case .map(let map):
            members(map.keys.sorted(by: { $0.precedesInUTF8($1) }), open: "{", close: "}") { key, out in
                out += quote(key) + separator
                write(map[key]!, indent: indent, depth: depth + 1, to: &out)
            }
        case .pair(let pair):
            members(pair.fields, open: "{", close: "}") { field, out in
                out += quote(field.name) + separator
                write(field.value, indent: indent, depth: depth + 1, to: &out)
            }
        }
    }

    /// floatEncoder: shortest digits, exponent form only below 1e-6 or from 1e21, `e-07` as `e-7`.
    static func number(_ d: Double) -> String {
        if d == 0 { return d.sign == .minus ? "-0" : "0" }
        let (digits, point) = GoFloat.decimal(d)
        let sign = d < 0 ? "-" : ""
        if abs(d) < 1e-6 || abs(d) >= 1e21 {
            let exp = point - 1
            let mantissa = digits.count > 1 ? "\(digits.first!).\(digits.dropFirst())" : digits
            let e = exp < 0 && exp > -10 ? "\(-exp)" : (abs(exp) < 10 ? "0\(abs(exp))" : "\(abs(exp))")
            return "\(sign)\(mantissa)e\(exp < 0 ? "-" : "+")\(e)"
        }
        return sign + GoFloat.fixed(digits, point)
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{8}": out += "\\b"
            case "\u{C}": out += "\\f"
            case "<", ">", "&", "\u{2028}", "\u{2029}":
                out += "\\u" + GoQuote.hex(scalar.value, width: 4)
            default:
                if scalar.value < 0x20 {
                    out += "\\u" + GoQuote.hex(scalar.value, width: 4)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
