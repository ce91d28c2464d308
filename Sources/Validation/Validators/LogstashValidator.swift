import KVCore
import LogstashConfig

/// Each Logstash snippet, rendered first when it is a template, must parse as Logstash parses it.
/// kvctl follows Logstash 7.6 and later, which parses every file of a pipeline on its own
/// (elastic/logstash#11456; a section may not open in one file and close in the next,
/// elastic/logstash#11637, #12780) and accepts a file of comments only (elastic/logstash#11615).
struct LogstashValidator: ItemValidator {
    static let syntax = Rule("logstash-syntax", .error, "A Logstash snippet does not parse.",
                             rationale: "Each file of a pipeline must be valid on its own; one syntax error stops the whole pipeline. Only input, filter and output may stand at top level; a file of only comments is fine.",
                             consumer: "Logstash parses each file of a pipeline with its LSCL grammar and raises ConfigurationError, so the pipeline does not start (elastic/logstash: logstash-core/lib/logstash/compiler.rb `compile_imperative`, logstash-core/lib/logstash/compiler/lscl/lscl_grammar.treetop)")
    static let commentAtEnd = Rule("logstash-comment-at-end", .warning, "A comment ends the file with no newline after it.",
                                   rationale: "Logstash releases before elastic/logstash#16058 (2024) require a newline after every comment and reject such a file (elastic/logstash#15651); later ones accept it.")

    var rules: [Rule] { [Self.syntax, Self.commentAtEnd] }

    func validate(_ item: Item, in version: VersionUnderTest) -> [Diagnostic] {
        var seen: Set<SourceLocation> = []
        return item.logstash.compactMap { check in
            let rendered = item.isTemplate ? " (in the rendered template\(check.branch.map { ", with secrets and services taken as \($0)" } ?? ""))" : ""
            switch check.result {
            case .failure(let error):
                let at = check.location(line: error.line, column: error.column)
                guard seen.insert(at).inserted else { return nil }
                // The position is the finding's own; the parser's "at line L, column C" would name the rendered text's.
                let sentence = error.message.range(of: " at line ").map { String(error.message[..<$0.lowerBound]) } ?? error.message
                return Self.syntax.finding(at: at, sentence + rendered)
            case .success(let config):
                guard let comment = config.unterminatedComment else { return nil }
                let at = check.location(line: comment.line, column: comment.column)
                guard seen.insert(at).inserted else { return nil }
                return Self.commentAtEnd.finding(at: at,
                    "this comment runs into the end of the file\(rendered); add a newline after it: Logstash releases before elastic/logstash#16058 reject a comment without one")
            }
        }
    }
}
