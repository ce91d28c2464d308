import KVCore
import Publishing
import Testing
import TestSupport

@Suite struct PublishingSettings {
    @Test func parsesEveryPublishingSetting() {
        let (config, diagnostics) = KVConfig.parse(Array("""
            name: dashboards
            meta-prefix: ops/kvctl
            prune: [grafana/dashboards/]
            sentinels: ['config/*/initialized']
            transaction: {max-operations: 128, max-bytes: 1MiB}
            environments:
              prod: {address: https://consul.example.com:8501, datacenter: eu1, token-file: ~/.consul-token}
            """.utf8))
        #expect(diagnostics.isEmpty)
        #expect(config.name == "dashboards")
        #expect(config.metaPrefix == "ops/kvctl/")
        #expect(config.prune == ["grafana/dashboards/"])
        #expect(config.sentinels.map(\.pattern) == ["config/*/initialized"])
        #expect(config.transaction == TransactionLimits(maxOperations: 128, maxBytes: 1024 * 1024))
        #expect(config.environments["prod"] == ConsulEnvironment(address: "https://consul.example.com:8501", datacenter: "eu1",
                                                                 tokenFile: "~/.consul-token"))
        #expect(PublishSettings(config).layout.record(of: "dashboards") == "ops/kvctl/dashboards/record")
    }

    @Test func rejectsTokensAndMistakes() {
        let (_, diagnostics) = KVConfig.parse(Array("""
            name: a/b
            transaction: {max-operations: 1, batch: 3}
            environments:
              prod: {address: http://x, token: s3cr3t}
            """.utf8))
        let messages = diagnostics.map(\.message)
        #expect(messages.contains { $0.hasPrefix("'name': expected one key segment") })
        #expect(messages.contains { $0.hasPrefix("'max-operations'") })
        #expect(messages.contains { $0.hasPrefix("unknown transaction setting 'batch'") })
        #expect(messages.contains { $0.hasPrefix("a token must not be written in the repository") })
        #expect(!messages.joined().contains("s3cr3t"))
    }

    @Test func parsesEnvironmentPinsAndGates() {
        let (config, diagnostics) = KVConfig.parse(Array("""
            environments:
              staging: {address: http://a, datacenter: dc1, track: latest}
              canary: {address: http://b, track: "1.x", pre: true}
              prod: {address: http://c, datacenters: [eu1, us1], version: v1.4.0, after: staging, soak: 1h30m}
            """.utf8))
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
        #expect(config.environments["staging"]?.pin == .track(VersionTrack()))
        #expect(config.environments["staging"]?.datacenters == ["dc1"])
        #expect(config.environments["canary"]?.pin == .track(VersionTrack(major: 1, preReleases: true)))
        #expect(config.environments["prod"] == ConsulEnvironment(address: "http://c", datacenters: ["eu1", "us1"], pin: .version("v1.4.0"),
                                                                 after: "staging", soak: 5400))
        #expect(config.environments["prod"]?.datacenter == nil, "several datacenters name no single one")
    }

    @Test func rejectsContradictoryPins() {
        let (_, diagnostics) = KVConfig.parse(Array("""
            environments:
              a: {datacenter: dc1, datacenters: [dc1], version: v1.0.0, track: latest}
              b: {version: v1.0.0, pre: true, after: c}
              c: {track: "1.x.3", after: b, soak: 30 minutes}
              d: {version: latest, datacenters: [dc1, dc1], after: nowhere}
              e: {track: latest, soak: 30m}
            """.utf8))
        let messages = diagnostics.map(\.message)
        #expect(messages.contains("environment 'a' names both 'datacenter' and 'datacenters'; keep 'datacenters: [dc1, dc2]'"))
        #expect(messages.contains { $0.hasPrefix("environment 'a' names both 'version' and 'track'") })
        #expect(messages.contains("'pre' goes with 'track': a 'version' names its release exactly"))
        #expect(messages.contains { $0.hasPrefix("'track': expected latest or a version range") })
        #expect(messages.contains { $0.hasPrefix("'soak': expected a duration like 30m") })
        #expect(messages.contains { $0.hasPrefix("'after': environment 'b' waits for itself") })
        #expect(messages.contains("'version': expected a release tag like v1.4.0"))
        #expect(messages.contains("'datacenters': a datacenter is listed twice"))
        #expect(messages.contains { $0.hasPrefix("'after': no environment 'nowhere'") })
        #expect(messages.contains { $0.hasPrefix("environment 'e' has 'soak' without 'after'") })
        #expect(diagnostics.allSatisfy { $0.location.line > 1 }, "each finding at its setting")
    }

    /// node-semver's X-ranges: `1.x` is `>=1.0.0 <2.0.0-0`, and a pre-release matches only with
    /// includePrerelease (https://github.com/npm/node-semver#prerelease-tags).
    @Test func tracksMatchAsNpmXRanges() throws {
        let versions = ["0.9.0", "1.0.0", "1.4.2", "1.5.0-rc.1", "2.0.0-beta.1", "1.10.0"].map { SemanticVersion($0)! }
        #expect(try #require(VersionTrack("1.x", preReleases: false)).highest(of: versions)?.description == "1.10.0")
        #expect(try #require(VersionTrack("1.4", preReleases: false)).highest(of: versions)?.description == "1.4.2")
        #expect(try #require(VersionTrack("1.5.x", preReleases: true)).highest(of: versions)?.description == "1.5.0-rc.1")
        #expect(try #require(VersionTrack("1.5.x", preReleases: false)).highest(of: versions) == nil)
        #expect(try #require(VersionTrack("latest", preReleases: false)).highest(of: versions)?.description == "1.10.0")
        #expect(try #require(VersionTrack("latest", preReleases: true)).highest(of: versions)?.description == "2.0.0-beta.1")
        for bad in ["", "1.x.3", "01.x", "v1", "1.2.3", "x.1", "1..x", "99999999999.x"] {
            #expect(VersionTrack(bad, preReleases: false) == nil, "\(bad)")
        }
    }

    @Test func manifestSentinelField() throws {
        let tree = MemoryTree([
            "kv/a.yaml": "config:\n  - key: svc/initialized\n    value: 'true'\n    sentinel: true\n  - key: svc/port\n    value: 1\n    sentinel: maybe\n",
        ])
        let loaded = try ManifestLoader(config: KVConfig()).load(from: tree)
        #expect(loaded.tree["svc/initialized"]?.options.sentinel == true)
        #expect(loaded.diagnostics.map(\.message) == ["'sentinel' must be true or false"])
    }
}
