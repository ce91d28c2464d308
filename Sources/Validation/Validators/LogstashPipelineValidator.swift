import KVCore
import LogstashConfig

/// A `logstash-pipelines` prefix is one pipeline: Logstash reads its files sorted by name
/// (`Dir.glob(path).sort` in logstash-core/lib/logstash/config/source/local.rb), parses each on its
/// own and composes their sections into one pipeline (compiler.rb `compile_sources`), so plugin ids
/// must be unique across them all. The snippets are taken in key order, the order of their files.
struct LogstashPipelineValidator: VersionValidator {
    static let duplicateID = Rule("logstash-duplicate-id", .error, "Two plugins of one pipeline share an `id`.",
                                  rationale: "Logstash refuses to load a pipeline whose plugin ids repeat, across all its files.",
                                  consumer: "Logstash raises ConfigurationError \"Two plugins have the id '…', please fix this conflict\" and does not start the pipeline (elastic/logstash: logstash-core/src/main/java/org/logstash/plugins/factory/PluginFactoryExt.java)")
    static let incomplete = Rule("logstash-pipeline-incomplete", .warning, "A pipeline has no input or no output.",
                                 rationale: "Such a pipeline loads but does nothing useful (Logstash run from path.config even adds stdin or stdout for the missing side); usually a snippet is missing or misnamed.")

    var rules: [Rule] { [Self.duplicateID, Self.incomplete] }

    func validate(_ version: VersionUnderTest) -> [Diagnostic] {
        version.config.logstashPipelines.flatMap { prefix in check(prefix, version) }
    }

    private func check(_ prefix: String, _ version: VersionUnderTest) -> [Diagnostic] {
        let snippets = version.summaries.filter { $0.kind == .logstash && $0.entry.key.hasPrefix(prefix) }
        guard let first = snippets.first else { return [] }
        var findings: [Diagnostic] = []
        var owners: [String: SourceLocation] = [:]
        var counts: [LogstashSectionKind: Int] = [:]
        for pipeline in snippets.compactMap(\.pipeline) {
            counts.merge(pipeline.counts) { $0 + $1 }
            for plugin in pipeline.plugins {
                if let owner = owners[plugin.id] {
                    findings.append(Self.duplicateID.finding(at: plugin.location, "plugin id '\(plugin.id)' is already used at \(owner) in pipeline '\(prefix)'"))
                } else {
                    owners[plugin.id] = plugin.location
                }
            }
        }
        for section in [LogstashSectionKind.input, .output] where counts[section, default: 0] == 0 {
            findings.append(Self.incomplete.finding(at: first.entry.origin.location,
                "pipeline '\(prefix)' (\(snippets.count) snippets) has no \(section.rawValue) plugin; it would load and do nothing"))
        }
        return findings
    }
}
