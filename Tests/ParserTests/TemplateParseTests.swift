import ConsulTemplate
import Testing
import TextPositions

/// A template and Go's verdict: nil for valid, else the message and where it is reported.
struct TemplateCase: Sendable, CustomTestStringConvertible {
    let name: String
    let source: String
    let failure: (message: String, line: Int, column: Int)?

    var testDescription: String { name }

    static func valid(_ name: String, _ source: String) -> TemplateCase {
        TemplateCase(name: name, source: source, failure: nil)
    }

    static func invalid(_ name: String, _ source: String, _ message: String, line: Int, column: Int) -> TemplateCase {
        TemplateCase(name: name, source: source, failure: (message, line, column))
    }
}

/// Verdicts and messages are Go's: golang/go src/text/template/parse/parse.go (itemList,
/// parseControl, pipeline, term, useVar, checkPipeline) and parse/lex.go (unclosed action, comments,
/// quoted strings); "unexpected EOF: {{x}} opened at line N is never closed" adds the opening line
/// to Go's "unexpected EOF".
let templateCases: [TemplateCase] = [
    .valid("plain text", "input { beats { port => 5044 } }\n"),
    .valid("key and keyOrDefault", #"port => {{ key "logstash/port" }} host => "{{ keyOrDefault "es/host" "localhost" }}""#),
    .valid("piped default counts as an argument", #"{{ "9200" | keyOrDefault "es/port" }}"#),
    .valid("if, else if, else", #"{{ if keyExists "a" }}a{{ else if eq (key "b") "x" }}b{{ else }}c{{ end }}"#),
    .valid("range with index and element, break and continue",
           #"{{ range $i, $e := ls "hosts" }}{{ if eq $i 0 }}{{ continue }}{{ end }}{{ $e.Key }}{{ break }}{{ end }}"#),
    .valid("range else", #"{{ range tree "x" }}{{ .Key }}{{ else }}none{{ end }}"#),
    .valid("with, else with, else", #"{{ with secret "kv/a" }}{{ .Data.password }}{{ else with secret "kv/b" }}b{{ else }}c{{ end }}"#),
    .valid("define, template, block",
           #"{{ define "host" }}{{ . }}{{ end }}{{ template "host" "h" }}{{ block "port" 1 }}{{ . }}{{ end }}"#),
    .valid("variables declared and assigned", #"{{ $x := key "a" }}{{ $x = "b" }}{{ $x }}{{ $ }}"#),
    .valid("parenthesised pipeline with field", #"{{ (index (ls "a") 0).Value }}"#),
    .valid("literals", #"{{ printf "%s %d %v %q %v %v" `raw` 0x1F 1.5e3 'a' true nil }}"#),
    .valid("trim markers and comments", "a {{- /* note */ -}} b {{- 1 -}}\n c"),
    .valid("negative number is not a trim marker", "{{-3}}"),
    .valid("sprig functions", #"{{ sprig_upper "a" | sprig_trim }}"#),
    .valid("multi-line action", "{{ printf \"%s\"\n  (key \"a\") }}"),

    .invalid("unclosed if", "{{ if true }}a", "unexpected EOF: {{if}} opened at line 1 is never closed by {{end}}",
             line: 1, column: 15),
    .invalid("unclosed range on line 3", "a\nb\n{{ range ls \"x\" }}\n{{ .Key }}\n",
             "unexpected EOF: {{range}} opened at line 3 is never closed by {{end}}", line: 5, column: 1),
    .invalid("unclosed else if", "{{ if true }}\n{{ else if false }}\n",
             "unexpected EOF: {{else if}} opened at line 2 is never closed by {{end}}", line: 3, column: 1),
    .invalid("unclosed define", #"{{ define "x" }}body"#,
             "unexpected EOF: {{define}} opened at line 1 is never closed by {{end}}", line: 1, column: 21),
    .invalid("stray end", "text\n  {{ end }}", "unexpected {{end}}", line: 2, column: 3),
    .invalid("stray else", "{{ else }}", "unexpected {{else}}", line: 1, column: 1),
    .invalid("unknown function", #"{{ keyz "a" }}"#, #"function "keyz" not defined"#, line: 1, column: 4),
    // Go's parser does not count arguments: evalCall in text/template/exec.go reports "wrong
    // number of args" when the call executes (see TemplateRenderTests.arityIsCheckedWhenExecuting).
    .valid("argument counts are not checked when parsing", #"{{ if false }}{{ keyOrDefault "a" }}{{ key "a" "b" }}{{ printf }}{{ end }}"#),
    // Go's parser stops at 10,000 nested parentheses (text/template/parse/parse.go, term() and
    // maxStackDepth); kvctl's nesting limit is lower and counts blocks too (README, Limits).
    .invalid("parentheses past the nesting limit", "{{ " + String(repeating: "(", count: TemplateLimits.nesting + 1) + "1"
                 + String(repeating: ")", count: TemplateLimits.nesting + 1) + " }}",
             "nesting deeper than \(TemplateLimits.nesting) levels of blocks and parentheses (kvctl limit)",
             line: 1, column: 4 + TemplateLimits.nesting),
    .invalid("blocks past the nesting limit", "x\n" + String(repeating: "{{ if true }}", count: TemplateLimits.nesting + 1),
             "nesting deeper than \(TemplateLimits.nesting) levels of blocks and parentheses (kvctl limit)",
             line: 2, column: 1 + 13 * TemplateLimits.nesting),
    .invalid("stray brace in operand", "{{ .Foo } }}", #"unexpected "}" in operand"#, line: 1, column: 9),
    .invalid("unterminated string", #"{{ key "abc }}"#, "unterminated quoted string", line: 1, column: 8),
    .invalid("unclosed action", #"{{ key "a" "#, "unclosed action", line: 1, column: 1),
    .invalid("unclosed action at EOF", #"ab {{ key "a""#, "unclosed action", line: 1, column: 4),
    .invalid("unclosed left paren", #"{{ (key "a" }}"#, "unclosed left paren", line: 1, column: 13),
    .invalid("missing if condition", "{{ if }}{{ end }}", "missing value for if", line: 1, column: 7),
    .invalid("undefined variable", "{{ $x }}", #"undefined variable "$x""#, line: 1, column: 4),
    .invalid("variable out of scope after end", #"{{ if true }}{{ $x := 1 }}{{ end }}{{ $x }}"#,
             #"undefined variable "$x""#, line: 1, column: 39),
    .invalid("break outside range", "{{ break }}", "{{break}} outside {{range}}", line: 1, column: 4),
    .invalid("unclosed comment", "a {{/* note", "unclosed comment", line: 1, column: 3),
    .invalid("comment not followed by delimiter", "{{/* a */ x }}", "comment ends before closing delimiter",
             line: 1, column: 10),
    .invalid("literal in a later pipeline stage", #"{{ key "a" | "b" }}"#, "non executable command in pipeline stage 2",
             line: 1, column: 14),
    .invalid("double else", "{{ if true }}{{ else }}{{ else }}{{ end }}", "expected end; found {{else}}", line: 1, column: 24),
    .invalid("bad number", "{{ 12ab }}", #"bad number syntax: "12a""#, line: 1, column: 4),
    .invalid("template name must be a string", "{{ template x }}", #"unexpected "x" in template clause"#, line: 1, column: 13),
]

@Suite("Template parsing")
struct TemplateParseTests {
    @Test(arguments: templateCases)
    func verdict(_ example: TemplateCase) {
        do {
            _ = try TemplateParser(name: "t").parse(example.source)
            #expect(example.failure == nil, "parsed, but Go rejects it")
        } catch {
            guard let failure = example.failure else {
                Issue.record("rejected a valid template: \(error)")
                return
            }
            #expect(error.message == failure.message)
            #expect(error.line == failure.line, "\(error)")
            #expect(error.column == failure.column, "\(error)")
        }
    }

    @Test func goStyleDescription() throws {
        let error = try #require(throws: TemplateSyntaxError.self) {
            try TemplateParser(name: "pipeline.conf.tpl").parse("\n\n{{ keyz }}")
        }
        #expect(error.description == #"template: pipeline.conf.tpl:3:4: function "keyz" not defined"#)
    }

    @Test func customDelimiters() throws {
        let parser = TemplateParser(leftDelimiter: "[[", rightDelimiter: "]]")
        let template = try parser.parse(#"{{ not an action }} [[ key "a" ]]"#)
        #expect(template.keyReferences.map(\.key) == ["a"])
        let output = try template.render(using: DictionaryKeyLookup(["a": "1"])).output
        #expect(output == "{{ not an action }} 1")
    }

    @Test func extraFunctionsCanBeRegistered() throws {
        let custom = FunctionTable.consulTemplate.adding(
            FunctionSignature(name: "vaultish", minimumArguments: 1, maximumArguments: 1, category: .vault))
        #expect(throws: TemplateSyntaxError.self) { try TemplateParser().parse(#"{{ vaultish "a" }}"#) }
        let template = try TemplateParser(functions: custom).parse(#"{{ vaultish "a" }}"#)
        #expect(template.externalUses.map(\.function) == ["vaultish"])
    }

    @Test func referencesWithPositions() throws {
        let source = """
            hosts => ["{{ key "es/host@dc2" }}:{{ keyOrDefault "es/port" "9200" }}"]
            {{ range ls "logstash/tags" }}{{ .Key }}{{ end }}{{ if keyExists "feature/x" }}{{ end }}
            {{ range tree "pipelines/" }}{{ end }}{{ range safeLs "a" }}{{ end }}{{ "b" | key }}
            {{ key (printf "svc/%s/port" (env "SVC")) }}{{ $k := "c" }}{{ safeTree $k }}
            password => "{{ with secret "kv/data/es" }}{{ .Data.data.pw }}{{ end }}" {{ service "web@dc1" }}
            """
        let template = try TemplateParser().parse(source)
        let refs = template.keyReferences
        #expect(refs.map(\.function) == ["key", "keyOrDefault", "ls", "keyExists", "tree", "safeLs", "key", "key", "safeTree"])
        #expect(refs.map(\.key) == ["es/host", "es/port", "logstash/tags", "feature/x", "pipelines/", "a", "b", nil, nil])
        #expect(refs.map(\.datacenter) == ["dc2", nil, nil, nil, nil, nil, nil, nil, nil])
        #expect(refs.map(\.position.line) == [1, 1, 2, 2, 3, 3, 3, 4, 4])
        #expect(refs.map(\.position.column) == [19, 52, 13, 66, 15, 55, 73, 8, 72])
        #expect(refs.filter { !$0.isChecked }.count == 2)

        let uses = template.externalUses
        #expect(uses.map(\.function) == ["env", "secret", "service"])
        #expect(uses.map(\.category) == [.environment, .vault, .catalog])
        #expect(uses.map(\.argument) == ["SVC", "kv/data/es", "web@dc1"])
        #expect(uses.map(\.position) == [
            TextPosition(line: 4, column: 31, offset: uses[0].position.offset),
            TextPosition(line: 5, column: 22, offset: uses[1].position.offset),
            TextPosition(line: 5, column: 77, offset: uses[2].position.offset),
        ])
    }

    @Test func treeShape() throws {
        let template = try TemplateParser().parse("a{{ if .X }}b{{ else if .Y }}c{{ end }}")
        #expect(template.root.count == 2)
        guard case .control(let outer) = template.root[1] else {
            Issue.record("expected a control node")
            return
        }
        #expect(outer.kind == .if)
        #expect(outer.pipeline.commands.first?.arguments.first?.kind == .field(["X"]))
        guard case .control(let inner) = outer.elseBody?.first else {
            Issue.record("else if should nest an if")
            return
        }
        #expect(inner.pipeline.commands.first?.arguments.first?.kind == .field(["Y"]))
        #expect(inner.elseBody == nil)
        #expect(inner.position.column == 14)
    }
}
