import KVCore
import Snapshots
import Validation

extension LoadedRevision {
    /// The loader's findings and every validator's, in file order: what `validate` prints and
    /// what `release` refuses to tag over.
    public func validationFindings() throws -> [Diagnostic] {
        try validated().findings
    }

    /// The findings, and what each template reads (which a publish keeps in one transaction).
    public func validated() throws -> (findings: [Diagnostic], readSets: [TemplateReadSet]) {
        let version = VersionUnderTest(tree: loaded.tree, config: config, schemaFiles: try schemaFiles(), memo: cache)
        let findings = (diagnostics + Validation.run(version)).sortedByLocation()
        cache?.save()
        return (findings, version.templateReadSets)
    }
}
