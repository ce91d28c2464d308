/// The rules every Consul key defined by a manifest must follow.
/// Consul's HTTP routers clean paths, so keys with empty, `.` or `..` segments would not round-trip.
public enum KeyRules {
    /// Why `key` is not acceptable, or nil when it is.
    public static func problem(with key: String) -> String? {
        if isPlainASCII(key) { return nil }
        if key.isEmpty { return "the key is empty" }
        if key.hasPrefix("/") { return "the key starts with '/'" }
        if key.hasSuffix("/") { return "the key ends with '/'" }
        if let scalar = key.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
            return "the key contains the control character U+\(String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4))"
        }
        for segment in key.split(separator: "/", omittingEmptySubsequences: false) {
            switch segment {
            case "": return "the key has an empty segment ('//')"
            case ".", "..": return "the key has a '\(segment)' segment"
            default: continue
            }
        }
        return nil
    }

    /// One pass over the bytes for the common case, printable ASCII with no bad segment: every
    /// manifest key is checked, and the general-category lookup above costs more than parsing it.
    private static func isPlainASCII(_ key: String) -> Bool {
        var length = 0, onlyDots = true
        for byte in key.utf8 {
            guard byte >= 0x20 && byte < 0x7F else { return false }
            if byte == UInt8(ascii: "/") {
                if length == 0 || (onlyDots && length <= 2) { return false }
                length = 0
                onlyDots = true
            } else {
                length += 1
                onlyDots = onlyDots && byte == UInt8(ascii: ".")
            }
        }
        return length > 0 && !(onlyDots && length <= 2)
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
