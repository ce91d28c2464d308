import KVCore

/// Consul refuses values over `kv_max_value_size` (512 KiB by default) with a 413 mid-publish.
struct ValueSizeValidator: ItemValidator {
    static let tooLarge = Rule("value-too-large", .error, "A value is larger than Consul accepts.",
                               rationale: "Consul answers 413 for a value over kv_max_value_size; catching it here keeps a publish from failing part-way.",
                               consumer: "Consul refuses a KV or txn request body over kv_max_value_size (default 512 KiB) with 413 Request Entity Too Large (Consul docs: agent configuration, limits.kv_max_value_size, \"affects the txn endpoint too\"; api-docs/kv: values cannot be larger than 512kb).")

    var rules: [Rule] { [Self.tooLarge] }

    func validate(_ item: Item, in version: VersionUnderTest) -> [Diagnostic] {
        let limit = version.config.maxValueSize
        guard item.entry.value.count > limit else { return [] }
        return [Self.tooLarge.finding(at: item.entry.origin.location,
            "the value of '\(item.key)' is \(byteCount(item.entry.value.count)); expected at most \(byteCount(limit)) (Consul's kv_max_value_size, setting 'max-value-size')")]
    }
}

func byteCount(_ bytes: Int) -> String {
    if bytes < 1024 { return "\(bytes) bytes" }
    let kib = Double(bytes) / 1024
    return kib < 1024 ? "\(Double(Int(kib * 10)) / 10) KiB" : "\(Double(Int(kib / 1024 * 10)) / 10) MiB"
}
