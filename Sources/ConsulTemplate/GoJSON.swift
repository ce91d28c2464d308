/// encoding/json's output for template values: sorted object keys, and `<`, `>`, `&`,
/// U+2028, U+2029 escaped as Go does by default.
enum GoJSON {
    static func encode(_ value: TemplateValue) -> String {
        switch value {
        case .missing: "null"
        case .bool(let b): String(b)
        case .int(let i): String(i)
        case .double(let d): d.isFinite ? GoFloat.format(d) : "null"
        case .string(let s), .placeholder(let s): quote(s)
        case .list(let items): "[" + items.map(encode).joined(separator: ",") + "]"
        case .map(let map): "{" + map.keys.sorted().map { quote($0) + ":" + encode(map[$0]!) }.joined(separator: ",") + "}"
        case .pair(let pair): "{" + pair.fields.map { quote($0.name) + ":" + encode($0.value) }.joined(separator: ",") + "}"
        }
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
