import KVCore
import Testing
import TestSupport
@testable import Validation

/// Values past a parser's or renderer's limit are errors at their own file, line and column,
/// and the other values of the version are still checked (fail closed, nothing else lost).
@Suite("Limit findings")
struct LimitFindingsTests {
    func findings(_ files: [String: String]) throws -> [Diagnostic] {
        var tree = ["kv/x/values.yaml": "config:\n" + files.keys.sorted().map { "  - key: x/\($0)\n    file: \($0)\n" }.joined()]
        for (name, text) in files { tree["kv/x/\(name)"] = text }
        let (config, _) = KVConfig.parse([])
        let loaded = try ManifestLoader(config: config).load(from: MemoryTree(tree))
        return Validation.run(VersionUnderTest(tree: loaded.tree, config: config))
    }

    @Test func eachHostileValueIsReportedWhereItIs() throws {
        let result = try findings([
            "deep.conf": "filter { m { a => " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + " } }\n",
            "deep.json": String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000),
            "deep.ctmpl": String(repeating: "{{ if true }}", count: 10_000),
            "loop.ctmpl": #"{{ define "r" }}{{ template "r" }}{{ end }}{{ template "r" }}"#,
            "broken.conf": "filter { m { a => 1 }\n",
        ])
        #expect(result.map { "\($0.rule) \($0.location)" } == [
            "logstash-syntax kv/x/broken.conf:2:1",
            "logstash-syntax kv/x/deep.conf:1:\(19 + 99)",
            "template-syntax kv/x/deep.ctmpl:1:\(1 + 13 * 200)",
            "json-syntax kv/x/deep.json:1:513",
            "template-render kv/x/loop.ctmpl:1:17",
        ])
        #expect(result.dropFirst().allSatisfy { $0.message.contains("kvctl limit") })
    }
}
