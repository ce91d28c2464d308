import KVCore
import LogstashConfig

/// What the cross-item checks need of one item, small enough to keep between runs so that an
/// unchanged item is never read again. Positions are recomputed from the value only when a
/// cross-item finding needs one.
public struct ItemSummary: Sendable {
    public let entry: KVEntry
    public let kind: ItemKind
    let dashboard: DashboardSummary?
    let pipeline: PipelineSummary?
    /// The item checked in this run; nil when its results were reused.
    let fresh: Item?

    /// The value read as a document: the fresh item's, or the value read and parsed again.
    func document(config: KVConfig) -> Document? {
        guard case .success(let document)? = fresh?.document ?? Classification(entry, config: config).document else { return nil }
        return document
    }
}

/// A dashboard's identity and the datasources it names, each named once.
struct DashboardSummary: Sendable, Equatable {
    let base: String
    let uid: String?
    let title: String?
    let datasources: [DatasourceName]
    let variables: Set<String>

    init(base: String, uid: String?, title: String?, datasources: [DatasourceName], variables: Set<String>) {
        self.base = base
        self.uid = uid
        self.title = title
        self.datasources = datasources
        self.variables = variables
    }

    init(_ model: DashboardModel) {
        var seen: Set<DatasourceName> = []
        self.init(base: model.base, uid: model.uid, title: model.title,
                  datasources: model.datasourceReferences.compactMap(\.name).filter { seen.insert($0).inserted },
                  variables: model.variables)
    }
}

/// A datasource as a panel, target or variable names it: by name (a string) or by uid (an object).
struct DatasourceName: Sendable, Hashable {
    let text: String
    let byUID: Bool
}

/// The plugin ids and section counts of one Logstash snippet (the first rendering that parses).
struct PipelineSummary: Sendable, Equatable {
    struct Plugin: Sendable, Equatable {
        let id: String
        let location: SourceLocation
    }

    let plugins: [Plugin]
    let counts: [LogstashSectionKind: Int]

    init(plugins: [Plugin], counts: [LogstashSectionKind: Int]) {
        self.plugins = plugins
        self.counts = counts
    }

    /// Both renderings of a template hold the same plugins; the first one that parses stands for it.
    init?(_ checks: [LogstashCheck]) {
        guard let check = checks.first(where: { if case .success = $0.result { true } else { false } }),
              case .success(let config) = check.result else { return nil }
        self.init(plugins: config.pluginIDs().map { plugin in
                      Plugin(id: plugin.id, location: check.location(line: plugin.position.line, column: plugin.position.column))
                  },
                  counts: config.pluginCounts())
    }
}

extension Item {
    var summary: ItemSummary {
        var dashboard: DashboardSummary?
        if kind == .grafanaDashboard, case .success(let document)? = document, let model = DashboardModel(document.value) {
            dashboard = DashboardSummary(model)
        }
        return ItemSummary(entry: entry, kind: kind, dashboard: dashboard,
                           pipeline: kind == .logstash ? PipelineSummary(logstash) : nil, fresh: self)
    }
}
