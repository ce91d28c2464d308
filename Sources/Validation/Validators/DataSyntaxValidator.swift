import KVCore

/// JSON and YAML values must parse, and a declared `type:` must be one kvctl knows.
struct DataSyntaxValidator: ItemValidator {
    var rules: [Rule] { [DocumentRules.jsonSyntax, ItemRules.unknownType] }

    func validate(_ item: Item, in version: VersionUnderTest) -> [Diagnostic] {
        var findings = item.typeProblem.map { [$0] } ?? []
        if case .failure(let problem)? = item.document { findings.append(problem) }
        return findings
    }
}
