import KVCore

/// Findings grouped per file, ESLint style; colour only on a terminal.
struct TextReport {
    let summary: ValidationSummary
    let colored: Bool

    func render() -> String {
        var text = ""
        for (file, findings) in summary.byFile {
            text += paint(file, "1") + "\n"
            let width = findings.map { position($0).count }.max() ?? 0
            for finding in findings {
                let where_ = position(finding)
                let severity = finding.severity == .error ? paint("error  ", "31") : paint("warning", "33")
                text += "  " + where_ + String(repeating: " ", count: width - where_.count) + "  \(severity)  "
                text += finding.message + "  " + paint(finding.rule, "2") + "\n"
            }
            text += "\n"
        }
        return text + closingLine() + "\n"
    }

    private func closingLine() -> String {
        let checked = "\(plural(summary.keys, "key")) in \(summary.revision)"
        if summary.findings.isEmpty { return paint("✓ \(checked): no problems", "32") }
        let files = summary.byFile.count
        let counts = "\(plural(summary.errors, "error")), \(plural(summary.warnings, "warning")) in \(plural(files, "file"))"
        return summary.errors > 0 ? paint("✖ \(counts) (\(checked))", "31") : paint("! \(counts) (\(checked))", "33")
    }

    private func position(_ finding: Diagnostic) -> String {
        finding.location.column > 0 ? "\(finding.location.line):\(finding.location.column)" : "\(finding.location.line)"
    }

    private func paint(_ text: String, _ code: String) -> String {
        colored ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}

func plural(_ count: Int, _ noun: String) -> String {
    "\(count) \(noun)\(count == 1 ? "" : "s")"
}
