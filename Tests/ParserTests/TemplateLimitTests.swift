import ConsulTemplate
import TestSupport
import Testing

/// Hostile templates end in an error that names the limit and where it was hit, in bounded time
/// and memory (README, "Limits"). Time ceilings are generous: they catch hangs, not slowness.
@Suite("Template limits")
struct TemplateLimitTests {
    let ceiling = Duration.seconds(60)
    let nestingMessage = "nesting deeper than \(TemplateLimits.nesting) levels of blocks and parentheses (kvctl limit)"

    func parseError(_ source: String) throws -> TemplateSyntaxError {
        try #require(throws: TemplateSyntaxError.self) { try TemplateParser(name: "t").parse(source) }
    }

    func renderError(_ source: String) throws -> TemplateRenderError {
        let template = try TemplateParser(name: "t").parse(source)
        return try #require(throws: TemplateRenderError.self) { try template.render(using: kv) }
    }

    @Test func tenThousandNestedIfs() throws {
        let error = try parseError(String(repeating: "{{if true}}", count: 10_000) + String(repeating: "{{end}}", count: 10_000))
        #expect(error.message == nestingMessage)
        #expect(error.line == 1 && error.column == 1 + 11 * TemplateLimits.nesting)
    }

    @Test func tenThousandNestedParentheses() throws {
        let error = try parseError("{{ " + String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000) + " }}")
        #expect(error.message == nestingMessage)
        #expect(error.line == 1 && error.column == 4 + TemplateLimits.nesting)
    }

    /// Go parses `else if` as an `if` inside the else branch (parse.go, parseControl), so a chain
    /// nests; kvctl counts each link against the nesting limit.
    @Test func longElseIfChain() throws {
        let source = "{{if false}}" + String(repeating: "{{else if false}}", count: 100_000) + "{{end}}"
        let error = try parseError(source)
        #expect(error.message == nestingMessage)
        #expect(error.column == 1 + 12 + 17 * (TemplateLimits.nesting - 1))
    }

    @Test func oneMoreCommandThanGoAllows() throws {
        let stages = String(repeating: " | print", count: TemplateLimits.pipelineCommands - 1)
        let clock = ContinuousClock()
        var output: String?
        let elapsed = clock.measure { output = try? TemplateParser().parse("{{ 1\(stages) }}").render(using: kv).output }
        #expect(output == "1")
        #expect(elapsed < ceiling)
        let error = try parseError("{{ 1\(stages) | print }}")
        #expect(error.message == "pipeline too long: more than \(TemplateLimits.pipelineCommands) commands (Go's limit)")
        #expect(error.column == 8 * TemplateLimits.pipelineCommands)
    }

    @Test func hundredThousandVariables() throws {
        var source = ""
        for i in 0..<100_000 { source += "{{ $v\(i) := \(i) }}" }
        source += "{{ $v0 }}{{ $v99999 }}"
        let clock = ContinuousClock()
        var output: String?
        let elapsed = clock.measure { output = try? TemplateParser().parse(source).render(using: kv).output }
        #expect(output == "099999")
        #expect(elapsed < ceiling)
    }

    @Test func twentyNestedRangesExhaustTheStepBudget() throws {
        let source = "x\n" + String(repeating: #"{{ range ls "app/hosts" }}"#, count: 20) + "." + String(repeating: "{{ end }}", count: 20)
        let clock = ContinuousClock()
        let template = try TemplateParser(name: "t").parse(source)
        var error: TemplateRenderError?
        let elapsed = clock.measure {
            do { _ = try template.render(using: kv) } catch let failure as TemplateRenderError { error = failure } catch {}
        }
        #expect(elapsed < ceiling)
        #expect(error?.message == "render budget exceeded: more than \(RenderOptions().maximumSteps) steps (kvctl limit)")
        #expect(error?.line == 2)
    }

    @Test func rangeOverAHugeIntegerCostsStepsNotMemory() throws {
        let error = try renderError("{{ range 9223372036854775807 }}.{{ end }}")
        #expect(error.message == "render budget exceeded: more than \(RenderOptions().maximumSteps) steps (kvctl limit)")
        #expect(error.line == 1)
    }

    @Test func fortyDefinitionsCallingTheNextTwice() throws {
        var source = ""
        for i in 0..<40 { source += #"{{ define "d\#(i)" }}{{ template "d\#(i + 1)" }}{{ template "d\#(i + 1)" }}{{ end }}"# }
        source += #"{{ define "d40" }}x{{ end }}{{ template "d0" }}"#
        let error = try renderError(source)
        #expect(error.message == "render budget exceeded: more than \(RenderOptions().maximumTemplateCalls) template calls (kvctl limit)")
        #expect(error.line == 1)
    }

    @Test func runawayRecursionStopsAtTheDepthLimit() throws {
        let error = try renderError(#"{{ define "r" }}{{ template "r" }}{{ end }}{{ template "r" }}"#)
        #expect(error.message == "exceeded maximum template depth (\(RenderOptions().maximumTemplateDepth), kvctl limit)")
        #expect(error.line == 1 && error.column == 17)
    }

    /// Go would write a billion bytes for `%999999999d`... were it not for parsenum (see the
    /// render cases); seven digits are honoured, so output is what must be bounded.
    @Test func outputIsBounded() throws {
        let error = try renderError(#"{{ range 100 }}{{ printf "%9999999d" 1 }}{{ end }}"#)
        #expect(error.message == "render budget exceeded: output larger than \(RenderOptions().maximumOutputBytes) bytes (kvctl limit)")
        #expect(error.line == 1 && error.column == 16)
    }

    /// At every limit at once, on the stack validation runs on.
    @Test func deepestAcceptedTemplateFitsAWorkerStack() {
        let depth = TemplateLimits.nesting
        let blocks = String(repeating: "{{ if true }}", count: depth) + "x" + String(repeating: "{{ end }}", count: depth)
        let parentheses = "{{ " + String(repeating: "(", count: depth) + "1" + String(repeating: ")", count: depth) + " }}"
        let recursion = #"{{ define "r" }}{{ if lt . \#(RenderOptions().maximumTemplateDepth - 1) }}{{ template "r" (add 1 .) }}{{ end }}{{ end }}{{ template "r" 0 }}y"#
        let outputs = onWorkerSizedStack {
            [blocks, parentheses, recursion].map { source in
                (try? TemplateParser().parse(source).render(using: kv).output) ?? "failed"
            }
        }
        #expect(outputs == ["x", "1", "y"])
    }
}
