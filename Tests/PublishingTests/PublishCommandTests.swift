import Foundation
import Publishing
import Testing
import TestSupport

/// The real `kvctl publish` against the local store of a fixture repository.
@Suite struct PublishCommand {
    let fixture: FixtureRepository
    /// No CONSUL_* variables, so the local store is used whatever the test runner's environment holds.
    let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CONSUL_") }

    init() throws {
        fixture = try FixtureRepository()
        try fixture.write("kvctl.yaml", "name: settings\nsentinels: ['config/app/initialized']\n")
        try fixture.write("kv/app.yaml", """
            config:
              - key: config/app/port
                value: 8080
              - key: config/app/old
                value: going
              - key: config/app/initialized
                value: "true"
            """)
        try fixture.commitAll()
        try fixture.git("tag", "-a", "v1.0.0", "-m", "release")
    }

    private func run(_ arguments: [String]) throws -> ProcessResult {
        try kvctl(arguments, in: fixture.url, environment: environment)
    }

    /// v1.1.0: the port changes, a key goes, a key comes.
    private func releaseSecondVersion() throws {
        try fixture.write("kv/app.yaml", """
            config:
              - key: config/app/port
                value: 9090
              - key: config/app/new
                value: here
              - key: config/app/initialized
                value: "true"
            """)
        try fixture.commitAll()
        #expect(try run(["release", "minor", "--yes"]).status == 0)
    }

