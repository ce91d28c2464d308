/// A check with a stable id, so teams can find its rationale and CI tools can group findings.
public struct Rule: Sendable, Hashable {
    public let id: String
    public let severity: Severity
    public let summary: String
    public let rationale: String
    /// For an error: the consumer behaviour it predicts and where that behaviour is documented or
    /// implemented (docs page or source file). An error means "the consumer would reject or mis-serve
    /// this"; without such a source a rule is a warning.
    public let consumer: String?

    public init(_ id: String, _ severity: Severity, _ summary: String, rationale: String, consumer: String? = nil) {
        self.id = id
        self.severity = severity
        self.summary = summary
        self.rationale = rationale
        self.consumer = consumer
    }

    public func finding(at location: SourceLocation, _ message: String) -> Diagnostic {
        Diagnostic(severity, at: location, rule: id, message)
    }
}

/// The rules the loader itself applies while reading manifests and settings.
public enum LoaderRules {
    public static let yamlSyntax = Rule("yaml-syntax", .error, "The file is not valid YAML (or not UTF-8).",
                                        rationale: "Nothing in a file that does not parse can be trusted or published.")
    public static let manifestStructure = Rule("manifest-structure", .error, "A manifest entry is not shaped as `key` plus one of `value` or `file`.",
                                               rationale: "Unknown or missing fields are usually typos that would silently drop or change a key.")
    public static let keyInvalid = Rule("key-invalid", .error, "A key has a leading or trailing '/', an empty, '.' or '..' segment, or a control character.",
                                        rationale: "Consul's HTTP routers clean such paths, so the key written would not be the key read.")
    public static let keyDuplicate = Rule("key-duplicate", .error, "The same key is defined twice.",
                                          rationale: "Which definition wins would depend on file order; one key must have one source.")
    public static let valueNotScalar = Rule("value-not-scalar", .error, "A `value` is null, a sequence or a mapping.",
                                            rationale: "Consul stores bytes; structured values belong in a file referenced with `file:`.")
    public static let fileReference = Rule("file-reference", .error, "A `file:` is missing, absolute, or leads out of the repository.",
                                           rationale: "A value must come from this repository at this revision, or releases are not reproducible.")
    public static let orphanFile = Rule("orphan-file", .warning, "A file under the root is neither a manifest nor read by one.",
                                        rationale: "Usually a forgotten `file:` entry: the file is reviewed but never published.")
    public static let configUnknownSetting = Rule("config-unknown-setting", .error, "kvctl.yaml has a setting kvctl does not know.",
                                                  rationale: "A misspelt setting silently ignored is a release going wrong later.")
    public static let configInvalid = Rule("config-invalid", .error, "A kvctl.yaml setting has a value of the wrong shape.",
                                           rationale: "Settings steer validation and publishing; a wrong one must stop the run.")

    public static let all = [yamlSyntax, manifestStructure, keyInvalid, keyDuplicate, valueNotScalar, fileReference,
                             orphanFile, configUnknownSetting, configInvalid]
}
