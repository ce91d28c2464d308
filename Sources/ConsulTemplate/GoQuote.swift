/// Go's string quoting rules (strconv.Quote / Unquote), for literals and error messages.
enum GoQuote {
    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{0B}": out += "\\v"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\x" + hex(scalar.value, width: 2)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// Decodes the body of a Go interpreted literal (without its quotes); nil on a bad escape.
    /// `quote` is the enclosing quote, the only one that may be escaped.
    static func unquote(_ body: Substring, quote: Unicode.Scalar) -> String? {
        var bytes: [UInt8] = []
        var it = body.unicodeScalars.makeIterator()
        func append(_ scalar: Unicode.Scalar) { bytes.append(contentsOf: Array(String(scalar).utf8)) }
        func hexValue(_ count: Int) -> UInt32? {
            var value: UInt32 = 0
            for _ in 0..<count {
                guard let c = it.next(), c.isASCII, let digit = UInt32(String(c), radix: 16) else { return nil }
                value = value * 16 + digit
            }
            return value
        }
        while let c = it.next() {
            if c == "\n" || c == quote { return nil }
            guard c == "\\" else {
                append(c)
                continue
            }
            guard let e = it.next() else { return nil }
            switch e {
            case "a": bytes.append(0x07)
            case "b": bytes.append(0x08)
            case "f": bytes.append(0x0C)
            case "n": bytes.append(0x0A)
            case "r": bytes.append(0x0D)
            case "t": bytes.append(0x09)
            case "v": bytes.append(0x0B)
            case "\\": bytes.append(0x5C)
            case "\"", "'":
                guard e == quote else { return nil }
                append(e)
            case "x":
                guard let v = hexValue(2) else { return nil }
                bytes.append(UInt8(v))
            case "u", "U":
                guard let v = hexValue(e == "u" ? 4 : 8), let scalar = Unicode.Scalar(v) else { return nil }
                append(scalar)
            case "0"..."7":
                var value = e.value - 0x30
                for _ in 0..<2 {
                    guard let d = it.next(), ("0"..."7").contains(d) else { return nil }
                    value = value * 8 + d.value - 0x30
                }
                guard value <= 0xFF else { return nil }
                bytes.append(UInt8(value))
            default:
                return nil
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
