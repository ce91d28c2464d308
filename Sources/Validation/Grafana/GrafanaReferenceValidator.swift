import JSONSchema
import KVCore

/// Checks across all dashboards and datasource files of one version.
struct GrafanaReferenceValidator: Validator {
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
        let dashboards = version.items(of: .grafanaDashboard).compactMap { item -> (Document, DashboardModel)? in
            guard case .success(let document)? = item.document, let model = DashboardModel(document.value) else { return nil }
            return (document, model)
        }
        // Positions cost a second parse, so the first holder of a uid or title is located only on a clash.
        var firsts: [String: (Document, String)] = [:]
        for (document, model) in dashboards {
            for (field, value, rule) in [("uid", model.uid, Self.uidUnique), ("title", model.title, Self.titleUnique)] {
                guard let value else { continue }
                let pointer = model.base + "/" + field
                if let (firstDocument, firstPointer) = firsts[field + "\u{0}" + value] {
                    findings.append(rule.finding(at: document.location(of: pointer),
                        "\(field) '\(value)' is already used by the dashboard at \(firstDocument.location(of: firstPointer))"))
                } else {
                    firsts[field + "\u{0}" + value] = (document, pointer)
                }
            }
        }
        findings += dashboards.concurrentMap { references($0.0, $0.1, provisioned) }.flatMap { $0 }
        return findings
    }

    private func references(_ document: Document, _ model: DashboardModel, _ provisioned: Provisioned) -> [Diagnostic] {
        var findings: [Diagnostic] = []
        for reference in model.datasourceReferences {
            let named: String?
            var byUID = false
            switch reference.value {
            case .string(let text): named = text
            case .object(let object):
                named = object["uid"]?.stringValue
                byUID = true
            default: named = nil
            }
            guard let named, !Self.builtins.contains(named) else { continue }
            if let variable = DashboardModel.variableName(named) {
                if variable.hasPrefix("DS_") && !model.variables.contains(variable) {
                    findings.append(Self.inputPlaceholder.finding(at: document.location(of: reference.pointer),
                        "'\(named)' is an export placeholder that only Grafana's import dialog fills in; name a provisioned datasource instead"))
                }
                continue
            }
            guard !provisioned.names.isEmpty || !provisioned.uids.isEmpty else { continue }
            if provisioned.uids.contains(named) || (!byUID && provisioned.names.contains(named)) { continue }
            let known = (byUID ? provisioned.uids : provisioned.names.union(provisioned.uids)).sorted().joined(separator: ", ")
            findings.append(Self.datasourceExists.finding(at: document.location(of: reference.pointer),
                "datasource \(byUID ? "uid " : "")'\(named)' is not provisioned by this version; expected one of \(known), a built-in, or a $variable"))
        }
        return findings
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
