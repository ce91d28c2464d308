import Foundation
import KVCore
import Testing
import TestSupport
@testable import Validation

private let datasources = """
    apiVersion: 1
    datasources:
      - name: Prometheus
        type: prometheus
        uid: prom-main
        isDefault: true
      - name: Loki
        type: loki
        uid: loki
    """

private func panel(_ id: Int, x: Int = 0, y: Int = 0, w: Int = 12, h: Int = 8, datasource: String = #"{"type": "prometheus", "uid": "prom-main"}"#,
                   targets: String = #"[{"refId": "A"}]"#) -> String {
    #"{"id": \#(id), "type": "timeseries", "title": "p\#(id)", "gridPos": {"x": \#(x), "y": \#(y), "w": \#(w), "h": \#(h)}, "datasource": \#(datasource), "targets": \#(targets)}"#
}

private func dashboard(uid: String = "d1", title: String = "One", panels: [String]) -> String {
    dashboard(uidField: #""uid": "\#(uid)", "#, title: title, panels: panels)
}

private func dashboard(uidField: String, title: String = "One", panels: [String]) -> String {
    #"{\#(uidField)"title": "\#(title)", "schemaVersion": 39, "panels": [\#(panels.joined(separator: ",\n"))]}"#
}

/// Validates `files` (paths under kv/, published under the key folder grafana/) beside the datasources above.
private func findings(_ files: [String: String], datasourceFile: String = datasources) throws -> [Diagnostic] {
    var all = ["kv/ds.yaml": datasourceFile]
    var manifest = "config:\n  - key: grafana/ds.yaml\n    file: ds.yaml\n"
    for (name, text) in files.sorted(by: { $0.key < $1.key }) {
        all["kv/\(name)"] = text
        manifest += "  - key: grafana/\(name)\n    file: \(name)\n"
    }
    all["kv/grafana.yaml"] = manifest
    let loaded = try ManifestLoader(config: KVConfig()).load(from: MemoryTree(all))
    #expect(!loaded.diagnostics.hasErrors, "\(loaded.diagnostics)")
    return Validation.run(VersionUnderTest(tree: loaded.tree, config: KVConfig()))
}

private func errors(_ result: [Diagnostic]) -> [Diagnostic] { result.filter { $0.severity == .error } }

@Suite struct GrafanaRules {
    @Test func cleanDashboardPasses() throws {
        let result = try findings(["a.json": dashboard(panels: [panel(1), panel(2, x: 12), panel(3, y: 8, w: 24, datasource: "\"$ds\"")])])
        #expect(result.isEmpty, "\(result)")
    }

    @Test func wrappedAndLegacyFormsAreDashboards() throws {
        let legacy = #"{"uid": "old", "title": "Old", "schemaVersion": 14, "rows": [{"panels": [{"id": 1, "type": "graph", "span": 6, "datasource": "Prometheus"}, {"id": 1, "type": "graph", "span": 6, "datasource": "Graphite"}]}]}"#
        let wrapped = #"{"dashboard": \#(dashboard(uid: "new", title: "New", panels: [panel(1)])), "overwrite": true}"#
        let result = try findings(["legacy.json": legacy, "wrapped.json": wrapped])
        // Legacy rows' panels share one id space (DashboardMigrator flattens rows into panels; ids are then made
        // unique by DashboardModel.ensurePanelsHaveUniqueIds, grafana/grafana public/app/features/dashboard/state/),
        // and a legacy name string is looked up like any reference (public/app/features/plugins/datasource_srv.ts).
        #expect(result.map(\.rule) == ["grafana-panel-id-unique", "grafana-datasource-exists"], "\(result)")
        #expect(result.last?.message.contains("'Graphite'") == true)
    }

    /// What real exported dashboards look like: no uid or `"uid": null`, queries without refId, an
    /// `id` from the exporting database. Grafana provisions them all.
    @Test(arguments: [#""#, #""uid": null, "#, #""uid": "", "#, #""uid": "   ", "#, #""uid": 42, "#])
    func dashboardsWithoutUIDLoadWithAWarning(uidField: String) throws {
        // Grafana invents a uid when it is empty after strings.TrimSpace; a non-string reads as "" through
        // simplejson's MustString: grafana/grafana pkg/services/dashboards/service/dashboard_service_test.go
        // ("When saving a dashboard should validate uid": "", "   ", "  \t  " are accepted) and
        // pkg/services/dashboards/models.go (NewDashboardFromJson).
        // Targets without refId: Grafana's PanelModel assigns refIds on load
        // (grafana/grafana public/app/features/dashboard/state/PanelModel.ts, ensureQueryIds).
        let text = dashboard(uidField: #""id": 17, \#(uidField)"#, panels: [panel(1, targets: #"[{"expr": "up"}, {"expr": "rate(x[5m])"}]"#)])
        let result = try findings(["a.json": text])
        #expect(errors(result).isEmpty, "\(result)")
        #expect(result.map(\.rule) == ["grafana-uid-missing"], "\(result)")
        #expect(result.first?.severity == .warning)
    }

    /// The uid cases of Grafana's own test, grafana/grafana pkg/services/dashboards/service/dashboard_service_test.go
    /// ("When saving a dashboard should validate uid"): util.IsValidShortUID (`^[a-zA-Z0-9\-\_]*$`) and
    /// util.IsShortUIDTooLong (more than 40) in pkg/util/shortid_generator.go, applied after strings.TrimSpace.
    @Test(arguments: [
        ("asdf90_-", nil),
        ("asdf/90", "uses characters Grafana rejects"),
        ("   asdfghjklqwertyuiopzxcvbnmasdfghjklqwer   ", nil),
        ("asdfghjklqwertyuiopzxcvbnmasdfghjklqwertyuiopzxcvbnmasdfghjklqwertyuiopzxcvbnm", "is 78 characters long; Grafana allows at most 40"),
        ("dashboard.prod", "uses characters Grafana rejects"),
        ("tableau-de-bord-é", "uses characters Grafana rejects"),
    ] as [(String, String?)])
    func uidFormatFollowsGrafana(uid: String, problem: String?) throws {
        let result = try findings(["a.json": dashboard(uid: uid, panels: [panel(1)])])
        if let problem {
            #expect(result.map(\.rule) == ["grafana-uid-format"], "\(result)")
            #expect(result.first?.severity == .error)
            #expect(result.first?.message.contains(problem) == true, "\(result)")
            #expect(result.first?.location == SourceLocation(file: "kv/a.json", line: 1, column: 9))
        } else {
            #expect(result.isEmpty, "\(result)")
        }
    }

    /// Grafana refuses a dashboard whose trimmed title is empty ('Dashboard title cannot be empty',
    /// ErrDashboardTitleEmpty in grafana/grafana pkg/services/dashboards/errors.go, raised by
    /// BuildSaveDashboardCommand in pkg/services/dashboards/service/dashboard_service.go).
    @Test(arguments: [#""title": "", "#, #""title": "  ", "#, #""title": 7, "#, ""])
    func titleGrafanaRefusesIsAnError(titleField: String) throws {
        let text = #"{"uid": "t", \#(titleField)"panels": [\#(panel(1))]}"#
        let result = try findings(["a.json": text])
        #expect(result.map(\.rule) == ["schema"], "\(result)")
        #expect(result.first?.severity == .error)
    }

    @Test func invalidJSONIsAnError() throws {
        // Grafana's provisioning cannot read it (simplejson.NewFromReader fails:
        // grafana/grafana pkg/services/provisioning/dashboards/file_reader.go, readDashboardFromFile).
        let result = try findings(["a.json": "{\"uid\": \"a\", \"title\": \"A\", \"panels\": [\n  {\"id\": 1,}\n]}\n"])
        #expect(result.map(\.rule) == ["json-syntax"], "\(result)")
        #expect(result.first?.location.line == 2)
    }

    @Test func valueOverConsulsLimitIsAnError() throws {
        // Consul refuses values over kv_max_value_size, 512 KiB by default:
        // https://developer.hashicorp.com/consul/docs/agent/config/config-files#kv_max_value_size
        let panels = (1...2_500).map { panel($0, y: $0 * 8, targets: #"[{"refId": "A", "expr": "\#(String(repeating: "x", count: 200))"}]"#) }
        let result = try findings(["big.json": dashboard(panels: panels)])
        #expect(result.map(\.rule) == ["value-too-large"], "\(result)")
    }

    @Test func layoutAndIdProblemsAreWarnings() throws {
        // The grid is 24 columns wide (gridPos in Grafana's "JSON model" page,
        // https://grafana.com/docs/grafana/latest/dashboards/build-dashboards/view-dashboard-json-model/); Grafana renumbers
        // repeated ids (DashboardModel.ensurePanelsHaveUniqueIds) and reflows overlaps, so none of this stops it serving.
        let text = dashboard(uid: "layout", panels: [panel(1), panel(1, x: 6), panel(3, x: 20, y: 20, w: 8)])
        let result = try findings(["a.json": text])
        #expect(result.map(\.rule) == ["grafana-panel-id-unique", "grafana-panel-overlap", "grafana-gridpos-bounds"], "\(result)")
        #expect(result.allSatisfy { $0.severity == .warning })
        let bounds = try #require(result.first { $0.rule == "grafana-gridpos-bounds" })
        #expect(bounds.message == "gridPos.x + w is 28; expected at most 24 columns")
        // The third panel is on line 3; its gridPos object starts after `{"id": 3, "type": "timeseries", "title": "p3", "gridPos": ` (58 characters).
        #expect(bounds.location == SourceLocation(file: "kv/a.json", line: 3, column: 59))
    }

    @Test func nestedRowPanelsShareTheIdSpace() throws {
        // ensurePanelsHaveUniqueIds walks the children of collapsed rows too (DashboardModel.panelIterator,
        // grafana/grafana public/app/features/dashboard/state/DashboardModel.ts).
        let row = #"{"id": 9, "type": "row", "collapsed": true, "gridPos": {"x": 0, "y": 8, "w": 24, "h": 1}, "panels": [\#(panel(1))]}"#
        let result = try findings(["a.json": dashboard(panels: [panel(1), row])])
        #expect(result.map(\.rule) == ["grafana-panel-id-unique"])
    }

    @Test func uidsAreUniqueAcrossDashboards() throws {
        // Provisioning stops writing the dashboards of providers that repeat a uid:
        // grafana/grafana pkg/services/provisioning/dashboards/validator.go (duplicateValidator), validator_test.go.
        let result = try findings([
            "a.json": dashboard(uid: "same", title: "First", panels: [panel(1)]),
            "team/b.json": dashboard(uid: " same ", title: "Second", panels: [panel(1)]),
        ])
        #expect(result.map(\.rule) == ["grafana-uid-unique"], "\(result)")
        #expect(result.first?.location.file == "kv/team/b.json")
        #expect(result.first?.message.contains("kv/a.json:1:9") == true)
    }

    @Test func titlesAreUniquePerKeyFolder() throws {
        // One title per folder: ErrDashboardWithSameNameInFolderExists ('A dashboard with the same name in the
        // folder already exists', grafana/grafana pkg/services/dashboards/errors.go) and the provisioning
        // duplicateValidator keyed by title and folder (pkg/services/provisioning/dashboards/validator.go).
        // The same title in another folder is allowed there.
        let result = try findings([
            "team-a/a.json": dashboard(uid: "a", title: "Nodes", panels: [panel(1)]),
            "team-a/b.json": dashboard(uid: "b", title: " Nodes", panels: [panel(1)]),
            "team-b/c.json": dashboard(uid: "c", title: "Nodes", panels: [panel(1)]),
        ])
        #expect(result.map(\.rule) == ["grafana-title-unique", "grafana-title-duplicate"], "\(result)")
        #expect(result.map(\.severity) == [.error, .warning])
        #expect(result.map(\.location.file) == ["kv/team-a/b.json", "kv/team-b/c.json"])
        #expect(result.first?.message.contains("same key folder 'grafana/team-a/'") == true, "\(result)")
    }

    @Test func datasourceReferences() throws {
        let panels = [
            panel(1, datasource: #""Loki""#), panel(2, x: 12, datasource: #"{"uid": "loki"}"#),
            panel(3, y: 8, datasource: #""-- Mixed --""#), panel(4, x: 12, y: 8, datasource: "null"),
            panel(5, y: 16, datasource: #""${DS_PROMETHEUS}""#),
            // Grafana looks an object's uid up among names too: grafana/grafana
            // public/app/features/plugins/datasource_srv.ts (getInstanceSettings: settingsMapByUid[nameOrUid]
            // ?? settingsMapByName[nameOrUid]), so this resolves to the datasource named Prometheus.
            panel(6, x: 12, y: 16, datasource: #"{"uid": "Prometheus"}"#),
            // A name string is looked up among uids first (same function).
            panel(7, y: 24, datasource: #""prom-main""#),
            // "" and 'default' mean the default datasource; `__expr__` is the expression datasource (same file).
            panel(8, x: 12, y: 24, datasource: #""""#), panel(9, y: 32, datasource: #"{"type": "__expr__", "uid": "__expr__"}"#),
            panel(10, x: 12, y: 32, datasource: #"{"type": "prometheus", "uid": "prom-other"}"#),
            panel(11, y: 40, datasource: #""Graphite""#),
        ]
        let result = try findings(["a.json": dashboard(panels: panels)])
        #expect(result.map(\.rule) == ["grafana-input-placeholder", "grafana-datasource-exists", "grafana-datasource-exists"], "\(result)")
        #expect(result[1].message.contains("uid 'prom-other' is not provisioned"), "\(result)")
        #expect(result[1].message.contains("'Loki', 'Prometheus', uid 'loki', uid 'prom-main'"), "\(result)")
        #expect(result[2].message.contains("datasource 'Graphite'"), "\(result)")
    }

    @Test func provisioningConflicts() throws {
        let second = "apiVersion: 1\ndatasources:\n  - name: Prometheus\n    type: prometheus\n    isDefault: true\n  - name: Thanos\n    type: prometheus\n    uid: prom-main\n"
        var all = ["kv/ds.yaml": datasources, "kv/more.yaml": second]
        all["kv/grafana.yaml"] = "config:\n  - key: a\n    file: ds.yaml\n  - key: b\n    file: more.yaml\n"
        let loaded = try ManifestLoader(config: KVConfig()).load(from: MemoryTree(all))
        let result = Validation.run(VersionUnderTest(tree: loaded.tree, config: KVConfig()))
        // A repeated name updates the datasource provisioned under it (warning); a uid taken by another name fails
        // the insert with ErrDataSourceUidExists (grafana/grafana pkg/services/datasources/service/store.go);
        // two defaults in one organisation fail with ErrInvalidConfigToManyDefault
        // (pkg/services/provisioning/datasources/config_reader.go, validateDefaultUniqueness).
        #expect(result.map(\.rule) == ["grafana-datasource-name-repeated", "grafana-datasource-default", "grafana-datasource-unique"], "\(result)")
        #expect(result.map(\.severity) == [.warning, .error, .error])
        #expect(result.first?.location == SourceLocation(file: "kv/more.yaml", line: 3, column: 11))
    }
}

/// Hostile dashboards: each is reported in bounded time, never traps, and loses no finding unsaid.
/// The ceilings only catch a hang.
@Suite struct GrafanaLimits {
    private func timed(_ body: () throws -> [Diagnostic]) throws -> [Diagnostic] {
        var result: [Diagnostic] = []
        let elapsed = try ContinuousClock().measure { result = try body() }
        #expect(elapsed < .seconds(120), "took \(elapsed)")
        return result
    }

    @Test func hugeGridPositionIsALimitErrorNotATrap() throws {
        let text = #"{"uid": "big", "title": "Big", "panels": [\#n  {"id": 1, "type": "stat", "gridPos": {"x": 9223372036854775807, "y": 0, "w": 4, "h": 4}},\#n  \#(panel(2))\#n]}"#
        let result = try timed { try findings(["a.json": text]) }
        #expect(result.map(\.rule) == ["grafana-gridpos-limit"], "\(result)")
        #expect(result.first?.severity == .error)
        // The value of x follows `  {"id": 1, "type": "stat", "gridPos": {"x": ` (45 characters) on line 2.
        #expect(result.first?.location == SourceLocation(file: "kv/a.json", line: 2, column: 46))
        #expect(result.first?.message.contains("gridPos.x is 9223372036854775807, beyond the limit of ±9007199254740991") == true, "\(result)")
    }

    @Test func sumsOfLargeCoordinatesWithinTheLimitDoNotOverflow() throws {
        let edge = DashboardModel.gridLimit
        let panels = [panel(1, y: Int(edge), h: Int(edge)), panel(2, y: Int(edge) - 1, h: Int(edge))]
        let result = try timed { try findings(["a.json": dashboard(panels: panels)]) }
        #expect(result.map(\.rule) == ["grafana-panel-overlap"], "\(result)")
    }

    @Test func thousandsOfOverlappingPanelsAreCountedWarnings() throws {
        let panels = (1...6_000).map { #"{"id": \#($0), "type": "stat", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8}}"# }
        let result = try timed { try findings(["a.json": dashboard(panels: panels)]) }
        let limit = DashboardLintValidator.findingLimit
        #expect(result.filter { $0.rule == "grafana-panel-overlap" }.count == limit)
        let rest = try #require(result.first { $0.rule == "grafana-findings-truncated" })
        // The first panel overlaps nothing placed before it; the other 5,999 do.
        #expect(rest.message == "\(5_999 - limit) more 'grafana-panel-overlap' findings in this dashboard are left out after the first \(limit)")
        #expect(result.count == limit + 1)
    }

    @Test func legacyRowsNamingUnknownDatasourcesAreCountedErrors() throws {
        let rows = (1...8_000).map { #"{"panels": [{"id": \#($0), "type": "graph", "datasource": "influx-\#($0)"}]}"# }
        let text = #"{"uid": "old", "title": "Old", "schemaVersion": 14, "rows": [\#(rows.joined(separator: ",\n"))]}"#
        let result = try timed { try findings(["a.json": text]) }
        let limit = DashboardLintValidator.findingLimit
        let unknown = result.filter { $0.rule == "grafana-datasource-exists" }
        #expect(unknown.count == limit)
        // Row n is on line n, so the first hundred findings name lines 1 to 100 of the dashboard.
        #expect(unknown.map(\.location.line) == Array(1...limit))
        #expect(unknown.allSatisfy { $0.severity == .error && $0.location.file == "kv/a.json" })
        // At over 512 KiB the file is also too large for Consul, which must not be lost either.
        #expect(Set(errors(result).map(\.rule)) == ["grafana-datasource-exists", "value-too-large"])
        #expect(result.contains { $0.message == "\(8_000 - limit) more 'grafana-datasource-exists' findings in this dashboard are left out after the first \(limit)" })
    }

    /// The sweep names, for every panel that overlaps one ordered before it by (y, position in the
    /// file), such a panel: the same panels as comparing every pair.
    @Test func sweepAgreesWithComparingEveryPair() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let grids = (0..<Int.random(in: 1...40, using: &generator)).map { _ in
                let x = Int.random(in: 0...23, using: &generator)
                return DashboardModel.Grid(x: x, y: Int.random(in: 0...30, using: &generator),
                                           w: Int.random(in: 1...(24 - x), using: &generator), h: Int.random(in: 1...10, using: &generator))
            }
            func overlap(_ a: DashboardModel.Grid, _ b: DashboardModel.Grid) -> Bool {
                a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
            }
            let expected = grids.indices.filter { i in
                grids.indices.contains { j in (grids[j].y, j) < (grids[i].y, i) && overlap(grids[i], grids[j]) }
            }
            let found = DashboardLintValidator.overlaps(grids)
            #expect(found.map(\.0) == expected, "\(grids)")
            #expect(found.allSatisfy { overlap(grids[$0.0], grids[$0.1]) && (grids[$0.1].y, $0.1) < (grids[$0.0].y, $0.0) })
        }
    }
}

@Suite struct Schemas {
    private func run(_ files: [String: String], config: String = "", schemas: [String: String] = [:]) throws -> [Diagnostic] {
        let (settings, problems) = KVConfig.parse(Array(config.utf8))
        #expect(problems.isEmpty, "\(problems)")
        let loaded = try ManifestLoader(config: settings).load(from: MemoryTree(files))
        let version = VersionUnderTest(tree: loaded.tree, config: settings, schemaFiles: schemas.mapValues { Array($0.utf8) })
        return Validation.run(version)
    }

    private let port = #"{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "integer", "minimum": 1, "maximum": 65535}"#

    @Test("settings are checked as the JSON value their text denotes", arguments: [
        ("8080", true), ("\"8080\"", true), ("'\"8080\"'", false), ("80800", false), ("http", false), ("8080.5", false),
    ])
    func typedSetting(value: String, valid: Bool) throws {
        let result = try run(["kv/a.yaml": "config:\n  - key: config/api/http/port\n    value: \(value)\n"],
                             config: "rules:\n  - keys: 'config/*/http/port'\n    schema: types/port.json\n",
                             schemas: ["types/port.json": port])
        #expect(result.isEmpty == valid, "\(result)")
        if !valid {
            #expect(result.first?.rule == "schema")
            // At the `value:` scalar, where the fix goes, not at `key:`.
            #expect(result.first?.location == SourceLocation(file: "kv/a.yaml", line: 3, column: 12))
        }
    }

    @Test func entrySchemaWinsAndMissingSchemaIsAnError() throws {
        let result = try run(["kv/a.yaml": "config:\n  - key: x\n    value: 1\n    schema: nowhere.json\n"])
        #expect(result.map(\.rule) == ["schema-missing"])
        #expect(result.first?.location == SourceLocation(file: "kv/a.yaml", line: 4, column: 13))
    }

    @Test func crossFileReferencesResolve() throws {
        let service = #"{"type": "object", "properties": {"port": {"$ref": "../types/port.json"}}, "required": ["port"]}"#
        let result = try run(["kv/a.yaml": "config:\n  - key: svc\n    file: svc.json\n    schema: services/svc.json\n",
                              "kv/svc.json": "{\n  \"port\": 0\n}\n"],
                             schemas: ["types/port.json": port, "services/svc.json": service])
        #expect(result.map(\.rule) == ["schema"])
        #expect(result.first?.location == SourceLocation(file: "kv/svc.json", line: 2, column: 11))
        #expect(result.first?.message.contains("/port: value 0 is less than minimum 1") == true)
    }

    @Test func dataSyntaxErrorsAndUnknownTypes() throws {
        let result = try run(["kv/a.yaml": "config:\n  - key: j\n    file: j.json\n  - key: t\n    value: 1\n    type: xml\n",
                              "kv/j.json": "{\n  \"a\": 1,\n}\n"])
        #expect(result.map(\.rule) == ["type-unknown", "json-syntax"])
        #expect(result.first?.location == SourceLocation(file: "kv/a.yaml", line: 6, column: 11))
        #expect(result.last?.location == SourceLocation(file: "kv/j.json", line: 3, column: 1))
    }

    @Test func builtinSchemasMatchTheSchemaFolder() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for (path, text) in BuiltinSchemas.files {
            let file = try String(contentsOf: root.appendingPathComponent("schemas/" + path), encoding: .utf8)
            #expect(file == text + "\n", "schemas/\(path) changed: run `make schemas`")
        }
    }
}
