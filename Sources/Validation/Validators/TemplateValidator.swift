import ConsulTemplate
import KVCore

/// consul-template templates: Go template syntax with consul-template's functions, and the keys
/// they read checked against what this version defines.
struct TemplateValidator: ItemValidator {
    static let syntax = Rule("template-syntax", .error, "A consul-template template does not parse.",
                             rationale: "consul-template refuses to start on a template it cannot parse, so nothing renders.",
                             consumer: "consul-template returns the Go text/template parse error from Template.Execute and stops (hashicorp/consul-template: template/template.go)")
    static let render = Rule("template-render", .error, "A template fails while rendering against this version's keys.",
                             rationale: "consul-template stops on an execution error; the consumer keeps stale configuration.",
                             consumer: "consul-template returns the text/template execution error from Template.Execute and writes nothing (hashicorp/consul-template: template/template.go)")
    static let undefinedKey = Rule("template-key-undefined", .error, "`key` reads a key, or `safeLs`/`safeTree` a prefix, this version does not define.",
                                   rationale: "consul-template blocks until the key exists (or the prefix holds keys): the service never gets its configuration. Declare keys owned elsewhere under 'external-keys'.",
                                   consumer: "`key` on a missing key and `safeLs`/`safeTree` on an empty prefix mark the dependency missing and the template is not rendered (hashicorp/consul-template: template/funcs.go keyFunc, lsFunc and treeFunc with emptyIsSafe false; docs/templating-language.md, key and safeLs)")
    static let defaultedKey = Rule("template-key-default", .warning, "`keyOrDefault`, `keyExists`, `ls` or `tree` reads a key or prefix this version does not define.",
                                   rationale: "The template renders with the default, false or an empty list (consul-template does not wait for these), which is often a leftover from a renamed key.")
    static let uncheckedKey = Rule("template-key-unchecked", .warning, "A template reads a key computed at render time, which cannot be checked.",
                                   rationale: "Computed keys (printf, variables) escape the cross-reference check; review them by hand.")

    var rules: [Rule] { [Self.syntax, Self.render, Self.undefinedKey, Self.defaultedKey, Self.uncheckedKey] }

    /// The reads consul-template waits on; `ls` and `tree` of an empty prefix render an empty list.
    static let blocking: Set<String> = ["key", "safeLs", "safeTree"]

    func validate(_ item: Item, in version: VersionUnderTest) -> [Diagnostic] {
        guard let template = item.template else { return [] }
        let parsed: ParsedTemplate
        switch template {
        case .failure(let error):
            return [Self.syntax.finding(at: location(item, error.line, error.column), error.message)]
        case .success(let value): parsed = value
        }
        var findings: [Diagnostic] = []
        if let problem = item.renderProblem {
            findings.append(Self.render.finding(at: location(item, problem.line, problem.column), problem.message))
        }
        for reference in parsed.keyReferences {
            let at = location(item, reference.position.line, reference.position.column)
            guard let key = reference.key else {
                findings.append(Self.uncheckedKey.finding(at: at, "\(reference.function) reads a key computed at render time; it cannot be checked against this version"))
                continue
            }
            // Another datacenter's store, or keys another repository owns, are not this version's to define.
            if reference.datacenter != nil || version.config.externalKeys.contains(where: { $0.matches(key) }) { continue }
            // A prefix is defined when consul-template's listing of it is not empty (see TreeLookup).
            let listing = TreeLookup(tree: version.tree, external: [])
            let defined = reference.isPrefix ? !listing.pairs(underPrefix: key, recursive: reference.function.hasSuffix("ree")).isEmpty
                                   : version.tree[key] != nil
            if defined { continue }
            let what = reference.isPrefix ? "no key under the prefix '\(key)'" : "no key '\(key)'"
            if Self.blocking.contains(reference.function) {
                findings.append(Self.undefinedKey.finding(at: at,
                    "\(reference.function) reads \(what), which this version does not define: consul-template would block forever; define it, or list it under 'external-keys' in kvctl.yaml"))
            } else {
                let outcome = reference.isPrefix ? "it will always render an empty list" : "the default will always be used"
                findings.append(Self.defaultedKey.finding(at: at, "\(reference.function) reads \(what), which this version does not define; \(outcome)"))
            }
        }
        return findings
    }

    private func location(_ item: Item, _ line: Int, _ column: Int) -> SourceLocation {
        guard let file = item.entry.origin.file else { return item.entry.origin.location }
        return SourceLocation(file: file, line: line, column: column)
    }
}
