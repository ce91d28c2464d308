import JSONSchema
import KVCore

/// Checks across all dashboards and datasource files of one version.
struct GrafanaReferenceValidator: VersionValidator {
    static let uidUnique = Rule("grafana-uid-unique", .error, "Two dashboards of one version share a uid.",
                                rationale: "Grafana keeps one dashboard per uid; file provisioning stops writing the dashboards involved.",
                                consumer: "Grafana's provisioning restricts database writes for providers whose files repeat a uid and logs 'the same uid is used more than once': grafana/grafana pkg/services/provisioning/dashboards/validator.go (duplicateValidator), tested in validator_test.go")
    static let titleUnique = Rule("grafana-title-unique", .error, "Two dashboards under one key folder share a title.",
                                  rationale: "File provisioning maps one folder of files to one Grafana folder, where titles must be unique.",
                                  consumer: "Grafana refuses a second dashboard with one title in a folder (ErrDashboardWithSameNameInFolderExists, 'A dashboard with the same name in the folder already exists') and provisioning logs 'dashboard title is not unique in folder' and stops writing: grafana/grafana pkg/services/dashboards/database/database.go (ValidateDashboardBeforeSave), pkg/services/provisioning/dashboards/validator.go")
    static let titleAcrossFolders = Rule("grafana-title-duplicate", .warning, "Two dashboards under different key folders share a title.",
                                         rationale: "Grafana accepts one title in two folders, but users searching by title cannot tell the dashboards apart.")
    static let datasourceExists = Rule("grafana-datasource-exists", .error, "A panel, target, variable or annotation names a datasource this version does not provision.",
                                       rationale: "A name or uid is looked up among uids, then names, as Grafana does. Built-ins and $variables are fine. Skipped when the version provisions no datasources (they come from elsewhere).",
                                       consumer: "Grafana's panels fail with 'Datasource ... was not found' when neither a uid nor a name matches: grafana/grafana public/app/features/plugins/datasource_srv.ts (getInstanceSettings, loadDatasource)")
    static let datasourceUnique = Rule("grafana-datasource-unique", .error, "Two provisioned datasources of one organisation, with different names, share a uid.",
                                       rationale: "Grafana provisions by name, so the second name is inserted with a uid already taken, and provisioning fails.",
                                       consumer: "Grafana's datasource store refuses the insert with 'data source with the same uid already exists' (ErrDataSourceUidExists): grafana/grafana pkg/services/datasources/service/store.go (AddDataSource), pkg/services/provisioning/datasources/datasources.go")
    static let datasourceNameRepeated = Rule("grafana-datasource-name-repeated", .warning, "Two provisioned datasources of one organisation share a name.",
                                             rationale: "Grafana provisions by name, so the later entry silently updates the earlier one (pkg/services/provisioning/datasources/datasources.go).")
    static let singleDefault = Rule("grafana-datasource-default", .error, "More than one datasource of an organisation is marked isDefault.",
                                    rationale: "Grafana refuses to provision more than one default datasource per organisation.",
                                    consumer: "Grafana's datasource provisioning fails with 'datasource.yaml config is invalid. Only one datasource per organization can be marked as default' (ErrInvalidConfigToManyDefault): grafana/grafana pkg/services/provisioning/datasources/config_reader.go (validateDefaultUniqueness)")
    static let inputPlaceholder = Rule("grafana-input-placeholder", .warning, "A dashboard still holds an export placeholder like ${DS_PROMETHEUS}.",
                                       rationale: "Only the UI's import dialog replaces __inputs placeholders; a provisioned dashboard keeps them and its panels break.")

    var rules: [Rule] {
        [Self.uidUnique, Self.titleUnique, Self.titleAcrossFolders, Self.datasourceExists, Self.datasourceUnique,
         Self.datasourceNameRepeated, Self.singleDefault, Self.inputPlaceholder]
    }

    /// Names Grafana serves without provisioning: grafana/grafana public/app/features/plugins/datasource_srv.ts
    /// ('default' and "" mean the default datasource; the expression datasource `__expr__` and its
    /// old uid `-100`) and the built-in datasources' names and uids (`-- Grafana --` is uid `grafana`).
    static let builtins: Set<String> = ["-- Grafana --", "-- Mixed --", "-- Dashboard --", "grafana", "default", "", "__expr__", "-100"]

    private struct Provisioned {
        var known: Set<String> = []
        var findings: [Diagnostic] = []
        /// For messages: the provisioned uids and names, sorted once.
        var listing = ""
    }

