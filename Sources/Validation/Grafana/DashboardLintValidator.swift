import JSONSchema
import KVCore

/// Checks within one dashboard, in the family of grafana/dashboard-linter.
struct DashboardLintValidator: ItemValidator {
    static let panelIDUnique = Rule("grafana-panel-id-unique", .error, "Two panels of one dashboard share an id (nested row panels included).",
                                    rationale: "Grafana addresses panels by id: links, alerts and repeats break or point at the wrong panel.")
    static let gridBounds = Rule("grafana-gridpos-bounds", .error, "A panel's gridPos leaves the 24-column grid.",
                                 rationale: "w must be 1–24, x 0–23 with x + w ≤ 24, h ≥ 1 and y ≥ 0; Grafana otherwise clamps and reflows the layout.")
    static let overlap = Rule("grafana-panel-overlap", .warning, "Two panels' gridPos rectangles overlap.",
                              rationale: "Grafana pushes overlapping panels down on load, so the saved layout is not the one users see.")
    static let uidFormat = Rule("grafana-uid-format", .error, "A dashboard uid is missing, longer than 40 characters, or uses characters outside [A-Za-z0-9_-].",
                                rationale: "Grafana rejects such uids, and a missing one is invented anew in each environment, breaking links.")

    var rules: [Rule] { [Self.panelIDUnique, Self.gridBounds, Self.overlap, Self.uidFormat] }

    func validate(_ item: Item, in version: VersionUnderTest) -> [Diagnostic] {
        guard item.kind == .grafanaDashboard, case .success(let document)? = item.document,
              let model = DashboardModel(document.value) else { return [] }
        var findings: [Diagnostic] = []
        func report(_ rule: Rule, _ pointer: String, _ message: String) {
            findings.append(rule.finding(at: document.location(of: pointer), message))
        }
        if let uid = model.uid {
            if uid.isEmpty || uid.count > 40 || !uid.unicodeScalars.allSatisfy(Self.isUIDCharacter) {
                report(Self.uidFormat, model.base + "/uid", "uid '\(uid)' must be 1–40 characters of A–Z, a–z, 0–9, '_' and '-'")
            }
        } else {
            report(Self.uidFormat, model.base, "the dashboard has no uid; give it a stable one so links survive between environments")
        }
        var firstWithID: [JSONNumber: String] = [:]
        for panel in model.panels {
            guard let id = panel.id else { continue }
            if let first = firstWithID[id] {
                report(Self.panelIDUnique, panel.pointer + "/id", "panel id \(id) is already used by the panel at \(first); expected unique ids")
            } else {
                firstWithID[id] = panel.pointer
            }
        }
        let placed = model.panels.filter { !$0.nested }.compactMap { panel in panel.grid.map { (panel, $0) } }
        for (panel, grid) in placed {
            if let problem = Self.boundsProblem(grid) { report(Self.gridBounds, panel.pointer + "/gridPos", problem) }
        }
        for (index, (panel, grid)) in placed.enumerated() {
            if let other = placed[..<index].first(where: { $0.1.overlaps(grid) }) {
                report(Self.overlap, panel.pointer + "/gridPos", "this panel overlaps the panel at \(other.0.pointer)")
            }
        }
        return findings
    }

    private static func boundsProblem(_ grid: DashboardModel.Grid) -> String? {
        if grid.w < 1 || grid.w > 24 { return "gridPos.w is \(grid.w); expected 1 to 24" }
        if grid.x < 0 || grid.x > 23 { return "gridPos.x is \(grid.x); expected 0 to 23" }
        if grid.x + grid.w > 24 { return "gridPos.x + w is \(grid.x + grid.w); expected at most 24 columns" }
        if grid.h < 1 { return "gridPos.h is \(grid.h); expected at least 1" }
        if grid.y < 0 { return "gridPos.y is \(grid.y); expected 0 or more" }
        return nil
    }

    private static func isUIDCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-")
    }
}