    @Test func publishesToTheLocalStoreAndSaysSoFirst() throws {
        let result = try run(["publish", "1.0.0", "--yes"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.split(separator: "\n").first
            == "kvctl: publishing v1.0.0 as 'settings' to the local store .kvctl/ (no Consul configured: set CONSUL_HTTP_ADDR, --consul or --env)")
        #expect(result.standardOutput.contains("live: nothing published yet as 'settings'\n"))
        #expect(result.standardOutput.contains("+ config/app/initialized = true (sentinel: written last)\n"))
        #expect(result.standardOutput.contains("+ config/app/port = 8080\n"))
        #expect(result.standardOutput.contains("plan: 3 to create, 0 to update, 0 to delete, 0 unchanged; 1 transaction"))
        #expect(result.standardError.contains("kvctl: published v1.0.0 to the local store .kvctl/ in 1 transaction"))
        // The store ignores itself: the working tree stays clean.
        #expect(try fixture.git("status", "--porcelain").isEmpty)
        let store = try String(contentsOf: fixture.url.appendingPathComponent(".kvctl/store.json"), encoding: .utf8)
        #expect(store.contains("\"key\":\"kvctl/settings/record\""))
    }

    @Test func planChangeAndRepublish() throws {
        #expect(try run(["publish", "v1.0.0", "--yes"]).status == 0)
        try releaseSecondVersion()

        let plan = try run(["publish", "1.1.0", "--plan"])
        #expect(plan.status == 0)
        #expect(plan.standardOutput.contains("live: v1.0.0 (commit "))
        #expect(plan.standardOutput.contains("""
            + config/app/new = here
            - config/app/old
            ~ config/app/port

            --- live:config/app/port
            +++ v1.1.0:config/app/port
            @@ -1 +1 @@
            -8080
            +9090
            """))
        #expect(plan.standardOutput.contains("plan: 1 to create, 1 to update, 1 to delete, 1 unchanged; 1 transaction"))
        #expect(!plan.standardOutput.contains("\u{1B}["), "plain in a pipe")
        #expect(try run(["publish", "1.1.0", "--plan", "--detailed-exitcode"]).status == 2)

        let applied = try run(["publish", "1.1.0", "--yes"])
        #expect(applied.status == 0, "\(applied.standardError)")
        #expect(try run(["publish", "1.1.0", "--plan", "--detailed-exitcode"]).status == 0)
        let again = try run(["publish", "1.1.0", "--yes"])
        #expect(again.standardOutput.contains("plan: no changes; v1.1.0 is live as tagged"))
        #expect(again.standardError.contains("nothing to publish"))
    }

    @Test func exportLiveEqualsTheTagWithVersionFlags() throws {
        #expect(try run(["publish", "1.0.0", "--yes"]).status == 0)
        try releaseSecondVersion()
        #expect(try run(["publish", "1.1.0", "--yes"]).status == 0)

        let live = try run(["export", "--live"])
        #expect(live.status == 0, "\(live.standardError)")
        #expect(live.standardError.hasPrefix("kvctl: reading what 'settings' published to the local store .kvctl/ (no Consul configured"))
        let tagged = try run(["export", "--at", "v1.1.0"])
        let liveItems = try #require(JSONSerialization.jsonObject(with: Data(live.output)) as? [[String: Any]])
        let taggedItems = try #require(JSONSerialization.jsonObject(with: Data(tagged.output)) as? [[String: Any]])
        #expect(liveItems.map { "\($0["key"]!)=\($0["value"]!)" } == taggedItems.map { "\($0["key"]!)=\($0["value"]!)" })
        let flags = Dictionary(uniqueKeysWithValues: liveItems.map { ($0["key"] as! String, ($0["flags"] as! NSNumber).uint64Value) })
        #expect(flags["config/app/port"] == 0x6B00_0100_0100_00FF, "changed in 1.1.0")
        #expect(flags["config/app/initialized"] == 0x6B00_0100_0000_00FF, "unchanged since 1.0.0")
    }

    @Test func withoutATerminalItAsksForYes() throws {
        let result = try run(["publish", "1.0.0"])
        #expect(result.status == 2)
        #expect(result.standardError.contains("stdin is not a terminal, so kvctl cannot ask; pass --yes to publish v1.0.0 to the local store .kvctl/"))
        #expect(!FileManager.default.fileExists(atPath: fixture.url.appendingPathComponent(".kvctl/store.json").path))
    }

    @Test func jsonPlan() throws {
        let result = try run(["publish", "1.0.0", "--plan", "--output", "json"])
        #expect(result.status == 0)
        let report = try #require(JSONSerialization.jsonObject(with: Data(result.output)) as? [String: Any])
        #expect(report["create"] as? Int == 3)
        #expect(report["applied"] as? Bool == false)
        #expect(report["tag"] as? String == "v1.0.0")
        let changes = try #require(report["changes"] as? [[String: Any]])
        #expect(changes.map { $0["action"] as? String } == ["create", "create", "create"])
    }

    @Test func refusesAnInvalidVersionAndUnknownTags() throws {
        try fixture.write("kv/app.yaml", "config:\n  - key: config//bad\n    value: 1\n")
        try fixture.commitAll()
        try fixture.git("tag", "-a", "v2.0.0", "-m", "broken")
        let invalid = try run(["publish", "2.0.0", "--yes"])
        #expect(invalid.status == 1)
        #expect(invalid.standardError.contains("refusing to publish v2.0.0: its content does not validate"))
        #expect(invalid.standardError.contains("kv/app.yaml:2:10: error: invalid key 'config//bad'"))

        let unknown = try run(["publish", "3.0.0"])
        #expect(unknown.status == 2)
        #expect(unknown.standardError.contains("no release tag v3.0.0"))
        #expect(try run(["publish", "banana"]).status == 2)
        #expect(try run(["publish", "1.0.0", "--detailed-exitcode"]).status == 2)
    }

    @Test func refusesKeysAnotherRepositoryPublished() throws {
        let other = try FixtureRepository()
        try other.write("kvctl.yaml", "name: dashboards\n")
        try other.write("kv/a.yaml", "config:\n  - key: config/app/port\n    value: 1\n")
        try other.commitAll()
        try other.git("tag", "-a", "v1.0.0", "-m", "release")
        // Both repositories share one store: point the second at the first one's folder.
        #expect(try run(["publish", "1.0.0", "--yes"]).status == 0)
        try FileManager.default.createSymbolicLink(at: other.url.appendingPathComponent(".kvctl"),
                                                   withDestinationURL: fixture.url.appendingPathComponent(".kvctl"))
        let refused = try kvctl(["publish", "1.0.0", "--yes"], in: other.url, environment: environment)
        #expect(refused.status == 1)
        #expect(refused.standardError.contains(
            "config/app/port is owned by repository 'settings' (its record kvctl/settings/record), so 'dashboards' may not write it"))
    }

    /// A checkout with CRLF line ends (core.autocrlf on Windows). YAML parses a CRLF as one line break
    /// and normalises breaks inside scalars to `\n` (YAML 1.2.2 §5.4, https://yaml.org/spec/1.2.2/#54-line-break-characters).
    @Test func crlfManifestsStoreNoCarriageReturns() throws {
        let crlf = try FixtureRepository()
        try crlf.write("kv/app.yaml", [
            "config:", "  - key: config/app/port", "    value: 8080", "  - key: config/app/motd", "    value: |",
            "      line one", "      line two", "  - key: config/app/quoted", "    value: \"a b\"   # trailing comment", "",
        ].joined(separator: "\r\n"))
        try crlf.commitAll()
        try crlf.git("tag", "-a", "v1.0.0", "-m", "release")
        let published = try kvctl(["publish", "1.0.0", "--yes"], in: crlf.url, environment: environment)
        #expect(published.status == 0, "\(published.standardError)")
        let live = try kvctl(["export", "--live"], in: crlf.url, environment: environment)
        let items = try #require(JSONSerialization.jsonObject(with: Data(live.output)) as? [[String: Any]])
        let values = Dictionary(uniqueKeysWithValues: items.map {
            ($0["key"] as! String, String(decoding: Data(base64Encoded: $0["value"] as! String)!, as: UTF8.self))
        })
        #expect(values == ["config/app/port": "8080", "config/app/motd": "line one\nline two\n", "config/app/quoted": "a b"])
    }

    /// `transaction.max-bytes` splits a publish by request size, as Consul's `txn_max_req_len` requires.
    @Test func transactionMaxBytesDrivesBatching() throws {
        let sized = try FixtureRepository()
        let entries = (0..<10).map { "  - key: config/big/k\($0)\n    value: \(String(repeating: "x", count: 500))\n" }
        try sized.write("kv/app.yaml", "config:\n" + entries.joined())
        try sized.commitAll()
        try sized.git("tag", "-a", "v1.0.0", "-m", "release")
        let unlimited = try kvctl(["publish", "1.0.0", "--plan"], in: sized.url, environment: environment)
        #expect(unlimited.standardOutput.contains("plan: 10 to create, 0 to update, 0 to delete, 0 unchanged; 1 transaction"),
                "\(unlimited.standardOutput)")
        // About 700 bytes of request per 500-byte value (base64 and the JSON around it): two fit in 2 KiB.
        try sized.write("kvctl.yaml", "transaction: {max-bytes: 2KiB}\n")
        try sized.commitAll()
        try sized.git("tag", "-a", "v1.0.1", "-m", "release")
        let limited = try kvctl(["publish", "1.0.1", "--plan", "--output", "json"], in: sized.url, environment: environment)
        let report = try #require(JSONSerialization.jsonObject(with: Data(limited.output)) as? [String: Any], "\(limited.standardError)")
        let transactions = try #require(report["transactions"] as? Int, "\(report.keys.sorted())")
        #expect(transactions >= 5)
        let applied = try kvctl(["publish", "1.0.1", "--yes"], in: sized.url, environment: environment)
        #expect(applied.status == 0, "\(applied.standardError)")
        #expect(applied.standardError.contains("in \(transactions) transactions"), "\(applied.standardError)")
    }
}
