import Foundation
import KVCore

/// One report for a pull request: findings of the newer version, the key diff, the rendered
/// diffs, the impact and, when asked, the plan against an environment.
public struct ReviewReport: Sendable, Encodable {
    public struct KeyChange: Sendable, Encodable {
        public let key: String
        public let change: String
        /// The unified diff of the values; nil when a value is summarised or hidden.
        public let diff: String?
        /// Size and SHA-256 when not shown as text, or why the value is hidden.
        public let summary: String?
    }

    public let from: String
    public let to: String
    public let findings: [Diagnostic]
    public let keys: [KeyChange]
    public let rendered: [RenderedChange]
    public let impact: [KeyImpact]
    public let unchecked: [Consumer]
    /// The plan against an environment's live state, as `publish --plan` prints it.
    public var plan: String?
    public var planTarget: String?

    public var errors: Int { findings.filter { $0.severity == .error }.count }
    public var warnings: Int { findings.count - errors }

    /// Keys whose values a secret finding points at (in either version) are never shown. The older
    /// version's changed and removed values are checked here, alone: only their secret findings count.
    public init(comparison: VersionComparison, from: String, to: String, findings: [Diagnostic]) {
        self.from = from
        self.to = to
        self.findings = findings
        let previous = KVTree(comparison.diff.changed.map(\.old) + comparison.diff.removed)
        let oldFindings = previous.count == 0 ? [] : Validation.run(VersionUnderTest(tree: previous, config: comparison.old.config))
        let secretPlaces = Set((findings + oldFindings).filter { $0.rule.hasPrefix("secret-") }.map { "\($0.location.file):\($0.location.line)" })
        let secretFiles = Set((findings + oldFindings).filter { $0.rule.hasPrefix("secret-") }.map(\.location.file))
        func isSecret(_ entry: KVEntry?) -> Bool {
            guard let entry else { return false }
            if let file = entry.origin.file { return secretFiles.contains(file) }
            // A finding may sit at the entry or at its `value:` scalar, which can be lines apart.
            return [entry.origin.location, entry.valueLocation].contains { secretPlaces.contains("\($0.file):\($0.line)") }
        }
        let hidden = Set(comparison.changes.map(\.key).filter { isSecret(comparison.old.tree[$0]) || isSecret(comparison.new.tree[$0]) })
        keys = comparison.changes.map { key, change in
            if hidden.contains(key) {
                return KeyChange(key: key, change: change, diff: nil, summary: "value hidden: the secret guard reports it")
            }
            let old = comparison.old.tree[key]?.value ?? [], new = comparison.new.tree[key]?.value ?? []
            let body = KeyDiffText.unified(old, new, old: change == "added" ? "/dev/null" : "\(from):\(key)",
                                           new: change == "removed" ? "/dev/null" : "\(to):\(key)")
            return KeyChange(key: key, change: change, diff: body,
                             summary: body == nil ? KeyDiffText.summary(old, new, change: change) : nil)
        }
        rendered = comparison.renderedChanges(oldLabel: from, newLabel: to).filter { !hidden.contains($0.key) }
        impact = comparison.impact()
        unchecked = comparison.uncheckedTemplates
    }

    enum CodingKeys: String, CodingKey {
        case from, to, findings, keys, rendered, impact, unchecked, plan, planTarget = "plan_target"
    }
}

/// Key diffs as `kvctl diff` prints them: text values as unified diffs, others by size and SHA-256.
public enum KeyDiffText {
    public static func unified(_ old: [UInt8], _ new: [UInt8], old oldLabel: String, new newLabel: String) -> String? {
        guard let oldText = ValueText.text(of: old), let newText = ValueText.text(of: new) else { return nil }
        return UnifiedDiff.render(old: oldText, new: newText, oldLabel: oldLabel, newLabel: newLabel)
    }

    public static func summary(_ old: [UInt8], _ new: [UInt8], change: String) -> String {
        switch change {
        case "added": ValueText.summary(of: new)
        case "removed": ValueText.summary(of: old)
        default: "\(ValueText.summary(of: old)) -> \(ValueText.summary(of: new))"
        }
    }
}

// MARK: Markdown and GitHub

extension ReviewReport {
    /// GitHub's limit on a comment's (and a step summary's) body.
    public static let markdownLimit = 65_536
    /// Annotations GitHub shows per step for each of errors and warnings.
    public static let annotationLimit = 10
    /// Sections longer than this many lines are folded.
    static let foldLines = 20

