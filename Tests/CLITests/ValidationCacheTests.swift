import Foundation
import Testing
import TestSupport

/// `validate --staged` and `--at` reuse per-blob results kept in `.git/kvctl/cache`. These tests
/// warm the cache, change one thing, and check that every finding a full run reports is still
/// reported, at the same place, including cross-item findings about items that did not change.
@Suite struct ValidationCache {
    let fixture: FixtureRepository

    init() throws {
        fixture = try FixtureRepository()
        try fixture.write("kv/grafana/grafana.yaml", """
            config:
              - key: grafana/provisioning/datasources.yaml
                file: datasources.yaml
              - key: grafana/dashboards/a.json
                file: a.json
              - key: grafana/dashboards/b.json
                file: b.json
            """)
        try fixture.write("kv/grafana/datasources.yaml", """
            apiVersion: 1
            datasources:
              - name: Prometheus
                type: prometheus
                uid: prom-main
            """)
        try fixture.write("kv/grafana/a.json", Self.dashboard(uid: "a", title: "A"))
        try fixture.write("kv/grafana/b.json", Self.dashboard(uid: "b", title: "B"))
        try fixture.write("kv/logstash/logstash.yaml", """
            config:
              - key: logstash/main/10-input.conf
                file: 10-input.conf
              - key: logstash/main/90-output.conf
                file: 90-output.conf
            """)
        try fixture.write("kv/logstash/10-input.conf", "input {\n  beats { id => \"in\" port => 5044 }\n}\n")
        try fixture.write("kv/logstash/90-output.conf", "output {\n  stdout { id => \"out\" }\n}\n")
        try fixture.write("kvctl.yaml", "logstash-pipelines:\n  - logstash/main/\n")
        try fixture.commitAll()
    }

    static func dashboard(uid: String, title: String, datasource: String = "prom-main") -> String {
        """
        {
          "uid": "\(uid)",
          "title": "\(title)",
          "panels": [
            {
              "id": 1, "type": "timeseries", "title": "p",
              "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
              "datasource": {"type": "prometheus", "uid": "\(datasource)"}
            }
          ]
        }

        """
    }

    /// A staged run (warming or using the cache) must print exactly what a run without it prints.
    private func expectSameAsUncached(_ comment: Comment? = nil) throws -> String {
        let cached = try kvctl(["validate", "--staged", "--output", "json"], in: fixture.url)
        let fresh = try kvctl(["validate", "--staged", "--output", "json", "--no-cache"], in: fixture.url)
        #expect(cached.standardOutput == fresh.standardOutput, comment)
        #expect(cached.status == fresh.status, comment)
        return cached.standardOutput
    }

    private func stage(_ path: String, _ text: String) throws {
        try fixture.write(path, text)
        try fixture.git("add", path)
    }

    /// A commit's findings are kept whole (a publish of the same release renders no template again):
    /// the kept result prints what a fresh run prints, findings included, and the item records survive it.
    @Test func aCommitsKeptResultMatchesAFreshRun() throws {
        try fixture.write("kv/grafana/b.json", Self.dashboard(uid: "a", title: "B"))
        _ = try fixture.commitAll("two dashboards with one uid")
        let fresh = try kvctl(["validate", "--at", "HEAD", "--output", "json", "--no-cache"], in: fixture.url)
        #expect(fresh.status == 1 && fresh.standardOutput.contains("\"errors\" : 1"))
        for run in ["cold", "kept"] {
            let cached = try kvctl(["validate", "--at", "HEAD", "--output", "json"], in: fixture.url)
            #expect(cached.standardOutput == fresh.standardOutput, "\(run)")
            #expect(cached.status == fresh.status, "\(run)")
        }
        _ = try expectSameAsUncached("staged after kept commit results")
    }

    @Test func warmRunsMatchUncachedRuns() throws {
        _ = try expectSameAsUncached("cold")
        #expect(FileManager.default.fileExists(atPath: fixture.path + "/.git/kvctl/cache"))
        let warm = try expectSameAsUncached("warm")
        #expect(warm.contains("\"errors\" : 0") || warm.contains("\"errors\": 0") || warm.contains("\"errors\":0"))
    }

