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
    public static let yamlSyntax = Rule("yaml-syntax", .error, "The file is not valid YAML (or not UTF-8), or a mapping repeats a key.",
                                        rationale: "Nothing in a file that does not parse can be trusted or published.",
                                        consumer: "the consumer's YAML parser refuses the file: go-yaml, which Grafana provisioning and "
                                            + "Go services use, fails on syntax errors, tabs in indentation and repeated keys "
                                            + "('mapping key already defined', go-yaml/yaml decode.go); for a manifest, kvctl itself "
                                            + "cannot build the version")
    public static let yamlAliasLimit = Rule("yaml-alias-limit", .error,
                                            "YAML aliases expand a document by more than \(YAMLEvents.aliasNodeLimit) nodes.",
                                            rationale: "An alias bomb (\"billion laughs\") takes a few hundred bytes and gigabytes to expand; "
                                                + "kvctl stops where it could no longer check the document, and fails closed.",
                                            consumer: "go-yaml refuses such a document ('document contains excessive aliasing', "
                                                + "go-yaml/yaml decode.go allowedAliasRatio), and any consumer that expands it runs out of memory")
    public static let manifestStructure = Rule("manifest-structure", .error, "A manifest entry is not shaped as `key` plus one of `value` or `file`.",
                                               rationale: "Unknown or missing fields are usually typos that would silently drop or change a key.",
                                               consumer: "release integrity: the version cannot be built from an entry kvctl cannot read, "
                                                   + "and a misspelt field would publish a different key or value than the one reviewed")
    public static let keyInvalid = Rule("key-invalid", .error, "A key has a leading or trailing '/', an empty, '.' or '..' segment, or a control character.",
                                        rationale: "Consul's HTTP routers clean such paths, so the key written would not be the key read.",
                                        consumer: "Consul takes the key from the URL path (hashicorp/consul agent/kvs_endpoint.go "
                                            + "KVSEndpoint: strings.TrimPrefix(req.URL.Path, \"/v1/kv/\")), after Go's http.ServeMux has "
                                            + "cleaned '//', '.' and '..' with a redirect (golang/go src/net/http/server.go cleanPath), and "
                                            + "recent versions answer 400 to '../': the key read is not the key written")
    public static let keyDuplicate = Rule("key-duplicate", .error, "The same key is defined twice.",
                                          rationale: "Which definition wins would depend on file order; one key must have one source.",
                                          consumer: "release integrity: a Consul key holds one value, so a version defining two would be "
                                              + "mis-served, with the winner decided by file order rather than by review")
    public static let valueNotScalar = Rule("value-not-scalar", .error, "A `value` is null, a sequence or a mapping.",
                                            rationale: "Consul stores bytes; structured values belong in a file referenced with `file:`.",
                                            consumer: "release integrity: a Consul value is one byte string (hashicorp/consul api/kv.go KVPair.Value), "
                                                + "and no single text of a null or a collection is the one the author meant, so the version cannot be built")
    public static let keyConsulVersions = Rule("key-consul-versions", .warning, "A key some Consul versions refuse.",
                                               rationale: "Consul 1.21.5 refused keys outside letters, digits and , _ . / - ? & = (hashicorp/consul#22835); later releases refuse leading or trailing spaces. Such a key works on other versions, so it is a warning naming the versions.")
    public static let valueBinary = Rule("value-binary", .error, "A `value` is tagged `!!binary`.",
                                         rationale: "YAML's !!binary means base64-encoded bytes, but kvctl keeps a value's source text; binary values belong in a file referenced with `file:`, whose bytes are stored as they are.",
                                         consumer: "release integrity: the YAML type (https://yaml.org/type/binary.html) promises the decoded bytes, "
                                             + "kvctl would store the base64 text in Consul (hashicorp/consul api/kv.go KVPair.Value is raw bytes), so no "
                                             + "reading of the entry gives the author's value")
    public static let fileReference = Rule("file-reference", .error, "A `file:` is missing, absolute, leads out of the repository or into a git folder.",
                                           rationale: "A value must come from this repository at this revision, or releases are not reproducible.",
                                           consumer: "release integrity: the version cannot be built from a file the revision does not hold, "
                                               + "and git's own files (remote URLs with tokens) would leak secrets into Consul")
    public static let symlinkUnread = Rule("symlink-unread", .error,
                                           "A symlink under the root is a manifest, leads to a folder or out of the repository, and no `file:` reads it.",
                                           rationale: "kvctl never follows such links on its own, so what they lead to would silently be missing from the version.",
                                           consumer: "release integrity: the version would be mis-served, without the keys the author put behind the link")
    public static let orphanFile = Rule("orphan-file", .warning, "A file under the root is neither a manifest nor read by one.",
                                        rationale: "Usually a forgotten `file:` entry: the file is reviewed but never published.")
    public static let configUnknownSetting = Rule("config-unknown-setting", .error, "kvctl.yaml has a setting kvctl does not know.",
                                                  rationale: "A misspelt setting silently ignored is a release going wrong later.",
                                                  consumer: "release integrity: the settings decide what is published where (root, prune, "
                                                      + "meta-prefix); one kvctl does not understand means the version would be built or "
                                                      + "published other than the author intended")
    public static let configInvalid = Rule("config-invalid", .error, "A kvctl.yaml setting has a value of the wrong shape.",
                                           rationale: "Settings steer validation and publishing; a wrong one must stop the run.",
                                           consumer: "Consul refuses values over kv_max_value_size with 413 and transactions over "
                                               + "txn_max_req_len (hashicorp/consul agent/kvs_endpoint.go, txn_endpoint.go); a limit kvctl "
                                               + "cannot read, or a folder outside the repository, means the version cannot be built")

    public static let all = [yamlSyntax, yamlAliasLimit, manifestStructure, keyInvalid, keyDuplicate, keyConsulVersions, valueNotScalar, valueBinary, fileReference,
                             symlinkUnread, orphanFile, configUnknownSetting, configInvalid]
}
