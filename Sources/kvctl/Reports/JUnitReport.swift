import KVCore

/// JUnit XML: one test case per file checked, failed when it has an error (or, with `--strict`, a warning);
/// what Jenkins and GitLab read.
struct JUnitReport {
    let summary: ValidationSummary

    func render() -> String {
        let groups = summary.byFile
        let reported = Set(groups.map(\.file))
        let clean = summary.files.filter { !reported.contains($0) }
        let tests = max(groups.count + clean.count, 1)
        let failing = groups.filter { $0.findings.contains(where: summary.fails) }.count
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites name=\"kvctl validate\" tests=\"\(tests)\" failures=\"\(failing)\">\n"
        xml += "  <testsuite name=\"\(escape(summary.revision))\" tests=\"\(tests)\" failures=\"\(failing)\">\n"
        if groups.isEmpty && clean.isEmpty {
            xml += "    <testcase classname=\"kvctl\" name=\"\(plural(summary.keys, "key"))\"/>\n"
        }
        for (file, findings) in groups {
            xml += "    <testcase classname=\"kvctl\" name=\"\(escape(file))\">\n"
            let lines = findings.map { "\($0.location): \($0.severity.rawValue): \($0.message) [\($0.rule)]" }
            let failures = findings.filter(summary.fails)
            if !failures.isEmpty {
                let counts = [plural(failures.filter { $0.severity == .error }.count, "error"),
                              plural(failures.filter { $0.severity == .warning }.count, "warning")]
                    .filter { !$0.hasPrefix("0 ") }.joined(separator: ", ")
                xml += "      <failure message=\"\(escape(counts))\">\(escape(lines.joined(separator: "\n")))</failure>\n"
            } else {
                xml += "      <system-out>\(escape(lines.joined(separator: "\n")))</system-out>\n"
            }
            xml += "    </testcase>\n"
        }
        for file in clean {
            xml += "    <testcase classname=\"kvctl\" name=\"\(escape(file))\"/>\n"
        }
        return xml + "  </testsuite>\n</testsuites>\n"
    }

    private func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            default: result.append(character)
            }
        }
        return result
    }
}
