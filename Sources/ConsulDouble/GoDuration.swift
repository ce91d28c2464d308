/// Go's `time.ParseDuration` format, which Consul uses for TTLs and lock delays: `"15s"`, `"1m30s"`, `"500ms"`.
enum GoDuration {
    private static let nanosecondsPerUnit: [Substring: Double] = [
        "ns": 1, "us": 1e3, "µs": 1e3, "ms": 1e6, "s": 1e9, "m": 60e9, "h": 3600e9,
    ]

    static func parse(_ text: String) -> Duration? {
        if text == "0" { return .zero }
        guard !text.isEmpty else { return nil }
        var rest = Substring(text)
        var nanoseconds = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard let amount = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            guard let scale = nanosecondsPerUnit[unit] else { return nil }
            rest = rest.dropFirst(unit.count)
            nanoseconds += amount * scale
        }
        return .nanoseconds(Int64(nanoseconds))
    }
}
