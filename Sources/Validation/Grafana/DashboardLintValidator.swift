import JSONSchema
import KVCore

/// Checks within one dashboard, in the family of grafana/dashboard-linter.
struct DashboardLintValidator: ItemValidator {
    static let panelIDUnique = Rule("grafana-panel-id-unique", .warning, "Two panels of one dashboard share an id (nested row panels included).",
                                    rationale: "Grafana renumbers duplicate ids on load (DashboardModel.ensurePanelsHaveUniqueIds in grafana/grafana public/app/features/dashboard/state/DashboardModel.ts), so links to a panel by id point elsewhere.")
    static let gridBounds = Rule("grafana-gridpos-bounds", .warning, "A panel's gridPos leaves the 24-column grid.",
                                 rationale: "w must be 1–24, x 0–23 with x + w ≤ 24, h ≥ 1 and y ≥ 0; Grafana otherwise clamps and reflows the layout.")
    static let overlap = Rule("grafana-panel-overlap", .warning, "Two panels' gridPos rectangles overlap.",
                              rationale: "Grafana pushes overlapping panels down on load, so the saved layout is not the one users see.")
    static let uidFormat = Rule("grafana-uid-format", .error, "A dashboard uid is longer than 40 characters or uses characters outside [A-Za-z0-9_-] (after trimming spaces).",
                                rationale: "Grafana refuses to save such a dashboard, so file provisioning skips it.",
                                consumer: "Grafana rejects the dashboard with 'uid too long, max 40 characters' or 'uid contains illegal characters': grafana/grafana pkg/services/dashboards/service/dashboard_service.go (BuildSaveDashboardCommand: util.IsValidShortUID, util.IsShortUIDTooLong in pkg/util/shortid_generator.go)")
    static let uidMissing = Rule("grafana-uid-missing", .warning, "A dashboard has no uid (absent, null, blank or not a string).",
                                 rationale: "Grafana invents one on provisioning, so the dashboard's links differ between environments.")
    static let gridLimit = Rule("grafana-gridpos-limit", .error, "A gridPos field is an integer beyond ±(2^53 − 1).",
                                rationale: "kvctl cannot check such a layout exactly (nor can Grafana's browser code, which counts in JavaScript numbers); it fails closed instead of guessing.",
                                consumer: "Not a refusal by Grafana but kvctl's own limit, failing closed: Grafana lays panels out in the browser with JavaScript numbers, exact only up to Number.MAX_SAFE_INTEGER (https://developer.mozilla.org/en-US/docs/Web/JavaScript/Reference/Global_Objects/Number/MAX_SAFE_INTEGER)")
    static let truncated = Rule("grafana-findings-truncated", .warning, "One dashboard has more findings of one rule than kvctl lists.",
                                rationale: "Thousands of identical findings hide everything else in the report; the count of those left out is reported instead.")

    var rules: [Rule] { [Self.panelIDUnique, Self.gridBounds, Self.overlap, Self.uidFormat, Self.uidMissing, Self.gridLimit, Self.truncated] }

    /// Findings of one rule one dashboard lists before the rest are counted only.
    static let findingLimit = 100

    func validate(_ item: Item, in version: VersionUnderTest) -> [Diagnostic] {
        guard item.kind == .grafanaDashboard, case .success(let document)? = item.document,
              let model = DashboardModel(document.value) else { return [] }
        var findings = PendingFindings(base: model.base)
        switch model.uidValue {
        case .missing(let why):
            findings.add(Self.uidMissing, model.base + (why.hasPrefix("the dashboard") ? "" : "/uid"),
                         "\(why); Grafana will invent one, so links to this dashboard change between environments: give it a stable uid")
        case .given(let uid):
            // grafana/grafana pkg/util/shortid_generator.go: `^[a-zA-Z0-9\-\_]*$` and len(uid) > 40 (bytes; the allowed characters are ASCII).
            if !uid.unicodeScalars.allSatisfy(Self.isUIDCharacter) {
                findings.add(Self.uidFormat, model.base + "/uid", "uid '\(uid)' uses characters Grafana rejects; expected only A–Z, a–z, 0–9, '_' and '-'")
            } else if uid.utf8.count > 40 {
                findings.add(Self.uidFormat, model.base + "/uid", "uid '\(uid)' is \(uid.utf8.count) characters long; Grafana allows at most 40")
            }
        }
        for beyond in model.gridsBeyondLimit {
            findings.add(Self.gridLimit, beyond.pointer,
                         "gridPos.\(beyond.field) is \(beyond.value), beyond the limit of ±\(DashboardModel.gridLimit) (2^53 − 1) within which kvctl checks a layout")
        }
        var firstWithID: [JSONNumber: String] = [:]
        for panel in model.panels {
            guard let id = panel.id else { continue }
            if let first = firstWithID[id] {
                findings.add(Self.panelIDUnique, panel.pointer + "/id", "panel id \(id) is already used by the panel at \(first); Grafana will renumber one of them")
            } else {
                firstWithID[id] = panel.pointer
            }
        }
        var inBounds: [(pointer: String, grid: DashboardModel.Grid)] = []
        for panel in model.panels where !panel.nested {
            guard let grid = panel.grid else { continue }
            if let problem = Self.boundsProblem(grid) {
                findings.add(Self.gridBounds, panel.pointer + "/gridPos", problem)
            } else {
                inBounds.append((panel.pointer, grid))
            }
        }
        for (index, other) in Self.overlaps(inBounds.map(\.grid)) {
            findings.add(Self.overlap, inBounds[index].pointer + "/gridPos", "this panel overlaps the panel at \(inBounds[other].pointer)")
        }
        return findings.resolve(in: document, truncated: Self.truncated, limit: Self.findingLimit)
    }

    /// Bounds are checked before any sum, and every field is within `DashboardModel.gridLimit`,
    /// so `x + w` cannot overflow.
    private static func boundsProblem(_ grid: DashboardModel.Grid) -> String? {
        if grid.w < 1 || grid.w > 24 { return "gridPos.w is \(grid.w); expected 1 to 24" }
        if grid.x < 0 || grid.x > 23 { return "gridPos.x is \(grid.x); expected 0 to 23" }
        if grid.x + grid.w > 24 { return "gridPos.x + w is \(grid.x + grid.w); expected at most 24 columns" }
        if grid.h < 1 { return "gridPos.h is \(grid.h); expected at least 1" }
        if grid.y < 0 { return "gridPos.y is \(grid.y); expected 0 or more" }
        return nil
    }

    /// For each panel that overlaps a panel placed before it (ordered by y, then by position in
    /// the file), that panel's index and the other's. A sweep per column of the 24-column grid:
    /// panels within bounds cover at most 24 columns each, so this is O(n log n), not O(n²).
    static func overlaps(_ grids: [DashboardModel.Grid]) -> [(Int, Int)] {
        var byColumn = [[Int]](repeating: [], count: 24)
        for (index, grid) in grids.enumerated() {
            for column in grid.x..<(grid.x + grid.w) { byColumn[column].append(index) }
        }
        var found: [Int: Int] = [:]
        for column in byColumn {
            let ordered = column.sorted { (grids[$0].y, $0) < (grids[$1].y, $1) }
            // The panel reaching lowest so far is the one a later-starting panel can overlap, if any.
            var deepest: Int?
            for index in ordered {
                if let deepest, grids[deepest].y + grids[deepest].h > grids[index].y, found[index] == nil {
                    found[index] = deepest
                }
                if deepest.map({ grids[$0].y + grids[$0].h < grids[index].y + grids[index].h }) ?? true { deepest = index }
            }
        }
        return found.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    private static func isUIDCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-")
    }
}
