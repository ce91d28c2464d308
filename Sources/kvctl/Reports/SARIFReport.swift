import KVCore

/// SARIF 2.1.0, which GitHub code scanning and most CI dashboards read.
struct SARIFReport: Encodable {
    let version = "2.1.0"
    let schema = "https://json.schemastore.org/sarif-2.1.0.json"
    let runs: [Run]

    init(summary: ValidationSummary, rules: [Rule]) {
        let descriptors = rules.map {
            RuleDescriptor(id: $0.id, shortDescription: Text(text: $0.summary), fullDescription: Text(text: $0.rationale),
                           defaultConfiguration: Configuration(level: $0.severity.rawValue))
        }
        let results = summary.findings.map { finding in
            // With --strict a warning fails the run, so it is raised to SARIF's failing level.
            Result(ruleId: finding.rule, level: summary.fails(finding) ? "error" : finding.severity.rawValue, message: Text(text: finding.message),
                   locations: [Location(physicalLocation: PhysicalLocation(
                       artifactLocation: ArtifactLocation(uri: finding.location.file),
                       region: Region(startLine: max(finding.location.line, 1),
                                      startColumn: finding.location.column > 0 ? finding.location.column : nil)))])
        }
        runs = [Run(tool: Tool(driver: Driver(name: "kvctl", rules: descriptors)), results: results)]
    }

    struct Run: Encodable { let tool: Tool; let results: [Result] }
    struct Tool: Encodable { let driver: Driver }
    struct Driver: Encodable { let name: String; let rules: [RuleDescriptor] }
    struct RuleDescriptor: Encodable {
        let id: String
        let shortDescription: Text
        let fullDescription: Text
        let defaultConfiguration: Configuration
    }
    struct Configuration: Encodable { let level: String }
    struct Text: Encodable { let text: String }
    struct Result: Encodable {
        let ruleId: String
        let level: String
        let message: Text
        let locations: [Location]
    }
    struct Location: Encodable { let physicalLocation: PhysicalLocation }
    struct PhysicalLocation: Encodable { let artifactLocation: ArtifactLocation; let region: Region }
    struct ArtifactLocation: Encodable { let uri: String }
    struct Region: Encodable { let startLine: Int; let startColumn: Int? }

    private enum CodingKeys: String, CodingKey {
        case version, schema = "$schema", runs
    }
}
