import ConsulTemplate
import LogstashConfig
import Testing
import TextPositions

/// A template rendered against `kv`, with the exact output expected.
struct RenderCase: Sendable, CustomTestStringConvertible {
    let name: String
    let source: String
    let output: String
    var testDescription: String { name }
}

let kv = DictionaryKeyLookup([
    "es/host": "es.internal",
    "es/port": "9200",
    "app/hosts/a": "10.0.0.1",
    "app/hosts/b": "10.0.0.2",
    "app/hosts/deep/c": "10.0.0.3",
    "app/hosts/folder/": "",
    "app/hostsX/e": "10.0.0.5",
    "flags/debug": "true",
    "list": "x,y,z",
    "count": "41",
])

let renderCases: [RenderCase] = [
    // key, keyOrDefault, keyExists and the "@dc" suffix: consul-template template/funcs.go (keyFunc,
    // keyWithDefaultFunc, keyExistsFunc) and dependency/kv_get.go (KVGetQueryRe: prefix@dc).
    RenderCase(name: "key", source: #"host => "{{ key "es/host" }}""#, output: #"host => "es.internal""#),
    RenderCase(name: "key with datacenter", source: #"{{ key "es/host@dc1" }}"#, output: "es.internal"),
    RenderCase(name: "keyOrDefault present and absent",
               source: #"{{ keyOrDefault "es/port" "1" }} {{ keyOrDefault "es/user" "elastic" }}"#, output: "9200 elastic"),
    RenderCase(name: "piped keyOrDefault default", source: #"{{ "x" | keyOrDefault "nope" }}"#, output: "x"),
    RenderCase(name: "keyExists", source: #"{{ keyExists "es/host" }} {{ keyExists "nope" }}"#, output: "true false"),
    // ls skips keys containing "/", tree skips folder markers; keys are relative to the prefix
    // (template/funcs.go lsFunc/treeFunc, dependency/kv_list.go).
    RenderCase(name: "ls is one level", source: "{{ range ls \"app/hosts\" }}{{ .Key }}={{ .Value }};{{ end }}",
               output: "a=10.0.0.1;b=10.0.0.2;"),
    RenderCase(name: "tree is recursive", source: "{{ range $i, $p := tree \"app/hosts/\" }}{{ $i }}:{{ $p.Key }} {{ end }}",
               output: "0:a 1:b 2:deep/c "),
    // `ls` of an empty prefix renders an empty list (template/funcs.go lsFunc, emptyIsSafe true).
    RenderCase(name: "range else on empty ls", source: #"{{ range ls "none" }}x{{ else }}empty{{ end }}"#, output: "empty"),
    // Control structures, trim markers and comments: golang/go src/text/template/doc.go and exec.go
    // (walkRange, walkIfOrWith), parse/lex.go (trim markers "{{- " and " -}}", comments).
    RenderCase(name: "break and continue",
               source: #"{{ range $i, $e := ls "app/hosts" }}{{ if eq $i 0 }}{{ continue }}{{ end }}{{ $e.Value }}{{ break }}{{ end }}"#,
               output: "10.0.0.2"),
    RenderCase(name: "if / else if / else",
               source: #"{{ if keyExists "nope" }}a{{ else if eq (key "flags/debug") "true" }}b{{ else }}c{{ end }}"#, output: "b"),
    RenderCase(name: "with rebinds dot", source: #"{{ with key "es/host" }}[{{ . }}]{{ end }}{{ with "" }}no{{ else }}else{{ end }}"#,
               output: "[es.internal]else"),
    RenderCase(name: "trim markers", source: "a  {{- \" b \" -}}  \n c", output: "a b c"),
    RenderCase(name: "comments vanish", source: "a {{/* one */}} b {{- /* two */ -}} c", output: "a  bc"),
    // printf, print, println are fmt.Sprintf, fmt.Sprint, fmt.Sprintln (src/text/template/funcs.go);
    // verbs, padding and %!verb(type=value) from src/fmt/doc.go and print.go; Sprint adds spaces only
    // between operands when neither is a string.
    RenderCase(name: "printf verbs", source: #"{{ printf "%s|%d|%v|%q|%5s|%-3d|%.2f|%x" "a" 42 true "q" "r" 7 1.5 255 }}"#,
               output: #"a|42|true|"q"|    r|7  |1.50|ff"#),
    RenderCase(name: "printf wrong type", source: #"{{ printf "%d" "x" }}"#, output: "%!d(string=x)"),
    RenderCase(name: "print and println", source: #"{{ print "a" 1 2 "b" }}|{{ println 1 "x" }}"#, output: "a1 2b|1 x\n"),
    // split, join, toUpper, toLower, trimSpace, replaceAll, parseInt, parseBool, add, subtract,
    // contains, in: consul-template template/funcs.go (math functions take (b, a) and compute a op b).
    RenderCase(name: "split, join and friends",
               source: #"{{ key "list" | split "," | join ";" }} {{ toUpper "ab" }} {{ toLower "CD" }} [{{ trimSpace "  e " }}] {{ replaceAll "." "-" "a.b.c" }}"#,
               output: "x;y;z AB cd [e] a-b-c"),
    // len counts bytes of a string, index of a string gives a byte (src/text/template/funcs.go);
    // and/or return the deciding operand, eq takes several (same file, and doc.go "Functions").
    RenderCase(name: "len and index", source: #"{{ len (ls "app/hosts") }} {{ (index (ls "app/hosts") 1).Key }} {{ len "héllo" }}"#,
               output: "2 b 6"),
    RenderCase(name: "comparisons and logic",
               source: #"{{ lt 1 2 }} {{ ge "b" "a" }} {{ ne 1 1 }} {{ and 1 0 2 }} {{ or 0 "" "x" }} {{ not 0 }} {{ eq 3 1 2 3 }}"#,
               output: "true true false 0 x true true"),
    RenderCase(name: "parse and arithmetic", source: #"{{ key "count" | parseInt | add 1 }} {{ parseBool "T" }} {{ subtract 2 10 }}"#,
               output: "42 true 8"),
    RenderCase(name: "contains and in", source: #"{{ contains "b" "abc" }} {{ in (key "list" | split ",") "y" }}"#,
               output: "true true"),
    // toJSON marshals consul-template's whole dependency.KeyPair (dependency/kv_list.go: Path, Key,
    // Value, CreateIndex, ModifyIndex, LockIndex, Flags, Session, in that order; encoding/json
    // escapes <, > and &). Offline there are no indexes, flags or sessions: kvctl writes 0 and "".
    RenderCase(name: "toJSON", source: #"{{ ls "app/hosts" | toJSON }} {{ toJSON "<a>" }}"#,
               output: #"[{"Path":"app/hosts/a","Key":"a","Value":"10.0.0.1","CreateIndex":0,"ModifyIndex":0,"LockIndex":0,"Flags":0,"Session":""},"#
                   + #"{"Path":"app/hosts/b","Key":"b","Value":"10.0.0.2","CreateIndex":0,"ModifyIndex":0,"LockIndex":0,"Flags":0,"Session":""}] "\u003ca\u003e""#),
    // Consul lists keys by plain string prefix, in the byte order of the full key ("/" 2f before
    // "X" 58), and kv_list.go trims the prefix and leading "/": `tree "app/hosts"` also returns
    // app/hostsX/e as "X/e"; ls keeps only keys without "/" (template/funcs.go, lsFunc).
    RenderCase(name: "tree is a plain string prefix", source: #"{{ range tree "app/hosts" }}{{ .Key }}={{ .Path }} {{ end }}"#,
               output: "a=app/hosts/a b=app/hosts/b deep/c=app/hosts/deep/c X/e=app/hostsX/e "),
    RenderCase(name: "KeyPair fields", source: #"{{ with index (ls "app/hosts") 0 }}{{ .CreateIndex }} {{ .Flags }} [{{ .Session }}]{{ end }}"#,
               output: "0 0 []"),
    // fmt's parsenum (src/fmt/print.go) gives up on a width or precision past 1e6 and writes
    // %!(NOVERB) for the rest of the format; a 7-digit width is still honoured.
    RenderCase(name: "printf width and precision too large",
               source: #"{{ printf "a%999999999db" 1 }}|{{ printf "%.99999999999999999999f" 1.0 }}|{{ printf "%8d" 1 | len }}"#,
               output: "a%!(NOVERB)%!(EXTRA int=1)|%!(NOVERB)%!(EXTRA float64=1)|8"),
    // Go's integer division wraps math.MinInt64 / -1 to itself (the spec's "Integer operators").
    RenderCase(name: "division overflow wraps as in Go", source: "{{ divide -1 -9223372036854775808 }} {{ modulo -1 -9223372036854775808 }}",
               output: "-9223372036854775808 0"),
    // Variables, define/template and block: src/text/template/doc.go ("Variables", "Nested template
    // definitions"); numbers print with %v, i.e. strconv 'g' shortest (src/fmt/format.go fmtFloat).
    RenderCase(name: "variables", source: #"{{ $h := key "es/host" }}{{ $p := "1" }}{{ if true }}{{ $p = "2" }}{{ end }}{{ $h }}:{{ $p }}"#,
               output: "es.internal:2"),
    RenderCase(name: "define and template", source: #"{{ define "hp" }}{{ .Key }}:{{ .Value }}{{ end }}{{ range ls "app/hosts" }}{{ template "hp" . }},{{ end }}"#,
               output: "a:10.0.0.1,b:10.0.0.2,"),
    RenderCase(name: "block", source: #"<{{ block "b" "v" }}[{{ . }}]{{ end }}>"#, output: "<[v]>"),
    RenderCase(name: "number formatting", source: "{{ 1.5 }} {{ 3.0 }} {{ 1e6 }} {{ 0.00001 }} {{ 0x10 }}",
               output: "1.5 3 1e+06 1e-05 16"),
]

@Suite("Template rendering")
struct TemplateRenderTests {
    @Test(arguments: renderCases)
    func renders(_ example: RenderCase) throws {
        let result = try TemplateParser().parse(example.source).render(using: kv)
        #expect(result.output == example.output)
        #expect(result.blockedKeys.isEmpty)
        #expect(!result.usedPlaceholders)
    }

    @Test func missingKeyBlocksAndRendersEmpty() throws {
        // A missing key, and `safeLs` of an empty prefix, mark the dependency missing: consul-template
        // does not render (template/funcs.go keyFunc; lsFunc with emptyIsSafe false).
        let result = try TemplateParser().parse("a\n  [{{ key \"es/user\" }}] {{ safeLs \"none\" }}").render(using: kv)
        #expect(result.output == "a\n  [] []")
        #expect(result.blockedKeys.map(\.function) == ["key", "safeLs"])
        #expect(result.blockedKeys.map(\.key) == ["es/user", "none"])
        #expect(result.blockedKeys.map(\.position.line) == [2, 2])
        #expect(result.blockedKeys.map(\.position.column) == [7, 28])
    }

    @Test func secretPlaceholder() throws {
        let source = #"password => "{{ with secret "kv/data/es" }}{{ .Data.data.password }}{{ end }}""#
        let result = try TemplateParser().parse(source).render(using: kv)
        #expect(result.output == #"password => "SECRET_PLACEHOLDER""#)
        #expect(result.usedPlaceholders)
        #expect(result.placeholderFunctions == ["secret"])
    }

    @Test func servicePlaceholderRangesOnce() throws {
        let source = #"hosts => [{{ range service "es" }}"{{ .Address }}:{{ .Port }}"{{ end }}]"#
        let result = try TemplateParser().parse(source).render(using: kv)
        #expect(result.output == #"hosts => ["SERVICE_PLACEHOLDER:SERVICE_PLACEHOLDER"]"#)
        #expect(result.placeholderFunctions == ["service"])
    }

    @Test func placeholderTruthIsAnOption() throws {
        let template = try TemplateParser().parse(#"{{ if env "TLS" }}ssl => true{{ else }}ssl => false{{ end }} {{ envOrDefault "X" "d" }}"#)
        #expect(try template.render(using: kv).output == "ssl => true d")
        let falsy = try template.render(using: kv, options: RenderOptions(placeholdersAreTruthy: false))
        #expect(falsy.output == "ssl => false d")
        #expect(falsy.placeholderFunctions == ["env", "envOrDefault"])
    }

    @Test func renderErrorsHavePositions() throws {
        let template = try TemplateParser(name: "t").parse("x\n{{ eq 1 \"a\" }}")
        let error = try #require(throws: TemplateRenderError.self) { try template.render(using: kv) }
        #expect(error.line == 2 && error.column == 4)
        #expect(error.message == "error calling eq: incompatible types for comparison")
        let undefined = try TemplateParser(name: "t").parse(#"{{ template "nope" }}"#)
        #expect(throws: TemplateRenderError.self) { try undefined.render(using: kv) }
    }

    /// text/template/exec.go, evalCall: "wrong number of args for %s: want %d got %d" is an
    /// execution error, so a call on a path that never runs is no error at all.
    @Test func arityIsCheckedWhenExecuting() throws {
        let template = try TemplateParser(name: "t").parse("{{ if false }}{{ key \"a\" \"b\" }}{{ end }}x\n{{ keyOrDefault \"a\" }}")
        let error = try #require(throws: TemplateRenderError.self) { try template.render(using: kv) }
        #expect(error.message == "wrong number of args for keyOrDefault: want 2 got 1")
        #expect(error.line == 2 && error.column == 4)
        let piped = try TemplateParser(name: "t").parse(#"{{ printf "%s" key }}"#)
        #expect(throws: TemplateRenderError.self) { try piped.render(using: kv) }
    }

    @Test func sourceMapFollowsTextAndActions() throws {
        let source = """
            output {
              elasticsearch {
            {{- range ls "app/hosts" }}
                host_{{ .Key }} => "{{ .Value }}"
            {{- end }}
              }
            }
            """
        let result = try TemplateParser().parse(source).render(using: kv)
        #expect(result.output == """
            output {
              elasticsearch {
                host_a => "10.0.0.1"
                host_b => "10.0.0.2"
              }
            }
            """)
        let map = result.sourceMap
        #expect((1...6).map { map.templateLine(forOutputLine: $0) } == [1, 2, 4, 4, 6, 7])
        #expect(map.templateLine(forOutputLine: 7) == nil)
        // Output line 4 is `    host_b => "10.0.0.2"`: `b` comes from `{{ .Key }}`, `=` is text,
        // `1` comes from `{{ .Value }}`.
        #expect(map.templatePosition(forOutputLine: 4, column: 10) == TextPosition(line: 4, column: 10, offset: 64))
        #expect(map.templatePosition(forOutputLine: 4, column: 12)?.column == 21)
        #expect(map.templatePosition(forOutputLine: 4, column: 16)?.column == 25)
    }

    /// The product's flow: render, parse the output as Logstash, report at the template's line.
    @Test func logstashErrorMapsBackToTemplateLine() throws {
        let source = """
            # rendered by consul-template
            filter {
              mutate {
                add_field => { "env" => "{{ keyOrDefault "env" "prod" }}", "dc" => "{{ key "es/host" }}" }
              }
            }
            """
        let rendered = try TemplateParser().parse(source).render(using: kv)
        let error = try #require(throws: LogstashSyntaxError.self) { try LogstashParser.parse(rendered.output) }
        #expect(error.line == 4)
        let position = try #require(rendered.sourceMap.templatePosition(forOutputLine: error.line, column: error.column))
        #expect(position.line == 4)
        #expect(position.column == 62)  // the comma, right after the keyOrDefault action
        #expect(error.column == 35)
    }
}
