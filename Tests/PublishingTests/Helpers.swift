import ConsulDouble
import ConsulKit
import Foundation
import KVCore
import Publishing
import TestSupport

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

/// The values of the kill tests' versions: `keys` keys under config/svc/, each labelled.
func killTestValues(_ label: String, keys: Int) -> [String: String] {
    Dictionary(uniqueKeysWithValues: (0..<keys).map { ("config/svc/k\($0)", "\(label)-\($0)") })
}

/// v1.0.0 (values labelled a) and v1.1.0 (labelled b), every value different, in transactions of 8
/// operations, so a publish of the other version takes many transactions to kill it in between.
func killTestFixture(keys: Int) throws -> FixtureRepository {
    let fixture = try FixtureRepository()
    try fixture.write("kvctl.yaml", "name: settings\ntransaction: {max-operations: 8}\n")
    for (version, label) in [("v1.0.0", "a"), ("v1.1.0", "b")] {
        let entries = killTestValues(label, keys: keys).sorted { $0.key < $1.key }.map { "  - key: \($0.key)\n    value: \($0.value)\n" }
        try fixture.write("kv/app.yaml", "config:\n" + entries.joined())
        try fixture.commitAll()
        try fixture.git("tag", "-a", version, "-m", "release")
    }
    return fixture
}

/// A repository named 'settings' with one release per tag, in order: the n-th sets config/app/port to n.
func portReleases(_ tags: [String]) throws -> FixtureRepository {
    let fixture = try FixtureRepository()
    try fixture.write("kvctl.yaml", "name: settings\n")
    for (port, tag) in zip(1..., tags) {
        try fixture.write("kv/app.yaml", "config:\n  - key: config/app/port\n    value: \(port)\n")
        try fixture.commitAll()
        try fixture.git("tag", "-a", tag, "-m", "release")
    }
    return fixture
}

/// A double started with `options`, `keys` published to it as 1.0.0 through a client retrying twice,
/// then `body`; the double is stopped whatever happens.
func withPublished(_ keys: [String: String], _ options: DoubleOptions = DoubleOptions(), settings: PublishSettings = PublishSettings(),
                   _ body: (ConsulDouble, Publisher) async throws -> Void) async throws {
    let double = try await ConsulDouble.start(options)
    let outcome: Result<Void, any Error>
    do {
        var configuration = try ConsulConfiguration.fromEnvironment([:], overrides: .init(address: double.baseURL))
        configuration.retry = RetryPolicy(maxAttempts: 2, initialBackoff: .milliseconds(1), maxBackoff: .milliseconds(5))
        try await ConsulClient.withClient(configuration) { client in
            let publisher = Publisher(store: client, settings: settings)
            try await publisher.apply(try await publisher.plan(request("1.0.0", keys)))
            try await body(double, publisher)
        }
        outcome = .success(())
    } catch {
        outcome = .failure(error)
    }
    try await double.stop()
    try outcome.get()
}
