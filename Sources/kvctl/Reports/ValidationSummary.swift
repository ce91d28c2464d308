import KVCore

/// What every report format shows: which revision, how much was checked, what was found.
struct ValidationSummary: Encodable {
    let revision: String
    let keys: Int
    let errors: Int
    let warnings: Int
    let findings: [Diagnostic]

    init(revision: String, keys: Int, findings: [Diagnostic]) {
        self.revision = revision
        self.keys = keys
        self.findings = findings
        errors = findings.filter { $0.severity == .error }.count
        warnings = findings.count - errors
    }

    /// Findings grouped by file, files in order.
    var byFile: [(file: String, findings: [Diagnostic])] {
        var order: [String] = []
        var groups: [String: [Diagnostic]] = [:]
        for finding in findings {
            if groups[finding.location.file] == nil { order.append(finding.location.file) }
            groups[finding.location.file, default: []].append(finding)
        }
        return order.map { ($0, groups[$0]!) }
    }

    private enum CodingKeys: String, CodingKey { case revision, keys, errors, warnings, findings }
}
