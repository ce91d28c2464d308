import KVCore

/// What a value holds, which decides the validators that look at it.
public enum ItemKind: String, Sendable, CaseIterable {
    case setting, json, yaml, text

    static func detect(_ entry: KVEntry, settings: ValidationSettings) -> ItemKind {
        guard let file = entry.origin.file else { return .setting }
        if file.hasSuffix(".json") { return .json }
        if file.hasSuffix(".yaml") || file.hasSuffix(".yml") { return .yaml }
        return .text
    }
}
