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

    @Test func manifestSentinelField() throws {
        let tree = MemoryTree([
            "kv/a.yaml": "config:\n  - key: svc/initialized\n    value: 'true'\n    sentinel: true\n  - key: svc/port\n    value: 1\n    sentinel: maybe\n",
        ])
        let loaded = try ManifestLoader(config: KVConfig()).load(from: tree)
        #expect(loaded.tree["svc/initialized"]?.options.sentinel == true)
        #expect(loaded.diagnostics.map(\.message) == ["'sentinel' must be true or false"])
    }
}