    func validate(_ version: VersionUnderTest) -> [Diagnostic] {
        let provisioned = datasources(version)
        var findings = provisioned.findings
        let dashboards = version.summaries.compactMap { summary in summary.dashboard.map { (summary, $0) } }
        // A position costs parsing the value again (reading it too, for a reused item), so it is found only for a finding.
        var firstUID: [String: (ItemSummary, String)] = [:]
        var firstTitle: [String: (ItemSummary, String)] = [:]
        var firstTitleInFolder: [String: (ItemSummary, String)] = [:]
        for (summary, dashboard) in dashboards {
            if let uid = dashboard.uid {
                let pointer = dashboard.base + "/uid"
                if let (first, firstPointer) = firstUID[uid] {
                    findings.append(Self.uidUnique.finding(at: location(of: pointer, in: summary, version),
                        "uid '\(uid)' is already used by the dashboard at \(location(of: firstPointer, in: first, version))"))
                } else {
                    firstUID[uid] = (summary, pointer)
                }
            }
            if let title = dashboard.title, !title.isEmpty {
                let pointer = dashboard.base + "/title"
                let folder = Self.keyFolder(summary.entry.key)
                if let (first, firstPointer) = firstTitleInFolder[folder + "\u{0}" + title] {
                    findings.append(Self.titleUnique.finding(at: location(of: pointer, in: summary, version),
                        "title '\(title)' is already used by the dashboard at \(location(of: firstPointer, in: first, version)) in the same key folder '\(folder)/'; Grafana allows one title per folder"))
                } else {
                    firstTitleInFolder[folder + "\u{0}" + title] = (summary, pointer)
                    if let (first, firstPointer) = firstTitle[title] {
                        findings.append(Self.titleAcrossFolders.finding(at: location(of: pointer, in: summary, version),
                            "title '\(title)' is also used by the dashboard at \(location(of: firstPointer, in: first, version)) in key folder '\(Self.keyFolder(first.entry.key))/'"))
                    } else {
                        firstTitle[title] = (summary, pointer)
                    }
                }
            }
        }
        let suspects = dashboards.filter { _, dashboard in
            dashboard.datasources.contains { problem(with: $0, variables: dashboard.variables, provisioned) != nil }
        }
        findings += suspects.concurrentMap { references($0.0, version, provisioned) }.flatMap { $0 }
        return findings
    }

    /// The key up to its last '/': file provisioning maps one folder of files to one Grafana folder.
    static func keyFolder(_ key: String) -> String {
        key.lastIndex(of: "/").map { String(key[..<$0]) } ?? ""
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
        // Grafana looks a string or an object's uid up among uids, then names
        // (grafana/grafana public/app/features/plugins/datasource_srv.ts, getInstanceSettings and get).
        guard !provisioned.known.isEmpty, !provisioned.known.contains(name.text) else { return nil }
        return .notProvisioned
    }

    private func references(_ summary: ItemSummary, _ version: VersionUnderTest, _ provisioned: Provisioned) -> [Diagnostic] {
        guard let document = summary.document(config: version.config), let model = DashboardModel(document.value) else { return [] }
        var findings = PendingFindings(base: model.base)
        for reference in model.datasourceReferences {
            guard let name = reference.name, let problem = problem(with: name, variables: model.variables, provisioned) else { continue }
            switch problem {
            case .placeholder:
                findings.add(Self.inputPlaceholder, reference.pointer,
                             "'\(name.text)' is an export placeholder that only Grafana's import dialog fills in; name a provisioned datasource instead")
            case .notProvisioned:
                findings.add(Self.datasourceExists, reference.pointer,
                             "datasource \(name.byUID ? "uid " : "")'\(name.text)' is not provisioned by this version; expected the uid or name of one of \(provisioned.listing), a built-in, or a $variable")
            }
        }
        return findings.resolve(in: document, truncated: DashboardLintValidator.truncated, limit: DashboardLintValidator.findingLimit)
    }

    private func datasources(_ version: VersionUnderTest) -> Provisioned {
        var result = Provisioned()
        var names: [String: SourceLocation] = [:]
        var uids: [String: (name: String?, location: SourceLocation)] = [:]
        var defaults: [Int64: SourceLocation] = [:]
        var listed: [String] = []
        for item in version.items(of: .grafanaDatasources) {
            guard case .success(let document)? = item.document else { continue }
            for (index, datasource) in (document.value["datasources"]?.arrayValue ?? []).enumerated() {
                let pointer = "/datasources/\(index)"
                // config_reader.go sets a missing orgId to 1.
                let org = datasource["orgId"]?.numberValue?.int64Value ?? 1
                let name = datasource["name"]?.stringValue
                if let name {
                    result.known.insert(name)
                    listed.append("'\(name)'")
                    let here = document.location(of: "\(pointer)/name")
                    if let first = names["\(org)/\(name)"] {
                        result.findings.append(Self.datasourceNameRepeated.finding(at: here,
                            "datasource name '\(name)' is already provisioned at \(first); Grafana updates that datasource with this entry"))
                    } else { names["\(org)/\(name)"] = here }
                }
                if let uid = datasource["uid"]?.stringValue {
                    result.known.insert(uid)
                    if uid != name { listed.append("uid '\(uid)'") }
                    let here = document.location(of: "\(pointer)/uid")
                    if let first = uids["\(org)/\(uid)"] {
                        if first.name != name {
                            result.findings.append(Self.datasourceUnique.finding(at: here,
                                "datasource uid '\(uid)' is already provisioned at \(first.location) under another name; Grafana refuses a second datasource with one uid"))
                        }
                    } else { uids["\(org)/\(uid)"] = (name, here) }
                }
                if datasource["isDefault"]?.boolValue == true {
                    let here = document.location(of: "\(pointer)/isDefault")
                    if let first = defaults[org] {
                        result.findings.append(Self.singleDefault.finding(at: here, "organisation \(org) already has a default datasource at \(first)"))
                    } else { defaults[org] = here }
                }
            }
        }
        result.listing = listed.sorted().joined(separator: ", ")
        return result
    }
}
