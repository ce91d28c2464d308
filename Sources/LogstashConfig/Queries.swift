import TextPositions

/// A plugin's `id => …` setting, for checking uniqueness across all files of a pipeline.
public struct LogstashPluginID: Equatable, Sendable {
    public var id: String
    public var pluginName: String
    public var section: LogstashSectionKind
    /// Where the id value is written.
    public var position: TextPosition
}

extension LogstashConfig {
    /// Every pipeline plugin (inside branches too) in source order. Codecs given as attribute
    /// values are skipped: Logstash gives codecs generated ids and never checks theirs.
    public func plugins() -> [(section: LogstashSectionKind, plugin: LogstashPlugin)] {
        var result: [(LogstashSectionKind, LogstashPlugin)] = []
        func walk(_ items: [LogstashItem], _ kind: LogstashSectionKind) {
            for item in items {
                switch item {
                case .plugin(let plugin):
                    result.append((kind, plugin))
                case .branch(let branch):
                    for clause in branch.clauses { walk(clause.body, kind) }
                    if let elseClause = branch.elseClause { walk(elseClause.body, kind) }
                }
            }
        }
        for section in sections { walk(section.items, section.kind) }
        return result
    }

    /// The `id` of every plugin that sets one with a scalar value.
    public func pluginIDs() -> [LogstashPluginID] {
        plugins().compactMap { section, plugin in
            guard let value = plugin.attribute("id"), let id = value.scalarText else { return nil }
            return LogstashPluginID(id: id, pluginName: plugin.name, section: section, position: value.position)
        }
    }

    /// Number of plugins per section kind; every kind is present, possibly with 0.
    public func pluginCounts() -> [LogstashSectionKind: Int] {
        var counts = Dictionary(uniqueKeysWithValues: LogstashSectionKind.allCases.map { ($0, 0) })
        for (section, _) in plugins() { counts[section, default: 0] += 1 }
        return counts
    }
}
