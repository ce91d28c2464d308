import Foundation
import JSONSchema

/// The parts of a Grafana dashboard the lint rules look at, each with its JSON Pointer.
/// Accepts the bare form and the API's `{"dashboard": {...}}` wrapper, legacy `rows` and `panels`.
struct DashboardModel {
    struct Panel {
        let pointer: String
        let id: JSONNumber?
        let grid: Grid?
        /// Children of a collapsed row, whose positions are relative to the row, not the grid.
        let nested: Bool
    }

    /// A gridPos whose four fields are integers within `Grid.limit`, so sums of two never overflow.
    struct Grid {
        let x, y, w, h: Int
    }

    /// A gridPos field kvctl cannot place: an integer beyond `Grid.limit`.
    struct GridBeyondLimit {
        let pointer: String
        let field: String
        let value: JSONNumber
    }

    /// How a dashboard's `uid` reads once Grafana has trimmed it.
    enum UID {
        /// Absent, null, not a string (Grafana reads it with `MustString`, which yields ""), or blank.
        case missing(String)
        case given(String)
    }

    struct Reference {
        let pointer: String
        let value: JSONValue

        /// A string names a datasource by name (or uid); an object by its `uid`.
        var name: DatasourceName? {
            switch value {
            case .string(let text): DatasourceName(text: text, byUID: false)
            case .object(let object): object["uid"]?.stringValue.map { DatasourceName(text: $0, byUID: true) }
            default: nil
            }
        }
    }

    let base: String
    let uidValue: UID
    /// The trimmed uid, as Grafana stores it; nil when Grafana invents one.
    var uid: String? { if case .given(let uid) = uidValue { uid } else { nil } }
    /// The trimmed title, as Grafana compares it.
    let title: String?
    let panels: [Panel]
    let gridsBeyondLimit: [GridBeyondLimit]
    /// Every `datasource` a panel, target, template variable or annotation names.
    let datasourceReferences: [Reference]
    /// Whether a panel (other than a row) names no datasource at all, so Grafana queries the default.
    let panelWithoutDatasource: Bool
    let variables: Set<String>

    init?(_ root: JSONValue) {
        let wrapped = root["dashboard"]?.objectValue != nil
        guard let dashboard = wrapped ? root["dashboard"] : root, dashboard.objectValue != nil else { return nil }
        base = wrapped ? "/dashboard" : ""
        // Grafana trims uid and title before it validates and stores them:
        // grafana/grafana pkg/services/dashboards/service/dashboard_service.go (BuildSaveDashboardCommand).
        switch dashboard["uid"] {
        case .string(let text)?:
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            uidValue = trimmed.isEmpty ? .missing(text.isEmpty ? "the uid is empty" : "the uid is blank") : .given(trimmed)
        case nil, .null?: uidValue = .missing("the dashboard has no uid")
        case let other?: uidValue = .missing("the uid is a JSON \(other.typeName), not a string, so Grafana ignores it")
        }
        title = dashboard["title"]?.stringValue.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        var panels: [Panel] = []
        var beyond: [GridBeyondLimit] = []
        var references: [Reference] = []
        var withoutDatasource = false
        func collect(_ list: JSONValue?, at pointer: String, nested: Bool) {
            for (index, panel) in (list?.arrayValue ?? []).enumerated() {
                let here = "\(pointer)/\(index)"
                panels.append(Panel(pointer: here, id: panel["id"]?.numberValue,
                                    grid: Self.grid(panel["gridPos"], at: here + "/gridPos", beyond: &beyond), nested: nested))
                if let datasource = panel["datasource"] {
                    references.append(Reference(pointer: here + "/datasource", value: datasource))
                } else if panel["type"]?.stringValue != "row" {
                    withoutDatasource = true
                }
                for (targetIndex, target) in (panel["targets"]?.arrayValue ?? []).enumerated() {
                    if let datasource = target["datasource"] {
                        references.append(Reference(pointer: "\(here)/targets/\(targetIndex)/datasource", value: datasource))
                    }
                }
                collect(panel["panels"], at: here + "/panels", nested: true)
            }
        }
        collect(dashboard["panels"], at: base + "/panels", nested: false)
        for (index, row) in (dashboard["rows"]?.arrayValue ?? []).enumerated() {
            collect(row["panels"], at: "\(base)/rows/\(index)/panels", nested: false)
        }
        var variables: Set<String> = []
        for (index, variable) in (dashboard["templating"]?["list"]?.arrayValue ?? []).enumerated() {
            if let name = variable["name"]?.stringValue { variables.insert(name) }
            // A datasource-type variable's query is a plugin type, and other types have no datasource to check.
            if let datasource = variable["datasource"], variable["type"]?.stringValue == "query" || variable["type"]?.stringValue == "adhoc" {
                references.append(Reference(pointer: "\(base)/templating/list/\(index)/datasource", value: datasource))
            }
        }
        for (index, annotation) in (dashboard["annotations"]?["list"]?.arrayValue ?? []).enumerated() {
            if let datasource = annotation["datasource"] {
                references.append(Reference(pointer: "\(base)/annotations/list/\(index)/datasource", value: datasource))
            }
        }
        self.panels = panels
        gridsBeyondLimit = beyond
        datasourceReferences = references
        panelWithoutDatasource = withoutDatasource
        self.variables = variables
    }

    /// 2^53 − 1, JavaScript's Number.MAX_SAFE_INTEGER: Grafana lays panels out in the browser, where
    /// larger integers are not exact, and within it every sum of two coordinates fits in Int64.
    static let gridLimit: Int64 = 9_007_199_254_740_991

    /// The panel's position, or nil when a field is missing, not an integer, or beyond the limit
    /// (recorded in `beyond`, so that what cannot be checked is reported, not skipped).
    private static func grid(_ value: JSONValue?, at pointer: String, beyond: inout [GridBeyondLimit]) -> Grid? {
        guard let value else { return nil }
        var fields: [Int] = []
        for name in ["x", "y", "w", "h"] {
            guard let number = value[name]?.numberValue, number.isInteger else { return nil }
            guard let exact = number.int64Value, (-gridLimit...gridLimit).contains(exact) else {
                beyond.append(GridBeyondLimit(pointer: "\(pointer)/\(name)", field: name, value: number))
                return nil
            }
            fields.append(Int(exact))
        }
        return Grid(x: fields[0], y: fields[1], w: fields[2], h: fields[3])
    }

    /// `$ds`, `${ds}`, `${ds:text}` and `[[ds]]` name a template variable; returns its name.
    static func variableName(_ text: String) -> String? {
        if text.hasPrefix("${"), text.hasSuffix("}") {
            return String(text.dropFirst(2).dropLast().split(separator: ":", maxSplits: 1).first ?? "")
        }
        if text.hasPrefix("[["), text.hasSuffix("]]") { return String(text.dropFirst(2).dropLast(2)) }
        if text.hasPrefix("$") { return String(text.dropFirst()) }
        return nil
    }
}
