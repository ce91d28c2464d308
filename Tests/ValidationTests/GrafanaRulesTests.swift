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

private func panel(_ id: Int, x: Int = 0, y: Int = 0, w: Int = 12, h: Int = 8, datasource: String = #"{"type": "prometheus", "uid": "prom-main"}"#) -> String {
    #"{"id": \#(id), "type": "timeseries", "title": "p\#(id)", "gridPos": {"x": \#(x), "y": \#(y), "w": \#(w), "h": \#(h)}, "datasource": \#(datasource), "targets": [{"refId": "A"}]}"#
}

private func dashboard(uid: String = "d1", title: String = "One", panels: [String]) -> String {
    #"{"uid": "\#(uid)", "title": "\#(title)", "schemaVersion": 39, "panels": [\#(panels.joined(separator: ",\n"))]}"#
}

private func findings(_ files: [String: String]) throws -> [Diagnostic] {
    var all = ["kv/ds.yaml": datasources]
    var manifest = "config:\n  - key: grafana/ds.yaml\n    file: ds.yaml\n"
    for (name, text) in files {
        all["kv/\(name)"] = text
        manifest += "  - key: grafana/\(name)\n    file: \(name)\n"
    }
    all["kv/grafana.yaml"] = manifest
    let loaded = try ManifestLoader(config: KVConfig()).load(from: MemoryTree(all))
    #expect(!loaded.diagnostics.hasErrors, "\(loaded.diagnostics)")
    return Validation.run(VersionUnderTest(tree: loaded.tree, config: KVConfig()))
}

@Suite struct GrafanaRules {
    @Test func cleanDashboardPasses() throws {
        let result = try findings(["a.json": dashboard(panels: [panel(1), panel(2, x: 12), panel(3, y: 8, w: 24, datasource: "\"$ds\"")])])
        #expect(result.isEmpty, "\(result)")
    }

    @Test func wrappedAndLegacyFormsAreDashboards() throws {
        let legacy = #"{"uid": "old", "title": "Old", "schemaVersion": 14, "rows": [{"panels": [{"id": 1, "type": "graph", "span": 6, "datasource": "Prometheus"}, {"id": 1, "type": "graph", "span": 6, "datasource": "Graphite"}]}]}"#
        let wrapped = #"{"dashboard": \#(dashboard(uid: "new", title: "New", panels: [panel(1)])), "overwrite": true}"#
        let result = try findings(["legacy.json": legacy, "wrapped.json": wrapped])
        #expect(result.map(\.rule) == ["grafana-panel-id-unique", "grafana-datasource-exists"], "\(result)")
        #expect(result.last?.message.contains("'Graphite'") == true)
    }

    @Test func gridOverlapIdsAndUID() throws {
        let text = dashboard(uid: "bad uid!", panels: [panel(1), panel(1, x: 6), panel(3, x: 20, y: 20, w: 8)])
        let result = try findings(["a.json": text])
        #expect(Set(result.map(\.rule)) == ["grafana-uid-format", "grafana-panel-id-unique", "grafana-panel-overlap",
                                            "grafana-gridpos-bounds", "schema"])
        let bounds = try #require(result.first { $0.rule == "grafana-gridpos-bounds" })
        #expect(bounds.message == "gridPos.x + w is 28; expected at most 24 columns")
        #expect(bounds.location.file == "kv/a.json")
        #expect(bounds.location.line == 3)
    }

    @Test func nestedRowPanelsShareTheIdSpace() throws {
        let row = #"{"id": 9, "type": "row", "collapsed": true, "gridPos": {"x": 0, "y": 8, "w": 24, "h": 1}, "panels": [\#(panel(1))]}"#
        let result = try findings(["a.json": dashboard(panels: [panel(1), row])])
        #expect(result.map(\.rule) == ["grafana-panel-id-unique"])
    }

    @Test func uidsAndTitlesAreUniqueAcrossDashboards() throws {
        let result = try findings([
            "a.json": dashboard(uid: "same", title: "Same", panels: [panel(1)]),
            "b.json": dashboard(uid: "same", title: "Same", panels: [panel(1)]),
        ])
        #expect(result.map(\.rule).sorted() == ["grafana-title-unique", "grafana-uid-unique"])
        #expect(result.allSatisfy { $0.location.file == "kv/b.json" && $0.message.contains("kv/a.json:1:") })
    }

    @Test func datasourceReferences() throws {
        let panels = [
            panel(1, datasource: #""Loki""#), panel(2, x: 12, datasource: #"{"uid": "loki"}"#),
            panel(3, y: 8, datasource: #""-- Mixed --""#), panel(4, x: 12, y: 8, datasource: "null"),
            panel(5, y: 16, datasource: #""${DS_PROMETHEUS}""#), panel(6, x: 12, y: 16, datasource: #"{"uid": "Prometheus"}"#),
        ]
        let result = try findings(["a.json": dashboard(panels: panels)])
        #expect(result.map(\.rule) == ["grafana-input-placeholder", "grafana-datasource-exists"])
        #expect(result.last?.message.contains("uid 'Prometheus'") == true)
    }

    @Test func provisioningConflicts() throws {
        let second = "apiVersion: 1\ndatasources:\n  - name: Prometheus\n    type: prometheus\n    isDefault: true\n"
        var all = ["kv/ds.yaml": datasources, "kv/more.yaml": second]
        all["kv/grafana.yaml"] = "config:\n  - key: a\n    file: ds.yaml\n  - key: b\n    file: more.yaml\n"
        let loaded = try ManifestLoader(config: KVConfig()).load(from: MemoryTree(all))
        let result = Validation.run(VersionUnderTest(tree: loaded.tree, config: KVConfig()))
        #expect(result.map(\.rule) == ["grafana-datasource-unique", "grafana-datasource-default"])
        #expect(result.first?.location == SourceLocation(file: "kv/more.yaml", line: 3, column: 11))
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
            #expect(result.first?.location == SourceLocation(file: "kv/a.yaml", line: 2, column: 10))
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
