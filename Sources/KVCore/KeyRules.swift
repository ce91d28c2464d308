/// The rules every Consul key defined by a manifest must follow.
/// Consul's HTTP routers clean paths, so keys with empty, `.` or `..` segments would not round-trip.
public enum KeyRules {
    /// Why `key` is not acceptable, or nil when it is.
    public static func problem(with key: String) -> String? {
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
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
