import JSONSchema
import KVCore

/// Checks values against JSON Schemas: the one an entry names with `schema:`, else the first
/// `kvctl.yaml` rule whose glob matches, else the built-in schema of the item's kind.
struct SchemaValidator: ItemValidator {
    static let mismatch = Rule("schema", .error, "A value does not satisfy its JSON Schema.",
                               rationale: "Schemas state what consumers accept; a mismatch is a broken service after publish.",
                               consumer: "The repository's own statement of what its consumer accepts (a schema attached by `schema:` or a `rules:` glob in kvctl.yaml): the service reading the key is the judge, and the repository has written its judgement down.")
    static let unusable = Rule("schema-missing", .error, "A schema named for a value does not exist or does not compile.",
                               rationale: "A check that cannot run must not pass silently.",
                               consumer: "None directly: the repository asked for a check of what its consumer accepts, and a gate that cannot run that check cannot vouch for the value (fail closed).")

    var rules: [Rule] { [Self.mismatch, Self.unusable] }

    static let builtin: [ItemKind: String] = [
        .grafanaDashboard: "grafana/dashboard.schema.json",
        .grafanaDatasources: "grafana/datasources.schema.json",
    ]

    func validate(_ item: Item, in version: VersionUnderTest) -> [Diagnostic] {
        let named = item.entry.options.schema ?? version.config.rules.first { $0.schema != nil && $0.matches(item.entry) }?.schema
        guard let path = named?.value ?? Self.builtin[item.kind] else { return [] }
        guard case .success(let document)? = item.document else { return [] }
        let schema: Schema
        switch version.schemas.schema(path) {
        case .success(let compiled): schema = compiled
        case .failure(let problem):
            return [Self.unusable.finding(at: named?.location ?? item.entry.origin.location, "cannot check '\(item.key)': \(problem.message)")]
        }
        guard !schema.isValid(document.value) else { return [] }
        let errors = schema.validate(document.value)
        return zip(errors, document.locations(of: errors.map(\.instancePath))).map { error, location in
            let subject = item.entry.origin.file == nil
                ? "the value of '\(item.key)' (\(document.value))"
                : error.instancePath.isEmpty ? "the document" : error.instancePath
            return Self.mismatch.finding(at: location, "\(subject): \(error.message) (schema \(version.schemas.folder)/\(path))")
        }
    }
}
