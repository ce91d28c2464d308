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

    struct Grid {
        let x, y, w, h: Int
        func overlaps(_ other: Grid) -> Bool {
            x < other.x + other.w && other.x < x + w && y < other.y + other.h && other.y < y + h
        }
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
    let uid: String?
    let title: String?
    let panels: [Panel]
    /// Every `datasource` a panel, target, template variable or annotation names.
    let datasourceReferences: [Reference]
    let variables: Set<String>

    init?(_ root: JSONValue) {
        let wrapped = root["dashboard"]?.objectValue != nil
        guard let dashboard = wrapped ? root["dashboard"] : root, dashboard.objectValue != nil else { return nil }
        base = wrapped ? "/dashboard" : ""
        uid = dashboard["uid"]?.stringValue
        title = dashboard["title"]?.stringValue
        var panels: [Panel] = []
        var references: [Reference] = []
        func collect(_ list: JSONValue?, at pointer: String, nested: Bool) {
            for (index, panel) in (list?.arrayValue ?? []).enumerated() {
                let here = "\(pointer)/\(index)"
                panels.append(Panel(pointer: here, id: panel["id"]?.numberValue, grid: Self.grid(panel["gridPos"]), nested: nested))
                if let datasource = panel["datasource"] { references.append(Reference(pointer: here + "/datasource", value: datasource)) }
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
        datasourceReferences = references
        self.variables = variables
    }

    private static func grid(_ value: JSONValue?) -> Grid? {
        guard let value, let x = value["x"]?.numberValue?.int64Value, let y = value["y"]?.numberValue?.int64Value,
              let w = value["w"]?.numberValue?.int64Value, let h = value["h"]?.numberValue?.int64Value else { return nil }
        return Grid(x: Int(x), y: Int(y), w: Int(w), h: Int(h))
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
