import ConsulDouble
import Foundation
import KVCore
import Publishing
import Testing
import TestSupport

/// `kvctl import` with the real binary: from a `consul kv export` file, and from a live Consul (the
/// double) followed by `release` and `publish`, which must adopt the keys without rewriting them.
@Suite struct ImportCommand {
    let fixture: FixtureRepository
    let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CONSUL_") }

    init() throws {
        fixture = try FixtureRepository()
        try fixture.write("kvctl.yaml", "name: adopted\n")
    }

    /// The value shapes the issue names, keyed under one folder.
    static let values: [String: [UInt8]] = [
        "config/svc/empty": [], "config/svc/newline": Array("text\n".utf8), "config/svc/crlf": Array("a\r\nb\r\n".utf8),
        "config/svc/decimal": Array("1.10".utf8), "config/svc/mode": Array("0700".utf8), "config/svc/flag": Array("yes".utf8),
        "config/svc/bom": [0xEF, 0xBB, 0xBF] + Array("x: 1\n".utf8), "config/svc/latin1": [0x63, 0x61, 0x66, 0xE9],
        "config/svc/settings.json": Array("{\n  \"a\": 1\n}\n".utf8), "config/other/port": Array("8080".utf8),
    ]

    private func run(_ arguments: [String]) throws -> ProcessResult {
        try kvctl(arguments, in: fixture.url, environment: environment)
    }

    @Test func anExportFileRoundTripsByteForByte() throws {
        let exported = ConsulExport.json(Self.values.keys.sorted().map { ($0, UInt64(0), Self.values[$0]!) })
        let secret = "AKIA" + "IOSFODNN7EXAMPLE"
        let withExtras = ConsulExport.json((Self.values.keys.sorted().map { ($0, UInt64(0), Self.values[$0]!) })
            + [("config/svc/aws/key", 0, Array("aws_access_key_id = \(secret)".utf8)), ("kvctl/someone/record", 0, Array("{}".utf8))])
        try fixture.write("export.json", withExtras)
        let imported = try run(["import", "--from", "export.json"])
        #expect(imported.status == 0, "\(imported.standardError)")
        #expect(imported.standardError.contains("imported 10 keys from 'export.json'"))
        #expect(imported.standardError.contains("skipped 1 key under the meta prefix 'kvctl/'"))
        #expect(imported.standardError.contains("left out 1 key whose value the secret guard flags"))
        #expect(imported.standardError.contains("  config/svc/aws/key"))
        #expect(!imported.standardError.contains(secret) && !imported.standardOutput.contains(secret))
        try fixture.remove("export.json")
        let roundTrip = try run(["export"])
        #expect(roundTrip.status == 0, "\(roundTrip.standardError)")
        #expect(roundTrip.standardOutput == exported + "\n")
        let validated = try run(["validate"])
        #expect(validated.status == 0, "\(validated.standardError)")
        // Importing again finds every key defined already and writes nothing.
        try fixture.write("export.json", exported)
        let again = try run(["import", "--from", "export.json"])
        #expect(again.standardError.contains("imported 0 keys"))
        #expect(again.standardError.contains("skipped 10 keys the working tree already defines"))
    }

    /// The consul CLI's names (hashicorp/consul command/flags/http.go): -http-addr and -token-file, the
    /// flag beating its variable.
    @Test func consulCLIFlagsNameTheStoreAndToken() async throws {
        let double = try await ConsulDouble.start(DoubleOptions(token: "s3cret-token"))
        double.seed(["config/a/port": "80"])
        try fixture.write("token", "s3cret-token\n")
        var wrongToken = self.environment
        wrongToken["CONSUL_HTTP_TOKEN"] = "wrong"
        let (directory, consul, environment) = (fixture.url, double.baseURL, wrongToken)
        let (flagged, unflagged, tlsless) = try await offPool {
            (try kvctl(["import", "--http-addr", consul, "--token-file", "token", "--dry-run"], in: directory, environment: environment),
             try kvctl(["import", "--http-addr", consul, "--dry-run"], in: directory, environment: environment),
             try kvctl(["import", "--http-addr", consul, "--client-cert", "token", "--dry-run"], in: directory, environment: environment))
        }
        try await double.stop()
        #expect(flagged.status == 0, "\(flagged.standardError)")
        #expect(flagged.standardError.contains("would import 1 key"))
        #expect(unflagged.status != 0, "CONSUL_HTTP_TOKEN=wrong is refused without the flag")
        #expect(tlsless.status == 2)
        #expect(tlsless.standardError.contains("CONSUL_CLIENT_CERT and CONSUL_CLIENT_KEY must be set together"))
        #expect(!(flagged.standardError + unflagged.standardError).contains("s3cret-token"))
    }

    @Test func releaseAndPublishAdoptLiveKeysWithoutRewritingThem() async throws {
        let double = try await ConsulDouble.start()
        double.seed(Self.values.map { DoubleEntry(key: $0.key, value: $0.value, flags: $0.key.hasSuffix("port") ? 42 : 0) })
        double.seed(["unrelated/key": "not imported"])
        let before = Dictionary(uniqueKeysWithValues: double.snapshot().map { ($0.key, $0) })
        let (directory, consul, environment) = (fixture.url, double.baseURL, environment)
        let results = try await offPool {
            let imported = try kvctl(["import", "--consul", consul, "--prefix", "config/"], in: directory, environment: environment)
            _ = try TestSupport.run("/usr/bin/env", ["git", "add", "-A"], in: directory)
            _ = try TestSupport.run("/usr/bin/env", ["git", "commit", "-qm", "import"], in: directory)
            let released = try kvctl(["release", "--yes"], in: directory, environment: environment)
            let plan = try kvctl(["publish", "1.0.0", "--consul", consul, "--plan", "--output", "json"], in: directory, environment: environment)
            let published = try kvctl(["publish", "1.0.0", "--consul", consul, "--yes"], in: directory, environment: environment)
            let live = try kvctl(["export", "--live", "--consul", consul], in: directory, environment: environment)
            return [imported, released, plan, published, live]
        }
        let after = Dictionary(uniqueKeysWithValues: double.snapshot().map { ($0.key, $0) })
        try await double.stop()
        let (imported, released, plan, published, live) = (results[0], results[1], results[2], results[3], results[4])
        #expect(imported.status == 0, "\(imported.standardError)")
        #expect(imported.standardError.contains("1 key carry Flags another tool set") || imported.standardError.contains("config/other/port (flags 42)"))
        #expect(released.status == 0, "\(released.standardError)")
        #expect(plan.status == 0, "\(plan.standardError)")
        let report = try JSONSerialization.jsonObject(with: Data(plan.output)) as? [String: Any]
        #expect(report?["create"] as? Int == 0)
        #expect(report?["update"] as? Int == 0)
        #expect(report?["delete"] as? Int == 0)
        #expect(report?["unchanged"] as? Int == Self.values.count)
        #expect(published.status == 0, "\(published.standardError)")
        for key in Self.values.keys {
            #expect(after[key] == before[key], "\(key) was rewritten")
        }
        // Everything written is kvctl's own: the record, its owned-key chunks (the lock is released).
        let written = after.keys.filter { after[$0] != before[$0] }
        #expect(written.allSatisfy { $0.hasPrefix("kvctl/adopted/") }, "\(written.sorted())")
        #expect(written.contains("kvctl/adopted/record"))
        #expect(live.status == 0, "\(live.standardError)")
        #expect(live.standardError.contains("10 keys of v1.0.0 live"))
    }
}
