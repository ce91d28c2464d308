import KVCore

/// JUnit XML: one test case per file with findings, each error a failure; what Jenkins and GitLab read.
struct JUnitReport {
    let summary: ValidationSummary

    func render() -> String {
        let groups = summary.byFile
        let failing = groups.filter { $0.findings.contains { $0.severity == .error } }.count
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites name=\"kvctl validate\" tests=\"\(max(groups.count, 1))\" failures=\"\(failing)\">\n"
        xml += "  <testsuite name=\"\(escape(summary.revision))\" tests=\"\(max(groups.count, 1))\" failures=\"\(failing)\">\n"
        if groups.isEmpty {
            xml += "    <testcase classname=\"kvctl\" name=\"\(summary.keys) keys\"/>\n"
        }
        for (file, findings) in groups {
            xml += "    <testcase classname=\"kvctl\" name=\"\(escape(file))\">\n"
            let lines = findings.map { "\($0.location): \($0.severity.rawValue): \($0.message) [\($0.rule)]" }
            let errors = findings.filter { $0.severity == .error }
            if !errors.isEmpty {
                xml += "      <failure message=\"\(escape(plural(errors.count, "error")))\">\(escape(lines.joined(separator: "\n")))</failure>\n"
            } else {
                xml += "      <system-out>\(escape(lines.joined(separator: "\n")))</system-out>\n"
            }
            xml += "    </testcase>\n"
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
