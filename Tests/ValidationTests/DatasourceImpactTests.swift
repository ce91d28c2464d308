import KVCore
import Testing
@testable import Validation

/// `impact` of a changed Grafana datasources file: the dashboards whose references Grafana resolves to a
/// changed datasource (a uid, then a name; none, null, "" or "default" the default datasource; `$x`
/// whatever the variable holds: grafana/grafana public/app/features/plugins/datasource_srv.ts,
/// getInstanceSettings), not every dashboard.
@Suite struct DatasourceImpactTests {
    static func entry(_ key: String, _ value: String, file: String) -> KVEntry {
        KVEntry(key: key, value: Array(value.utf8), origin: KeyOrigin(location: SourceLocation(file: file, line: 1, column: 1), file: file))
    }

    /// A provisioning file in Grafana's documented shape (apiVersion 1, datasources with name, type, uid, url).
    static func datasources(promURL: String = "http://prom:9090", defaultName: String = "Prometheus", extra: String = "") -> KVEntry {
        entry("grafana/datasources", """
            apiVersion: 1
            \(extra)datasources:
              - name: Prometheus
                type: prometheus
                uid: prom
                url: \(promURL)
                isDefault: \(defaultName == "Prometheus")
              - name: Loki
                type: loki
                uid: loki
                url: http://loki:3100
                isDefault: \(defaultName == "Loki")
            """, file: "grafana/datasources.yaml")
    }

    static func dashboard(_ name: String, panel: String) -> KVEntry {
        entry("grafana/dashboards/\(name)", #"{"uid": "\#(name)", "title": "\#(name)", "panels": [{"id": 1, "type": "timeseries"\#(panel)}]}"#,
              file: "grafana/dashboards/\(name).json")
    }

    static let dashboards = [
        dashboard("by-name", panel: #", "datasource": "Prometheus""#),
        dashboard("by-uid", panel: #", "datasource": {"type": "prometheus", "uid": "prom"}"#),
        dashboard("by-target", panel: #", "datasource": "-- Mixed --", "targets": [{"datasource": {"uid": "prom"}}]"#),
        dashboard("loki", panel: #", "datasource": {"uid": "loki"}"#),
        dashboard("none", panel: ""),
        dashboard("null", panel: #", "datasource": null"#),
        dashboard("variable", panel: #", "datasource": "${ds}""#),
    ]

    static func reached(_ old: KVEntry, _ new: KVEntry) -> [String: String] {
        let comparison = VersionComparison(old: (KVTree([old] + dashboards), KVConfig()), new: (KVTree([new] + dashboards), KVConfig()))
        let impact = comparison.impact().first { $0.key == "grafana/datasources" }
        var result: [String: String] = [:]
        for consumer in impact?.consumers ?? [] where consumer.kind == "dashboard" {
            result[String(consumer.name.dropFirst("grafana/dashboards/".count))] = consumer.how
        }
        return result
    }

    @Test func aChangedDatasourceReachesTheDashboardsThatNameItAndThoseUsingAVariable() {
        // Loki is the default here, so Prometheus changing leaves the default alone.
        let reached = Self.reached(Self.datasources(defaultName: "Loki"), Self.datasources(promURL: "http://prom:9091", defaultName: "Loki"))
        #expect(Set(reached.keys) == ["by-name", "by-uid", "by-target", "variable"], "\(reached)")
        #expect(reached["by-name"] == "/panels/0/datasource names 'Prometheus', which this change alters")
        #expect(reached["by-target"] == "/panels/0/targets/0/datasource names 'prom', which this change alters")
        #expect(reached["variable"] == "/panels/0/datasource is the variable ${ds}, which may hold a datasource this change alters")
    }

    @Test func aChangedDefaultReachesTheDashboardsThatNameNone() {
        let reached = Self.reached(Self.datasources(), Self.datasources(promURL: "http://prom:9091"))
        #expect(Set(reached.keys) == ["by-name", "by-uid", "by-target", "none", "null", "variable"], "\(reached)")
        #expect(reached["none"] == "a panel names no datasource, so it queries the default, which this change alters")
        #expect(reached["null"] == "/panels/0/datasource is the default datasource, which this change alters")
        // Moving the default from Prometheus to Loki alters both.
        #expect(Set(Self.reached(Self.datasources(), Self.datasources(defaultName: "Loki")).keys)
                    == ["by-name", "by-uid", "by-target", "loki", "none", "null", "variable"])
    }

    @Test func aFileChangedOnlyInFormReachesNoDashboard() {
        let reformatted = Self.entry("grafana/datasources", Self.datasources().text + "\n# a comment\n", file: "grafana/datasources.yaml")
        #expect(Self.reached(Self.datasources(), reformatted).isEmpty)
    }

    @Test func aDeletedDatasourceReachesItsDashboards() {
        let deleting = Self.datasources(extra: "deleteDatasources:\n  - name: Loki\n    orgId: 1\n")
        #expect(Set(Self.reached(Self.datasources(), deleting).keys) == ["loki", "variable"])
    }
}

private extension KVEntry {
    var text: String { String(decoding: value, as: UTF8.self) }
}
