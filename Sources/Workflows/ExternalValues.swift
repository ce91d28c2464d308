import KVCore
import Publishing

/// The live values of `external-keys`, for rendering against an environment: each glob's keys are
/// listed under its literal prefix (the text before its first wildcard), read-only.
public enum ExternalValues {
    public static func read(from store: any KVStore, globs: [KeyGlob]) async throws -> [String: String] {
        var values: [String: String] = [:]
        var listed: Set<String> = []
        for glob in globs {
            let prefix = String(glob.pattern.prefix { $0 != "*" && $0 != "?" })
            guard listed.insert(prefix).inserted else { continue }
            for entry in try await store.entries(under: prefix) where globs.contains(where: { $0.matches(entry.key) }) {
                values[entry.key] = String(decoding: entry.value, as: UTF8.self)
            }
        }
        return values
    }
}
