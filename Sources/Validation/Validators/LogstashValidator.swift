import KVCore
import LogstashConfig

/// Each Logstash snippet, rendered first when it is a template, must parse as Logstash parses it.
struct LogstashValidator: ItemValidator {
    static let syntax = Rule("logstash-syntax", .error, "A Logstash snippet does not parse.",
                             rationale: "Logstash concatenates every snippet of a pipeline; one syntax error stops the whole pipeline. Only input, filter and output may stand at top level.")

    var rules: [Rule] { [Self.syntax] }

    func validate(_ item: Item, in version: VersionUnderTest) -> [Diagnostic] {
        var seen: Set<SourceLocation> = []
        return item.logstash.compactMap { check in
            guard case .failure(let error) = check.result else { return nil }
            let at = check.location(line: error.line, column: error.column)
            guard seen.insert(at).inserted else { return nil }
            let rendered = item.isTemplate ? " (in the rendered template\(check.branch.map { ", with secrets and services taken as \($0)" } ?? ""))" : ""
            // The position is the finding's own; the parser's "at line L, column C" would name the rendered text's.
            let sentence = error.message.range(of: " at line ").map { String(error.message[..<$0.lowerBound]) } ?? error.message
            return Self.syntax.finding(at: at, sentence + rendered)
        }
    }
}
