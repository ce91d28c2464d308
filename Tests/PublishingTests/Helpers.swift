import Foundation
import KVCore
import Publishing

/// A request publishing `keys` (key → value) as `version` under `name`.
func request(_ version: String, _ keys: [String: String], name: String = "settings", sentinels: Set<String> = []) -> PublishRequest {
    let semver = SemanticVersion(version)!
    return PublishRequest(
        name: name, version: semver,
        publication: Publication(version: version, tag: "v" + version, commit: String(repeating: "a", count: 40),
                                 published: "2025-01-01T00:00:00Z", publisher: "Tester <t@example.com>", keys: keys.count),
        keys: keys.map { DesiredKey(key: $0.key, value: Array($0.value.utf8), sentinel: sentinels.contains($0.key)) })
}

func publish(_ request: PublishRequest, to store: any KVStore, settings: PublishSettings = PublishSettings()) async throws -> PublishPlan {
    let publisher = Publisher(store: store, settings: settings)
    let plan = try await publisher.plan(request)
    try await publisher.apply(plan)
    return plan
}

func flags(_ version: String) -> UInt64 {
    VersionFlags(SemanticVersion(version)!)!.value
}

func text(_ entry: StoredEntry?) -> String? {
    entry.map { String(decoding: $0.value, as: UTF8.self) }
}

/// Runs blocking work (a kvctl process) on a Dispatch thread, so it does not hold one of the few
/// cooperative threads other suites' async tests, and their real-time clocks, depend on.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}
