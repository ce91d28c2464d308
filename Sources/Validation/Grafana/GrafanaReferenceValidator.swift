import JSONSchema
import KVCore

/// Checks across all dashboards and datasource files of one version.
struct GrafanaReferenceValidator: VersionValidator {
    static let uidUnique = Rule("grafana-uid-unique", .error, "Two dashboards of one version share a uid.",
                                rationale: "Grafana keeps one dashboard per uid; the second silently replaces the first.")
    static let titleUnique = Rule("grafana-title-unique", .error, "Two dashboards of one version share a title.",
                                  rationale: "Grafana refuses two dashboards with one title in a folder, and users cannot tell them apart.")
    static let datasourceExists = Rule("grafana-datasource-exists", .error, "A panel, target, variable or annotation names a datasource this version does not provision.",
                                       rationale: "Panels on a missing datasource render 'Datasource not found'. Built-ins and $variables are fine. Skipped when the version provisions no datasources (they come from elsewhere).")
    static let datasourceUnique = Rule("grafana-datasource-unique", .error, "Two provisioned datasources share a name or uid in one organisation.",
                                       rationale: "Grafana's provisioning fails or one datasource overwrites the other.")
    static let singleDefault = Rule("grafana-datasource-default", .error, "More than one datasource of an organisation is marked isDefault.",
                                    rationale: "Grafana refuses to provision more than one default datasource per organisation.")
    static let inputPlaceholder = Rule("grafana-input-placeholder", .warning, "A dashboard still holds an export placeholder like ${DS_PROMETHEUS}.",
                                       rationale: "Only the UI's import dialog replaces __inputs placeholders; a provisioned dashboard keeps them and its panels break.")

    var rules: [Rule] { [Self.uidUnique, Self.titleUnique, Self.datasourceExists, Self.datasourceUnique, Self.singleDefault, Self.inputPlaceholder] }

    static let builtins: Set<String> = ["-- Grafana --", "-- Mixed --", "-- Dashboard --", "grafana", "default"]

    private struct Provisioned {
        var names: Set<String> = []
        var uids: Set<String> = []
        var findings: [Diagnostic] = []
    }

    func validate(_ version: VersionUnderTest) -> [Diagnostic] {
        let provisioned = datasources(version)
        var findings = provisioned.findings
        let dashboards = version.summaries.compactMap { summary in summary.dashboard.map { (summary, $0) } }
        // A position costs parsing the value again (reading it too, for a reused item), so it is found only for a finding.
        var firsts: [String: (ItemSummary, String)] = [:]
        for (summary, dashboard) in dashboards {
            for (field, value, rule) in [("uid", dashboard.uid, Self.uidUnique), ("title", dashboard.title, Self.titleUnique)] {
                guard let value else { continue }
                let pointer = dashboard.base + "/" + field
                if let (first, firstPointer) = firsts[field + "\u{0}" + value] {
                    findings.append(rule.finding(at: location(of: pointer, in: summary, version),
                        "\(field) '\(value)' is already used by the dashboard at \(location(of: firstPointer, in: first, version))"))
                } else {
                    firsts[field + "\u{0}" + value] = (summary, pointer)
                }
            }
        }
        let suspects = dashboards.filter { _, dashboard in
            dashboard.datasources.contains { problem(with: $0, variables: dashboard.variables, provisioned) != nil }
        }
        findings += suspects.concurrentMap { references($0.0, version, provisioned) }.flatMap { $0 }
        return findings
    }

    private func location(of pointer: String, in summary: ItemSummary, _ version: VersionUnderTest) -> SourceLocation {
        summary.document(config: version.config)?.location(of: pointer) ?? summary.entry.valueLocation
    }

    private enum Problem {
        case placeholder, notProvisioned
    }

    /// Judged from the name alone, so a dashboard's summary tells whether it needs a closer look.
    private func problem(with name: DatasourceName, variables: Set<String>, _ provisioned: Provisioned) -> Problem? {
        guard !Self.builtins.contains(name.text) else { return nil }
        if let variable = DashboardModel.variableName(name.text) {
            return variable.hasPrefix("DS_") && !variables.contains(variable) ? .placeholder : nil
        }
        guard !provisioned.names.isEmpty || !provisioned.uids.isEmpty else { return nil }
        if provisioned.uids.contains(name.text) || (!name.byUID && provisioned.names.contains(name.text)) { return nil }
        return .notProvisioned
    }

    private func references(_ summary: ItemSummary, _ version: VersionUnderTest, _ provisioned: Provisioned) -> [Diagnostic] {
        guard let document = summary.document(config: version.config), let model = DashboardModel(document.value) else { return [] }
        return model.datasourceReferences.compactMap { reference in
            guard let name = reference.name, let problem = problem(with: name, variables: model.variables, provisioned) else { return nil }
            let at = document.location(of: reference.pointer)
            switch problem {
            case .placeholder:
                return Self.inputPlaceholder.finding(at: at,
                    "'\(name.text)' is an export placeholder that only Grafana's import dialog fills in; name a provisioned datasource instead")
            case .notProvisioned:
                let known = (name.byUID ? provisioned.uids : provisioned.names.union(provisioned.uids)).sorted().joined(separator: ", ")
                return Self.datasourceExists.finding(at: at,
                    "datasource \(name.byUID ? "uid " : "")'\(name.text)' is not provisioned by this version; expected one of \(known), a built-in, or a $variable")
            }
        }
    }

    private func datasources(_ version: VersionUnderTest) -> Provisioned {
        var result = Provisioned()
        var seen: [String: SourceLocation] = [:]
        var defaults: [Int64: SourceLocation] = [:]
        for item in version.items(of: .grafanaDatasources) {
            guard case .success(let document)? = item.document else { continue }
            for (index, datasource) in (document.value["datasources"]?.arrayValue ?? []).enumerated() {
                let pointer = "/datasources/\(index)"
                let org = datasource["orgId"]?.numberValue?.int64Value ?? 1
                for field in ["name", "uid"] {
                    guard let value = datasource[field]?.stringValue else { continue }
                    if field == "name" { result.names.insert(value) } else { result.uids.insert(value) }
                    let identity = "\(org)/\(field)/\(value)"
                    let here = document.location(of: "\(pointer)/\(field)")
                    if let first = seen[identity] {
                        result.findings.append(Self.datasourceUnique.finding(at: here, "datasource \(field) '\(value)' is already provisioned at \(first)"))
                    } else { seen[identity] = here }
                }
                if datasource["isDefault"]?.boolValue == true {
                    let here = document.location(of: "\(pointer)/isDefault")
                    if let first = defaults[org] {
                        result.findings.append(Self.singleDefault.finding(at: here, "organisation \(org) already has a default datasource at \(first)"))
                    } else { defaults[org] = here }
                }
            }
        }
        return result
    }
}
