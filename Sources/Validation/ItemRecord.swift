import KVCore
import LogstashConfig

/// One item's results kept between runs: its kind, its own findings and its summary. Only items
/// whose results depend on nothing but their own entry are kept (see `isReusable`).
struct ItemRecord {
    let kind: ItemKind
    let findings: [Diagnostic]
    let dashboard: DashboardSummary?
    let pipeline: PipelineSummary?

    /// Everything an item's own results depend on besides the cache's context (kvctl, settings,
    /// schemas): the key, the blob, where it was defined and the entry's options. Nil for values
    /// without a blob id.
    static func key(for entry: KVEntry) -> String? {
        guard let id = entry.contentID else { return nil }
        let options = [entry.options.schema, entry.options.type, entry.options.allowSecret]
            .map { $0.map { "\($0.value)@\($0.location)" } ?? "-" }.joined(separator: "\u{0}")
        return "item\u{0}\(entry.key)\u{0}\(id)\u{0}\(entry.origin.file ?? "")\u{0}\(entry.origin.location) \(entry.origin.value.map(String.init(describing:)) ?? "")\u{0}\(options)\u{0}\(entry.options.sentinel)"
    }

    /// Templates read other keys and datasource files feed other items' checks, so both are
    /// checked every run; everything else depends on its own bytes alone (and is kept when `key(for:)`
    /// can name its blob).
    static func isReusable(_ item: Item) -> Bool {
        !item.isTemplate && item.kind != .consulTemplate && item.kind != .grafanaDatasources
    }

    init(kind: ItemKind, findings: [Diagnostic], dashboard: DashboardSummary?, pipeline: PipelineSummary?) {
        self.kind = kind
        self.findings = findings
        self.dashboard = dashboard
        self.pipeline = pipeline
    }

    var record: [UInt8] {
        var writer = RecordWriter()
        writer.write(kind.rawValue)
        writer.write(findings)
        writer.write(dashboard != nil)
        if let dashboard {
            writer.write(dashboard.base)
            writer.write(dashboard.uid)
            writer.write(dashboard.title)
            writer.write(dashboard.datasources) { writer, name in
                writer.write(name.text)
                writer.write(name.byUID)
            }
            writer.write(dashboard.variables.sorted()) { $0.write($1) }
        }
        writer.write(pipeline != nil)
        if let pipeline {
            writer.write(pipeline.plugins) { writer, plugin in
                writer.write(plugin.id)
                writer.write(plugin.location)
            }
            writer.write(LogstashSectionKind.allCases) { $0.write(pipeline.counts[$1, default: 0]) }
        }
        return writer.bytes
    }

    init?(record: [UInt8]) {
        var reader = RecordReader(record)
        guard let kind = reader.string().flatMap(ItemKind.init(rawValue:)), let findings = reader.diagnostics(),
              let hasDashboard = reader.bool() else { return nil }
        var dashboard: DashboardSummary?
        if hasDashboard {
            guard let base = reader.string(), let uid = reader.optionalString(), let title = reader.optionalString(),
                  let datasources = reader.list({ reader -> DatasourceName? in
                      guard let text = reader.string(), let byUID = reader.bool() else { return nil }
                      return DatasourceName(text: text, byUID: byUID)
                  }),
                  let variables = reader.list({ $0.string() }) else { return nil }
            dashboard = DashboardSummary(base: base, uid: uid, title: title, datasources: datasources, variables: Set(variables))
        }
        guard let hasPipeline = reader.bool() else { return nil }
        var pipeline: PipelineSummary?
        if hasPipeline {
            guard let plugins = reader.list({ reader -> PipelineSummary.Plugin? in
                      guard let id = reader.string(), let location = reader.location() else { return nil }
                      return PipelineSummary.Plugin(id: id, location: location)
                  }),
                  let counts = reader.list({ $0.int() }), counts.count == LogstashSectionKind.allCases.count else { return nil }
            pipeline = PipelineSummary(plugins: plugins, counts: Dictionary(uniqueKeysWithValues: zip(LogstashSectionKind.allCases, counts)))
        }
        guard reader.isAtEnd else { return nil }
        self.init(kind: kind, findings: findings, dashboard: dashboard, pipeline: pipeline)
    }
}
