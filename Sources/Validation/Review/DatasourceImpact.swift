import JSONSchema
import KVCore

/// Which dashboards a change to one Grafana datasources file reaches. Grafana resolves a panel's,
/// target's, variable's or annotation's `datasource` as a uid, then a name; none, null, "" or
/// "default" is the organisation's default datasource; a `$variable` is whatever the variable holds
/// (grafana/grafana public/app/features/plugins/datasource_srv.ts, getInstanceSettings and get).
struct DatasourceImpact {
    /// Names and uids, on either side, of the datasources the change added, removed, altered or deletes.
    private(set) var changed: Set<String> = []
    /// Whether a changed datasource is the default on either side.
    private(set) var defaultChanged = false

    /// `old` and `new`: the file's parsed value on each side (nil where it is absent or does not parse).
    init(old: JSONValue?, new: JSONValue?) {
        let before = Self.datasources(old), after = Self.datasources(new)
        for key in Set(before.keys).union(after.keys) where before[key] != after[key] {
            for side in [before[key], after[key]] {
                guard let side else { continue }
                for field in ["name", "uid"] { if let text = side[field]?.stringValue { changed.insert(text) } }
                if side["isDefault"]?.boolValue == true { defaultChanged = true }
            }
        }
        // Provisioning deletes these by name and orgId before it inserts or updates the rest
        // (grafana/grafana pkg/services/provisioning/datasources/datasources.go, provisionDataSources);
        // dashboards may name their uid.
        for deleted in (new?["deleteDatasources"]?.arrayValue ?? []) {
            guard let name = deleted["name"]?.stringValue else { continue }
            changed.insert(name)
            let key = "\(deleted["orgId"]?.numberValue?.int64Value ?? 1)/\(name)"
            for side in [before[key], after[key]] { if let uid = side?["uid"]?.stringValue { changed.insert(uid) } }
        }
    }

    /// How `dashboard` is reached, or nil when it is not.
    func reach(_ dashboard: DashboardModel) -> String? {
        guard !changed.isEmpty || defaultChanged else { return nil }
        for reference in dashboard.datasourceReferences {
            let text = reference.name?.text ?? ""
            if text.isEmpty || text == "default" {
                if defaultChanged { return "\(reference.pointer) is the default datasource, which this change alters" }
            } else if text.hasPrefix("$") {
                return "\(reference.pointer) is the variable \(text), which may hold a datasource this change alters"
            } else if changed.contains(text) {
                return "\(reference.pointer) names '\(text)', which this change alters"
            }
        }
        if defaultChanged && dashboard.panelWithoutDatasource {
            return "a panel names no datasource, so it queries the default, which this change alters"
        }
        return nil
    }

    /// The file's datasources by organisation and name, the key Grafana provisions by (a missing orgId is 1).
    private static func datasources(_ value: JSONValue?) -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for datasource in value?["datasources"]?.arrayValue ?? [] {
            let org = datasource["orgId"]?.numberValue?.int64Value ?? 1
            result["\(org)/\(datasource["name"]?.stringValue ?? datasource["uid"]?.stringValue ?? "")"] = datasource
        }
        return result
    }
}
