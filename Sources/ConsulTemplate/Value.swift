/// A value during rendering, with Go's printing and truth rules.
enum TemplateValue: Equatable {
    /// Go's invalid value: an absent map entry or the nil data root; prints `<no value>`.
    case missing
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([TemplateValue])
    case map([String: TemplateValue])
    case pair(KeyValuePair)
    /// consul-template's `loop`: a channel of the integers from the first up to the second.
    case counter(Int, Int)
    /// Something unknowable offline (a secret, a service…): every field of it is itself, ranging
    /// over it runs once, and it prints as its text.
    case placeholder(String)

    /// Go's `fmt` `%v` rendering.
    var text: String {
        switch self {
        case .missing: "<no value>"
        case .bool(let b): String(b)
        case .int(let i): String(i)
        case .double(let d): GoFloat.format(d)
        case .string(let s): s
        case .list(let items): "[" + items.map(\.text).joined(separator: " ") + "]"
        case .map(let entries): "map[" + entries.keys.sorted(by: { $0.precedesInUTF8($1) }).map { "\($0):\(entries[$0]!.text)" }.joined(separator: " ") + "]"
        case .pair(let pair): "{" + pair.fields.map(\.value.text).joined(separator: " ") + "}"
        case .placeholder(let text): text
        // A channel prints as its address in Go, which no rendering can reproduce.
        case .counter: "<-chan int64>"
        }
    }

    /// Go's type names, for error messages.
    var typeName: String {
        switch self {
        case .missing: "nil"
        case .bool: "bool"
        case .int: "int"
        case .double: "float64"
        case .string: "string"
        case .list: "[]interface {}"
        case .map: "map[string]interface {}"
        case .pair: "*dependency.KeyPair"
        case .placeholder: "placeholder"
        case .counter: "<-chan int64"
        }
    }

    var isPlaceholder: Bool {
        if case .placeholder = self { return true }
        return false
    }

    /// Go's truth: false, 0, nil and empty strings, lists and maps are false. A placeholder's
    /// truth is unknowable and decided by the caller's option.
    func isTrue(placeholders: Bool) -> Bool {
        switch self {
        case .missing: false
        case .bool(let b): b
        case .int(let i): i != 0
        case .double(let d): d != 0
        case .string(let s): !s.isEmpty
        case .list(let items): !items.isEmpty
        case .map(let entries): !entries.isEmpty
        case .pair, .counter: true
        case .placeholder: placeholders
        }
    }
}

/// Go's `%v` for float64 (strconv `g`, shortest): exponent form below 1e-4 and from 1e6.
enum GoFloat {
    static func format(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Inf" : "+Inf" }
        if d == 0 { return d.sign == .minus ? "-0" : "0" }
        let (digits, point) = decimal(d)
        let sign = d < 0 ? "-" : ""
        let exp = point - 1
        if exp < -4 || exp >= 6 {
            let mantissa = digits.count > 1 ? "\(digits.first!).\(digits.dropFirst())" : digits
            let e = abs(exp) < 10 ? "0\(abs(exp))" : "\(abs(exp))"
            return "\(sign)\(mantissa)e\(exp < 0 ? "-" : "+")\(e)"
        }
        return sign + fixed(digits, point)
    }

    /// The shortest round-trip digits of |d| (no leading or trailing zeros) and where the decimal
    /// point goes: `d = 0.digits × 10^point`. Swift's description has those digits; only the layout differs.
    static func decimal(_ d: Double) -> (digits: String, point: Int) {
        var text = String(describing: abs(d))
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...])!
            text = String(text[..<e])
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let whole = String(parts[0])
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        var digits = whole + fraction
        var point = whole.count + exponent
        while digits.hasPrefix("0") {
            digits.removeFirst()
            point -= 1
        }
        while digits.hasSuffix("0") { digits.removeLast() }
        return (digits, point)
    }

    /// `digits` with the point placed, without an exponent (strconv's 'f' with precision -1).
    static func fixed(_ digits: String, _ point: Int) -> String {
        if point <= 0 { return "0." + String(repeating: "0", count: -point) + digits }
        if point >= digits.count { return digits + String(repeating: "0", count: point - digits.count) }
        let index = digits.index(digits.startIndex, offsetBy: point)
        return digits[..<index] + "." + digits[index...]
    }
}
