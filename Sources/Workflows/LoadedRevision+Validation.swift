import KVCore
import Snapshots
import Validation

extension LoadedRevision {
    /// The loader's findings and every validator's, in file order: what `validate` prints and
    /// what `release` refuses to tag over.
    public func validationFindings() throws -> [Diagnostic] {
        try validated().findings
    }

    /// The findings, and what each template reads (which a publish keeps in one transaction). A
    /// commit's are kept whole in the cache, keyed by its id (the cache's context holds kvctl, the
    /// settings and the schemas): publishing or syncing the same release again renders no template.
    /// Without `saving`, the caller saves the cache (after storing more of its own).
    public func validated(saving: Bool = true) throws -> (findings: [Diagnostic], readSets: [TemplateReadSet]) {
        let key = (source as? RevisionSnapshot).map { OpenedRevision.validationKey($0.commit.id.description) }
        // Nothing else is used on this path, so the cache is not saved (saving keeps only what a run used).
        if let key, let record = cache?.recall(key), let known = OpenedRevision.decodeValidated(record) { return known }
        let version = VersionUnderTest(tree: loaded.tree, config: config, schemaFiles: try schemaFiles(), memo: cache)
        let findings = (diagnostics + Validation.run(version)).sortedByLocation()
        let readSets = version.templateReadSets
        if let key {
            var writer = RecordWriter()
            writer.write(findings)
            writer.write(readSets) { writer, set in
                writer.write(set.template)
                writer.write(set.keys) { $0.write($1) }
                writer.write(set.prefixes) { $0.write($1) }
            }
            cache?.store(key, writer.bytes)
        }
        if saving { cache?.save() }
        return (findings, readSets)
    }
}

extension OpenedRevision {
    /// The commit's findings and read sets as `LoadedRevision.validated()` kept them, without
    /// resolving its manifests; nil when the cache does not hold them.
    public func cachedValidation() -> (findings: [Diagnostic], readSets: [TemplateReadSet])? {
        guard let commit, let record = cache?.recall(Self.validationKey(commit)) else { return nil }
        return Self.decodeValidated(record)
    }

    static func validationKey(_ commit: String) -> String { "release\u{0}\(commit)" }

    static func decodeValidated(_ record: [UInt8]) -> (findings: [Diagnostic], readSets: [TemplateReadSet])? {
        var reader = RecordReader(record)
        guard let findings = reader.diagnostics(),
              let readSets = reader.list({ reader -> TemplateReadSet? in
                  guard let template = reader.string(), let keys = reader.list({ $0.string() }),
                        let prefixes = reader.list({ $0.string() }) else { return nil }
                  return TemplateReadSet(template: template, keys: keys, prefixes: prefixes)
              }) else { return nil }
        return (findings, readSets)
    }
}
