import Foundation
import Testing
import TestSupport

/// Real dashboards Grafana loads (../shared/corpus/grafana, see SOURCE.md there), published from a
/// fixture repository and validated by the real `kvctl validate`: Grafana accepts every one of them,
/// so kvctl must report no error.
@Suite struct GrafanaCorpus {
    /// Files in the corpus folder when SOURCE.md was written (dotdc/grafana-dashboards-kubernetes,
    /// `dashboards/` at 7fc1dc8): a smaller folder means the corpus went missing, not that it passed.
    static let expectedFiles = 8

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("../shared/corpus/grafana").standardizedFileURL

    @Test func everyCorpusDashboardValidatesWithoutError() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { $0.hasSuffix(".json") }.sorted()
        #expect(names.count >= Self.expectedFiles, "\(Self.folder.path) holds \(names.count) dashboards; SOURCE.md lists \(Self.expectedFiles)")
        let fixture = try FixtureRepository()
        var manifest = "config:\n"
        for name in names {
            try fixture.write("kv/dashboards/\(name)", bytes: Array(try Data(contentsOf: Self.folder.appendingPathComponent(name))))
            manifest += "  - key: grafana/dashboards/\(name)\n    file: dashboards/\(name)\n"
        }
        try fixture.write("kv/grafana.yaml", manifest)
        try fixture.commitAll()

        let result = try kvctl(["validate", "--output", "json"], in: fixture.url)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.output)) as? [String: Any], "\(result.standardError)")
        let findings = report["findings"] as? [[String: Any]] ?? []
        let errors = findings.filter { $0["severity"] as? String == "error" }
        print("corpus grafana: \(names.count) files, \(errors.count) errors")
        #expect(errors.isEmpty, "\(errors)")
        #expect(result.status == 0, "\(result.standardOutput)")
        #expect(report["keys"] as? Int == names.count)

        // The same files are checked as dashboards, not passed as plain JSON: one given a uid Grafana
        // rejects ('/' is outside util.IsValidShortUID's [a-zA-Z0-9_-], grafana/grafana pkg/util/shortid_generator.go) fails.
        let first = try #require(names.first)
        var probe = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Self.folder.appendingPathComponent(first))) as? [String: Any])
        probe["uid"] = "not/valid"
        probe["title"] = "Probe"
        try fixture.write("kv/probe/\(first)", bytes: Array(try JSONSerialization.data(withJSONObject: probe)))
        try fixture.write("kv/grafana.yaml", manifest + "  - key: grafana/probe/\(first)\n    file: probe/\(first)\n")
        let probed = try kvctl(["validate", "--output", "json"], in: fixture.url)
        let probeReport = try #require(try JSONSerialization.jsonObject(with: Data(probed.output)) as? [String: Any])
        let probeRules = (probeReport["findings"] as? [[String: Any]] ?? []).filter { $0["severity"] as? String == "error" }.map { $0["rule"] as? String }
        #expect(probeRules == ["grafana-uid-format"], "\(probed.standardOutput)")
    }
}
