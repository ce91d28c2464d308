import Foundation
import Testing
import TestSupport

/// Real files their consumer accepts (../shared/corpus, see SOURCE.md there), validated by the real
/// `kvctl validate` in a fixture repository: kvctl must report no error on any of them.
@Suite struct Corpus {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("../shared/corpus").standardizedFileURL

    /// The pipelines in `logstash/` when SOURCE.md was written (elastic/logstash at 5e53565): its
    /// table names the folder and the commit, not a count, so the count of that day is the minimum;
    /// fewer files means the corpus went missing, not that it passed.
    static let logstashFiles = 28

    /// Each file is a whole pipeline Logstash starts with, so each gets its own key under its own
    /// `logstash-pipelines` prefix. No file holds a real credential: the samples' `changeme` and
    /// `INSERT YOUR ...` are placeholders (warnings) and `#password => "changeme"` is a comment
    /// (nothing), so no finding needs review and every error fails the test.
    @Test func logstash() throws {
        let folder = Self.corpus.appendingPathComponent("logstash")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasSuffix(".conf") || $0.hasSuffix(".cfg") }.sorted()
        try #require(names.count >= Self.logstashFiles, "\(folder.path) holds \(names.count) pipelines; SOURCE.md's folder held \(Self.logstashFiles)")
        let fixture = try FixtureRepository()
        var manifest = "config:\n", settings = "logstash-pipelines:\n"
        for name in names {
            try fixture.write("kv/logstash/\(name)", bytes: Array(try Data(contentsOf: folder.appendingPathComponent(name))))
            manifest += "  - key: corpus/\(name)/pipeline\n    file: logstash/\(name)\n    type: logstash\n"
            settings += "  - corpus/\(name)/\n"
        }
        try fixture.write("kv/corpus.yaml", manifest)
        try fixture.write("kvctl.yaml", settings)
        try fixture.commitAll()

        let findings = try validate(fixture)
        let errors = findings.filter { $0.severity == "error" }
        print("corpus logstash: \(names.count) files, \(errors.count) errors")
        #expect(errors.isEmpty, "\(errors)")
        #expect(findings.filter { $0.rule.hasPrefix("secret-") }.map { "\($0.rule) \($0.place)" } == [
            "secret-placeholder kv/logstash/docker__examples__logstash.conf:12:17",
            "secret-placeholder kv/logstash/docs__static__monitoring__pipelines__tweets_about_rain.conf:40:17",
            "secret-placeholder kv/logstash/spec__support__lscl_configs__twitter_logstash.conf:4:27",
            "secret-placeholder kv/logstash/spec__support__lscl_configs__twitter_logstash.conf:5:27",
            "secret-placeholder kv/logstash/spec__support__lscl_configs__twitter_logstash.conf:6:27",
        ])

        // The files are checked as pipelines: one wrapped in a top-level `if`, which Logstash's grammar
        // refuses (lscl_grammar.treetop: only plugin sections at top level), and one with a literal
        // password are errors.
        let sample = try String(decoding: Data(contentsOf: folder.appendingPathComponent("config__logstash-sample.conf")), as: UTF8.self)
        try fixture.write("kv/probe/wrapped.conf", "if [type] == \"x\" {\n\(sample)}\n")
        try fixture.write("kv/probe/literal.conf", sample.replacingOccurrences(of: "#password => \"changeme\"", with: "password => \"Qx7-live-pw\""))
        try fixture.write("kv/probe.yaml", "config:\n  - key: probe/wrapped\n    file: probe/wrapped.conf\n  - key: probe/literal\n    file: probe/literal.conf\n")
        let probed = try validate(fixture).filter { $0.severity == "error" }.map { "\($0.rule) \($0.place)" }
        #expect(probed == ["secret-assignment kv/probe/literal.conf:15:17", "logstash-syntax kv/probe/wrapped.conf:1:1"])
    }

    private struct Finding {
        let rule: String
        let severity: String
        let place: String
    }

    private func validate(_ fixture: FixtureRepository) throws -> [Finding] {
        let result = try kvctl(["validate", "--output", "json"], in: fixture.url)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.output)) as? [String: Any], "\(result.standardError)")
        return (report["findings"] as? [[String: Any]] ?? []).map { finding in
            let location = finding["location"] as? [String: Any] ?? [:]
            return Finding(rule: finding["rule"] as? String ?? "", severity: finding["severity"] as? String ?? "",
                           place: "\(location["file"] ?? ""):\(location["line"] ?? ""):\(location["column"] ?? "")")
        }
    }
}
