import LogstashConfig
import TestSupport
import Testing

/// Hostile Logstash snippets end in an error naming the limit and its position, in bounded time.
@Suite("Logstash limits")
struct LogstashLimitTests {
    let ceiling = Duration.seconds(120)
    let message = "nesting deeper than \(LogstashLimits.nesting) levels of blocks, values and parentheses (kvctl limit)"

    func error(_ text: String) throws -> LogstashSyntaxError {
        try #require(throws: LogstashSyntaxError.self) { try LogstashParser.parse(text) }
    }

    @Test func fiftyThousandNestedIfs() throws {
        let text = "filter {\n" + String(repeating: "if [a] {", count: 50_000) + String(repeating: "}", count: 50_000) + "\n}"
        let error = try error(text)
        #expect(error.message.hasPrefix(message + " at line 2, column "))
        #expect(error.line == 2)
    }

    @Test func hundredThousandNestedParentheses() throws {
        let text = "filter { if " + String(repeating: "(", count: 100_000) + "[a]" + String(repeating: ")", count: 100_000) + " { } }"
        let error = try error(text)
        #expect(error.message.hasPrefix(message))
        // Depth 1 is the section body, 2 the condition, 2 + k the k-th parenthesis's condition.
        #expect(error.line == 1 && error.column == 13 + LogstashLimits.nesting - 1)
    }

    @Test func hundredThousandNestedArrays() throws {
        let text = "filter { mutate { add_tag => " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + " } }"
        let error = try error(text)
        #expect(error.message.hasPrefix(message))
        // Depth 1 is the section body, 2 the attribute's value, 2 + k the k-th array's element.
        #expect(error.line == 1 && error.column == 30 + LogstashLimits.nesting - 1)
    }

    /// An `else if` chain is a list, not a nesting (grammar.treetop, `if (cs else_if)*`): it parses
    /// whatever its length, in linear time, even on one line.
    @Test func hundredThousandElseIfBranches() throws {
        var text = "filter { if [a] == 0 { }"
        for i in 1..<100_000 { text += " else if [a] == \(i) { }" }
        text += " }"
        let clock = ContinuousClock()
        var branches = 0
        let elapsed = clock.measure {
            if case .branch(let branch)? = (try? LogstashParser.parse(text))?.sections[0].items[0] { branches = branch.clauses.count }
        }
        #expect(branches == 100_000)
        #expect(elapsed < ceiling)
    }

    @Test func deepestAcceptedSnippetFitsAWorkerStack() {
        let depth = LogstashLimits.nesting - 5
        let snippets = [
            "filter {" + String(repeating: "if [a] {", count: depth) + String(repeating: "}", count: depth) + "}",
            "filter { if " + String(repeating: "(", count: depth) + "[a]" + String(repeating: ")", count: depth) + " { } }",
            "filter { m { a => " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + " } }",
        ]
        let parsed = onWorkerSizedStack { snippets.map { (try? LogstashParser.parse($0)) != nil } }
        #expect(parsed == [true, true, true])
    }
}
