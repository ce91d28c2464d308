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

    public static func run(_ version: VersionUnderTest) -> [Diagnostic] {
        validators.flatMap { $0.validate(version) }.sortedByLocation()
    }
}
