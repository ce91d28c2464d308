import ConsulDouble
import Foundation
import Testing
import TestSupport

/// `kvctl publish` of the live release again, with the commit's digest kept in `.git/kvctl/cache`:
/// decided from the record and a key listing, without reading the release's files. A missing, stale,
/// damaged or unwritable cache falls back to the full path, which reads them.
@Suite struct CachedRepublishCommandTests {
    let fixture: FixtureRepository
    private let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CONSUL_") }

    init() throws {
        fixture = try FixtureRepository()
        try fixture.write("kv/app.yaml", "config:\n  - key: config/app/port\n    value: 8080\n  - key: config/app/banner\n    file: banner.txt\n")
        try fixture.write("kv/banner.txt", "hello\n")
        _ = try fixture.commitAll()
        _ = try fixture.git("tag", "-a", "v1.0.0", "-m", "release")
    }

    private var cache: URL { fixture.url.appendingPathComponent(".git/kvctl/cache") }

    /// kvctl off the cooperative pool, so a slow run does not hold up other tests' tasks.
    private func run(_ arguments: [String]) async throws -> ProcessResult {
        let (directory, environment) = (fixture.url, environment)
        return try await offPool { try kvctl(arguments, in: directory, environment: environment) }
    }

    private func publish(_ double: ConsulDouble, _ extra: [String] = []) async throws -> (status: Int32, standardError: String) {
        let result = try await run(["publish", "1.0.0", "--yes", "--consul", double.baseURL] + extra)
        return (result.status, result.standardError)
    }

    /// Removes the loose object of the release's banner.txt, which only resolving the tree reads.
    private func removeTheBannerBlob() throws {
        let id = try fixture.git("rev-parse", "v1.0.0:kv/banner.txt").trimmingCharacters(in: .whitespacesAndNewlines)
        let object = fixture.url.appendingPathComponent(".git/objects/\(id.prefix(2))/\(id.dropFirst(2))")
        try FileManager.default.removeItem(at: object)
    }

    @Test func aRepublishReadsNoneOfTheReleasesFiles() async throws {
        let double = try await ConsulDouble.start()
        let first = try await publish(double)
        let written = double.index
        try removeTheBannerBlob()
        let again = try await publish(double)
        try FileManager.default.removeItem(at: cache)
        let uncached = try await publish(double)
        try await double.stop()
        #expect(first.status == 0, "\(first.standardError)")
        #expect(again.status == 0, "\(again.standardError)")
        #expect(again.standardError.contains("nothing to publish: v1.0.0 is live as tagged (2 requests)"))
        #expect(double.index == written, "a no-op writes nothing")
        // Without the cache the tree is resolved, and the missing file shows it was needed.
        #expect(uncached.status != 0)
    }

    @Test(arguments: ["missing", "damaged", "truncated", "stale"])
    func aCacheThatCannotBeUsedFallsBackToTheFullPath(_ what: String) async throws {
        let double = try await ConsulDouble.start()
        let first = try await publish(double)
        var bytes = try [UInt8](Data(contentsOf: cache))
        switch what {
        case "missing": bytes = []
        case "damaged": bytes = Array("kvctl-cache 1 but not really".utf8)
        case "truncated": bytes = Array(bytes.prefix(bytes.count - 20))
        default:
            // Another kvctl build: the context starts with the executable's size, which differs.
            let text = Array("kvctl ".utf8)
            let at = try #require(bytes.indices.first { bytes[$0...].starts(with: text) })
            bytes[at + text.count] = bytes[at + text.count] == UInt8(ascii: "1") ? UInt8(ascii: "2") : UInt8(ascii: "1")
        }
        if what == "missing" { try FileManager.default.removeItem(at: cache) } else { try Data(bytes).write(to: cache) }
        let again = try await publish(double)
        let kept = try [UInt8](Data(contentsOf: cache))
        try removeTheBannerBlob()
        let cached = try await publish(double)
        try await double.stop()
        #expect(first.status == 0, "\(first.standardError)")
        #expect(again.status == 0, "\(again.standardError)")
        #expect(again.standardError.contains("nothing to publish: v1.0.0 is live as tagged (2 requests)"))
        // The full path keeps the digest again, so the next republish needs no file.
        #expect(kept.count > 100)
        #expect(cached.status == 0 && cached.standardError.contains("nothing to publish"), "\(cached.standardError)")
    }

