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

    /// Why some Consul versions refuse `key`, naming them, or nil when every version takes it.
    /// Consul 1.21.5 (hashicorp/consul#22682, reported in #22835 and #22822) answered `500 invalid key
    /// name` to every `/v1/kv/` request, reads and deletes included, for a key outside
    /// `^[a-zA-Z0-9,_./\-?&=]+$`; the releases that replaced the pattern (#22850, backported to the 1.21
    /// and 1.22 lines) still refuse leading or trailing spaces with `400` unless the agent sets
    /// `disable_kv_key_validation`. See docs/consul-fidelity.md.
    public static func consulVersionProblem(with key: String) -> String? {
        if key.first == " " || key.last == " " {
            return "Consul releases with hashicorp/consul#22850 (after 1.21.5) refuse keys with leading or trailing spaces (400), "
                + "unless the agent sets disable_kv_key_validation; Consul 1.21.5 refuses them too"
        }
        guard let odd = key.unicodeScalars.first(where: { scalar in
            !(scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || ",_./-?&=".unicodeScalars.contains(scalar)))
        }) else { return nil }
        return "Consul 1.21.5 refuses every request for a key with \(odd == " " ? "a space" : "'\(odd)'") (500 invalid key name: "
            + "only letters, digits and , _ . / - ? & = pass its check; hashicorp/consul#22835), so on that version it can be neither "
            + "written, read nor deleted; earlier and later versions take it"
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
