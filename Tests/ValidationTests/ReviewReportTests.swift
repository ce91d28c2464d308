import KVCore
import Testing
import TestSupport
@testable import Validation

/// The pull-request report's limits: GitHub's annotations per step and its comment size.
@Suite struct ReviewReportTests {
    static func entry(_ key: String, _ value: String, file: String? = nil) -> KVEntry {
        let location = SourceLocation(file: file ?? "kv/a.yaml", line: 1, column: 1)
        return KVEntry(key: key, value: Array(value.utf8), origin: KeyOrigin(location: location, file: file))
    }

    static func report(findings: [Diagnostic], changedKeys: Int = 1, valueSize: Int = 10) -> ReviewReport {
        let old = KVTree((0..<changedKeys).map { entry("k/\($0)", String(repeating: "a\n", count: valueSize)) })
        let new = KVTree((0..<changedKeys).map { entry("k/\($0)", String(repeating: "b\n", count: valueSize)) })
        let comparison = VersionComparison(old: (old, KVConfig()), new: (new, KVConfig()))
        return ReviewReport(comparison: comparison, from: "A", to: "B", findings: findings)
    }

    static func finding(_ severity: Severity, _ line: Int) -> Diagnostic {
        Diagnostic(severity, at: SourceLocation(file: "kv/a,b.yaml", line: line, column: 2), rule: "r", "bad: 100%\nnext")
    }

    /// GitHub shows about 10 error and 10 warning annotations per step: errors first, the rest counted.
    @Test func annotationsAreCappedErrorsFirst() {
        let findings = (1...12).map { Self.finding(.warning, $0) } + (1...15).map { Self.finding(.error, $0) }
        let (commands, leftOut) = Self.report(findings: findings).githubAnnotations()
        #expect(commands.count == 20)
        #expect(commands.prefix(10).allSatisfy { $0.hasPrefix("::error ") })
        #expect(commands.suffix(10).allSatisfy { $0.hasPrefix("::warning ") })
        #expect(leftOut.errors == 5 && leftOut.warnings == 2)
        // Workflow command escaping (actions/toolkit command.ts): properties escape , and :, data % and newlines.
        #expect(commands[0] == "::error file=kv/a%2Cb.yaml,line=1,col=2,title=r::bad: 100%25%0Anext")
        let markdown = Self.report(findings: findings).markdown(leftOut: leftOut)
        #expect(markdown.contains("5 errors and 2 warnings are listed here only"))
    }

    @Test func markdownStaysUnderGitHubsLimitAndSaysWhatWasCut() {
        let report = Self.report(findings: [], changedKeys: 400, valueSize: 200)
        let markdown = report.markdown()
        #expect(markdown.count <= ReviewReport.markdownLimit)
        #expect(markdown.contains("Cut to stay under GitHub's 65536-character limit"))
        #expect(markdown.contains("Key changes left out"))
        // What was opened is closed: fences pair up, every <details> ends.
        #expect(markdown.components(separatedBy: "<details>").count == markdown.components(separatedBy: "</details>").count)
        #expect(markdown.components(separatedBy: "```").count % 2 == 1)
        let small = Self.report(findings: [])
        #expect(!small.markdown().contains("Cut to stay"))
    }

    @Test func longSectionsFold() {
        let findings = (1...30).map { Self.finding(.warning, $0) }
        #expect(Self.report(findings: findings).markdown().contains("<details><summary>30 findings</summary>"))
    }

    /// A key computed with printf is followed through its format as a glob; other computed keys are listed as not followed.
    @Test func impactFollowsPrintfKeys() {
        let template = Self.entry("t/web.ctmpl", "{{ key (printf \"svc/%s/port\" \"a\") }} {{ key (env \"K\") }}", file: "kv/web.ctmpl")
        let old = KVTree([template, Self.entry("svc/a/port", "1"), Self.entry("other", "1")])
        let new = KVTree([template, Self.entry("svc/a/port", "2"), Self.entry("other", "2")])
        let comparison = VersionComparison(old: (old, KVConfig()), new: (new, KVConfig()))
        let impact = comparison.impact()
        #expect(impact.map(\.key) == ["other", "svc/a/port"])
        #expect(impact[0].consumers.isEmpty)
        #expect(impact[1].consumers == [Consumer(kind: "template", name: "t/web.ctmpl", location: "kv/web.ctmpl:1",
                                                  how: "key of a computed key like \"svc/*/port\"")])
        #expect(comparison.uncheckedTemplates.map(\.how) == ["key of a key computed at render time"])
        #expect(comparison.renderedChanges(oldLabel: "A", newLabel: "B").map(\.key) == ["t/web.ctmpl"])
    }
}