    @Test func anUnwritableCacheOnlyCostsTime() async throws {
        try FileManager.default.createDirectory(at: fixture.url.appendingPathComponent(".git"), withIntermediateDirectories: true)
        try Data("not a folder".utf8).write(to: fixture.url.appendingPathComponent(".git/kvctl"))
        let double = try await ConsulDouble.start()
        let first = try await publish(double)
        let again = try await publish(double)
        try removeTheBannerBlob()
        let uncached = try await publish(double)
        try await double.stop()
        #expect(first.status == 0, "\(first.standardError)")
        #expect(again.status == 0 && again.standardError.contains("nothing to publish: v1.0.0 is live as tagged (2 requests)"))
        #expect(uncached.status != 0, "nothing was kept, so the tree is resolved")
    }

    /// The kept findings refuse an invalid release each time, as the full run does.
    @Test func anInvalidReleaseIsRefusedEveryTime() async throws {
        try fixture.write("kv/app.yaml", "config:\n  - key: config//bad\n    value: 1\n")
        _ = try fixture.commitAll()
        _ = try fixture.git("tag", "-a", "v2.0.0", "-m", "broken")
        let double = try await ConsulDouble.start()
        var results: [(Int32, String)] = []
        for _ in 0..<2 {
            let result = try await run(["publish", "2.0.0", "--yes", "--consul", double.baseURL])
            results.append((result.status, result.standardError))
        }
        let cached = try String(contentsOf: cache, encoding: .isoLatin1)
        try await double.stop()
        #expect(cached.contains("publish-digest"), "the second run had the digest to go by")
        for (status, standardError) in results {
            #expect(status == 1)
            #expect(standardError.contains("refusing to publish v2.0.0: its content does not validate"))
            #expect(standardError.contains("kv/app.yaml:2:10: error: invalid key 'config//bad'"))
        }
        #expect(double.snapshot().isEmpty)
    }

    /// `sync` of an environment whose pin is live already is decided from the digest as publish is.
    @Test func aSyncInStepReadsNoneOfTheReleasesFiles() async throws {
        let double = try await ConsulDouble.start()
        try fixture.write("kvctl.yaml", "environments:\n  prod: {address: '\(double.baseURL)', version: v1.0.0}\n")
        _ = try fixture.commitAll("pin prod")
        let synced = try await run(["sync", "--env", "prod", "--yes"])
        try removeTheBannerBlob()
        let again = try await run(["sync", "--env", "prod", "--yes"])
        try FileManager.default.removeItem(at: cache)
        let uncached = try await run(["sync", "--env", "prod", "--yes"])
        try await double.stop()
        #expect(synced.status == 0, "\(synced.standardError)")
        #expect(again.status == 0, "\(again.standardError)")
        #expect(again.standardError.contains("prod pins v1.0.0 (version v1.0.0): checking v1.0.0"), "\(again.standardError)")
        #expect(again.standardError.contains("nothing to publish: v1.0.0 is live as tagged (2 requests)"), "\(again.standardError)")
        #expect(uncached.status != 0)
    }

    /// A key changed by hand since the publish is drift, with the digest kept as without it.
    @Test func aKeyChangedByHandIsDriftStill() async throws {
        let double = try await ConsulDouble.start()
        let first = try await publish(double)
        double.seed(["config/app/port": "9090"])
        let refused = try await publish(double)
        let forced = try await publish(double, ["--force"])
        let entry = double.snapshot().first { $0.key == "config/app/port" }
        try await double.stop()
        #expect(first.status == 0, "\(first.standardError)")
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("config/app/port (changed)"), "\(refused.standardError)")
        #expect(forced.status == 0)
        #expect(entry.map { String(decoding: $0.value, as: UTF8.self) } == "8080")
    }
}
