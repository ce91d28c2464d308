import KVCore

/// What every report format shows: which revision, how much was checked, what was found.
struct ValidationSummary: Encodable {
    let revision: String
    let keys: Int
    let errors: Int
    let warnings: Int
    let findings: [Diagnostic]
    /// Every manifest and value file read, in path order: JUnit lists the ones without findings as passed.
    let files: [String]
    /// `--strict`: warnings fail the run, so the reports count them as failures.
    let strict: Bool

    init(revision: String, keys: Int, findings: [Diagnostic], files: [String] = [], strict: Bool = false) {
        self.revision = revision
        self.keys = keys
        self.findings = findings
        self.files = files
        self.strict = strict
        errors = findings.filter { $0.severity == .error }.count
        warnings = findings.count - errors
    }

    /// Whether a finding makes the run fail.
    func fails(_ finding: Diagnostic) -> Bool {
        finding.severity == .error || strict
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