    @Test func aChangedDashboardClashingWithAnUnchangedOneIsFound() throws {
        _ = try expectSameAsUncached()
        try stage("kv/grafana/b.json", Self.dashboard(uid: "a", title: "B"))
        let output = try expectSameAsUncached()
        #expect(output.contains("uid 'a' is already used by the dashboard at kv/grafana/a.json:2:10"))
    }

    @Test func removingADatasourceFlagsUnchangedDashboards() throws {
        _ = try expectSameAsUncached()
        try stage("kv/grafana/datasources.yaml", "apiVersion: 1\ndatasources:\n  - name: Loki\n    type: loki\n    uid: loki\n")
        let output = try expectSameAsUncached()
        #expect(output.contains("datasource uid 'prom-main' is not provisioned"))
        #expect(output.contains("kv/grafana/a.json") && output.contains("kv/grafana/b.json"))
    }

    @Test func aNewSnippetReusingAnUnchangedSnippetsIDIsFound() throws {
        _ = try expectSameAsUncached()
        try stage("kv/logstash/logstash.yaml", """
            config:
              - key: logstash/main/10-input.conf
                file: 10-input.conf
              - key: logstash/main/50-filter.conf
                file: 50-filter.conf
              - key: logstash/main/90-output.conf
                file: 90-output.conf
            """)
        try stage("kv/logstash/50-filter.conf", "filter {\n  mutate { id => \"in\" }\n}\n")
        let output = try expectSameAsUncached()
        #expect(output.contains("plugin id 'in' is already used at kv/logstash/10-input.conf:2:17"))
    }

    @Test func changedSettingsDiscardTheCache() throws {
        _ = try expectSameAsUncached()
        try stage("kvctl.yaml", "logstash-pipelines:\n  - logstash/main/\nmax-value-size: 100\n")
        let output = try expectSameAsUncached()
        #expect(output.contains("value-size"))
    }

    /// Promoting a release edits only an environment's pin: the next commit's validation must reuse
    /// every result, so the cache file is not even rewritten.
    @Test func changedPinsKeepTheCache() throws {
        try stage("kvctl.yaml", "logstash-pipelines:\n  - logstash/main/\nenvironments:\n  prod: {address: http://consul:8500, version: v1.0.0}\n")
        _ = try expectSameAsUncached()
        let cacheFile = fixture.url.appendingPathComponent(".git/kvctl/cache")
        let warm = try Data(contentsOf: cacheFile)
        try stage("kvctl.yaml", "logstash-pipelines:\n  - logstash/main/\nenvironments:\n  prod: {address: http://consul:8501, track: \"1.x\", datacenters: [dc1, dc2]}\n")
        _ = try expectSameAsUncached()
        #expect(try Data(contentsOf: cacheFile) == warm, "same context, every record reused")
        try stage("kvctl.yaml", "logstash-pipelines:\n  - logstash/main/\n  - logstash/other/\nenvironments:\n  prod: {address: http://consul:8501, track: \"1.x\"}\n")
        _ = try expectSameAsUncached()
        #expect(try Data(contentsOf: cacheFile) != warm, "a setting validation reads starts a new context")
    }

    @Test func aChangedSchemaDiscardsTheCache() throws {
        try stage("kvctl.yaml", "logstash-pipelines:\n  - logstash/main/\nrules:\n  - paths: \"kv/grafana/*.json\"\n    schema: strict.json\n")
        try stage("schemas/strict.json", "{\"type\": \"object\"}")
        _ = try expectSameAsUncached()
        try stage("schemas/strict.json", "{\"type\": \"object\", \"required\": [\"owner\"]}")
        let output = try expectSameAsUncached()
        #expect(output.contains("owner"))
    }

    @Test func aStagedErrorIsReportedEveryRun() throws {
        try stage("kv/grafana/a.json", "{ \"uid\": \"a\", ")
        for _ in 0..<2 {
            let result = try kvctl(["validate", "--staged"], in: fixture.url)
            #expect(result.status == 1)
            #expect(result.standardOutput.contains("invalid JSON"))
        }
    }

    @Test func aCorruptCacheIsIgnored() throws {
        _ = try expectSameAsUncached()
        try Data("kvctl-cache garbage".utf8).write(to: fixture.url.appendingPathComponent(".git/kvctl/cache"))
        _ = try expectSameAsUncached()
    }
}