    /// The report as GitHub-flavoured Markdown, under `limit` characters; what does not fit is cut
    /// and the cut is said at the end. `leftOut` adds the note on annotations GitHub will not show.
    public func markdown(limit: Int = markdownLimit, leftOut: (errors: Int, warnings: Int)? = nil) -> String {
        var sections: [(title: String, body: String)] = []
        var head = "## kvctl review: \(from) → \(to)\n\n"
        head += "**\(TreeDiff.count(errors, "error")), \(TreeDiff.count(warnings, "warning"))** · "
        head += "\(keys.filter { $0.change == "added" }.count) added, \(keys.filter { $0.change == "changed" }.count) changed, "
        head += "\(keys.filter { $0.change == "removed" }.count) removed · \(TreeDiff.count(rendered.count, "rendered output")) changed\n"
        if let leftOut, leftOut.errors + leftOut.warnings > 0 {
            head += "\n> GitHub shows at most \(Self.annotationLimit) error and \(Self.annotationLimit) warning annotations per step: "
                + "\(leftOut.errors) errors and \(leftOut.warnings) warnings are listed here only.\n"
        }
        sections.append(("", head))
        if !findings.isEmpty {
            var table = "| | where | rule | finding |\n|---|---|---|---|\n"
            for finding in findings {
                table += "| \(finding.severity == .error ? "❌" : "⚠️") | `\(finding.location.file):\(finding.location.line):\(finding.location.column)` "
                    + "| `\(finding.rule)` | \(Self.cell(finding.message)) |\n"
            }
            sections.append(("Validation findings", Self.fold(table, summary: "\(findings.count) findings")))
        }
        if !keys.isEmpty {
            var body = ""
            for change in keys {
                let sign = change.change == "added" ? "+" : change.change == "removed" ? "-" : "~"
                body += "- `\(sign) \(change.key)`" + (change.summary.map { " (\($0))" } ?? "") + "\n"
            }
            let diffs = keys.compactMap(\.diff).filter { !$0.isEmpty }.joined()
            if !diffs.isEmpty { body += "\n" + Self.fold(Self.fence(diffs), summary: "value diffs") }
            sections.append(("Key changes", body))
        }
        if !rendered.isEmpty {
            var body = ""
            for change in rendered {
                body += Self.fold(Self.fence(change.diff), summary: "`\(change.key)` — caused by \(change.causes.joined(separator: ", "))", always: true)
            }
            sections.append(("Rendered output", body))
        }
        let consumed = impact.filter { !$0.consumers.isEmpty }
        if !consumed.isEmpty || !unchecked.isEmpty {
            var table = "| key | change | consumer | how |\n|---|---|---|---|\n"
            for item in consumed {
                for consumer in item.consumers {
                    table += "| `\(item.key)` | \(item.change) | \(consumer.kind) `\(consumer.name)` (`\(consumer.location)`) | \(Self.cell(consumer.how)) |\n"
                }
            }
            if !unchecked.isEmpty {
                table += "\nNot followed (keys computed at render time): "
                    + unchecked.map { "`\($0.location)`" }.joined(separator: ", ") + "\n"
            }
            sections.append(("Impact", Self.fold(table, summary: "\(consumed.count) changed keys with consumers")))
        }
        if let plan {
            sections.append(("Plan against \(planTarget ?? "the environment")", Self.fold(Self.fence(plan, language: ""), summary: "plan")))
        }
        return Self.assemble(sections, limit: limit)
    }

    /// Sections in order while they fit; the first that does not is cut at a line and closed, the
    /// rest left out, and a last line says so (it always fits: its room is kept aside).
    static func assemble(_ sections: [(title: String, body: String)], limit: Int) -> String {
        let reserve = 400
        var out = ""
        var cut: [String] = []
        var cutChars = 0
        for (title, body) in sections {
            let text = (title.isEmpty ? "" : "\n### \(title)\n\n") + body
            if cut.isEmpty, out.count + text.count <= limit - reserve {
                out += text
                continue
            }
            cutChars += text.count
            if cut.isEmpty {
                // Whole lines up to the room left, then close what they opened (fences, <details>).
                var kept = ""
                for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                    guard out.count + kept.count + line.count + 1 <= limit - reserve - 40 else { break }
                    kept += line + "\n"
                }
                if kept.components(separatedBy: "```").count % 2 == 0 { kept += "```\n" }
                let opened = kept.components(separatedBy: "<details>").count - kept.components(separatedBy: "</details>").count
                kept += String(repeating: "</details>\n", count: max(0, opened))
                cutChars -= kept.count
                out += kept
            }
            cut.append(title.isEmpty ? "summary" : title)
        }
        if !cut.isEmpty {
            out += "\n> ✂️ Cut to stay under GitHub's \(limit)-character limit: about \(max(cutChars, 0)) characters of "
                + cut.joined(separator: ", ") + " left out. `kvctl review --output json` has everything.\n"
        }
        return out
    }

    static func fold(_ body: String, summary: String, always: Bool = false) -> String {
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false).count
        guard always || lines > foldLines else { return body }
        return "<details><summary>\(summary)</summary>\n\n\(body)\n</details>\n"
    }

    /// A fenced block long enough not to be closed by backticks inside it.
    static func fence(_ text: String, language: String = "diff") -> String {
        var ticks = "```"
        while text.contains(ticks) { ticks += "`" }
        return "\(ticks)\(language)\n\(text)\(text.hasSuffix("\n") ? "" : "\n")\(ticks)\n"
    }

    static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    /// GitHub workflow commands (`::error file=…,line=…,col=…,title=…::message`): errors first, then
    /// warnings, in file order, at most `annotationLimit` of each; and how many of each were left out.
    public func githubAnnotations() -> (commands: [String], leftOut: (errors: Int, warnings: Int)) {
        let errorFindings = findings.filter { $0.severity == .error }, warningFindings = findings.filter { $0.severity != .error }
        func command(_ finding: Diagnostic) -> String {
            let level = finding.severity == .error ? "error" : "warning"
            return "::\(level) file=\(Self.property(finding.location.file)),line=\(finding.location.line),col=\(finding.location.column),"
                + "title=\(Self.property(finding.rule))::\(Self.data(finding.message))"
        }
        let shown = errorFindings.prefix(Self.annotationLimit) + warningFindings.prefix(Self.annotationLimit)
        return (shown.map(command), (max(0, errorFindings.count - Self.annotationLimit), max(0, warningFindings.count - Self.annotationLimit)))
    }

    /// Escaping of workflow command data and properties (actions/toolkit, packages/core/src/command.ts).
    static func data(_ text: String) -> String {
        text.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D").replacingOccurrences(of: "\n", with: "%0A")
    }

    static func property(_ text: String) -> String {
        data(text).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }
}
