import KVCore

/// Runs every validator over a version.
public enum Validation {
    public static let validators: [any Validator] = [
        DataSyntaxValidator(),
        ValueSizeValidator(),
        SecretValidator(),
        SchemaValidator(),
        DashboardLintValidator(),
        GrafanaReferenceValidator(),
        TemplateValidator(),
        LogstashValidator(),
        LogstashPipelineValidator(),
    ]

    /// Every rule kvctl can report, the loader's first, for documentation and SARIF.
    public static var rules: [Rule] { LoaderRules.all + validators.flatMap(\.rules) }

    /// Checks the items that need it, keeps their results in the version's memo, and runs the
    /// cross-item checks over every item's summary.
    public static func run(_ version: VersionUnderTest) -> [Diagnostic] {
        let itemValidators = validators.compactMap { $0 as? any ItemValidator }
        let perItem = version.items.concurrentMap { item in
            itemValidators.flatMap { $0.validate(item, in: version) }
        }
        if let memo = version.memo {
            let checked = version.summaries.filter { $0.fresh != nil }
            for (summary, findings) in zip(checked, perItem) where ItemRecord.isReusable(summary.fresh!) {
                guard let key = ItemRecord.key(for: summary.entry) else { continue }
                memo.store(key, ItemRecord(kind: summary.kind, findings: findings, dashboard: summary.dashboard, pipeline: summary.pipeline).record)
            }
        }
        let crossItem = validators.compactMap { $0 as? any VersionValidator }.flatMap { $0.validate(version) }
        return (version.reusedFindings + perItem.flatMap { $0 } + crossItem).sortedByLocation()
    }
}
