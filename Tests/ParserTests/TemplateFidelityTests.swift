import ConsulTemplate
import Testing

/// The fidelity table: templates with the exact bytes consul-template writes, each expectation
/// derived from the documented behaviour of Go's text/template and consul-template, never from
/// kvctl's own output. Sources, cited per group below:
/// - Go: golang/go src/text/template/doc.go (actions, trim markers, pipelines, functions),
///   exec.go (walkRange, walkIfOrWith, evalField, printValue), funcs.go (builtins eq/lt/index/slice/
///   len/print/html/urlquery); src/fmt/doc.go (verbs); src/strings (Split, Replace, ToUpper);
///   src/regexp/regexp.go (ReplaceAllString, Expand); src/encoding/json/encode.go (Marshal).
/// - consul-template: hashicorp/consul-template docs/templating-language.md and template/funcs.go
///   (every helper's body), template/template.go (`missingkey=zero`, data nil), dependency/kv_list.go.
let fidelityKV = DictionaryKeyLookup([
    "svc/web/port": "8080",
    "svc/web/host": "web.internal",
    "svc/web/tags": " a,b , c\n",
    "svc/db/port": "5432",
    // Byte order (Consul's, for listings): B 42 < Z 5a < a 61 < a-b (2d) < a/b (2f) < é c3 a9.
    // (A dictionary cannot hold both é and e+U+0301: Swift's String equality is canonical.)
    "order/B": "1",
    "order/a": "2",
    "order/a-b": "5",
    "order/a/b": "6",
    "order/Z": "4",
    "order/\u{e9}": "3",
    "json/cfg": #"{"name":"api","replicas":3,"ratio":0.5,"big":1e21,"tags":["x","y"],"nested":{"k":"v"},"none":null,"html":"<b>&"}"#,
    "empty": "",
    "text/mixed": "Hello, World",
])

let fidelityCases: [RenderCase] = [
    // Trim markers: doc.go "Text and spaces": `{{- ` trims all trailing white space (space, \t, \r, \n)
    // of the text before, ` -}}` the leading white space after; "{{-3}}" is the number -3.
    RenderCase(name: "trim left", source: "a  \t\r\n{{- \"b\" }}", output: "ab"),
    RenderCase(name: "trim right", source: "{{ \"a\" -}}  \n\t b", output: "ab"),
    RenderCase(name: "trim around a comment", source: "x {{- /* c */ -}} y", output: "xy"),
    RenderCase(name: "minus number is no trim marker", source: "{{-3}}", output: "-3"),
    RenderCase(name: "trim around if", source: "a \n{{- if true }} b {{ end -}}\n c", output: "a b c"),
    RenderCase(name: "trim inside range", source: "{{ range split \",\" \"1,2,3\" -}}\n  {{ . }}\n{{- end }}", output: "123"),
    // printf is fmt.Sprintf (funcs.go builtins); verbs, flags and %!verb(MISSING)/%!(EXTRA) from fmt/doc.go.
    RenderCase(name: "printf padding and precision", source: #"{{ printf "%05d|%-5s|%5.1f" 42 "ab" 3.14159 }}"#, output: "00042|ab   |  3.1"),
    RenderCase(name: "printf hex and bool", source: #"{{ printf "%x|%X|%t" 255 255 true }}"#, output: "ff|FF|true"),
    RenderCase(name: "printf missing operand", source: #"{{ printf "%s and %s" "a" }}"#, output: "a and %!s(MISSING)"),
    RenderCase(name: "printf extra operand", source: #"{{ printf "%d" 1 2 }}"#, output: "1%!(EXTRA int=2)"),
    RenderCase(name: "printf rounding and percent", source: #"{{ printf "%6.2f%%" 12.345 }}"#, output: " 12.35%"),
    RenderCase(name: "printf %q", source: #"{{ printf "%q" "a\"b" }}"#, output: #""a\"b""#),
    RenderCase(name: "printf %v of a list and a float", source: #"{{ printf "%v %v" (split "," "a,b") 1.5 }}"#, output: "[a b] 1.5"),
    // toJSON is json.Marshal (funcs.go toJSON): object keys sorted, <>& escaped as \u003c..., float64
    // as 'f' unless below 1e-6 or from 1e21 ('e', with e-07 cleaned to e-7), \b and \f by name.
    RenderCase(name: "toJSON of parsed JSON",
               source: #"{{ key "json/cfg" | parseJSON | toJSON }}"#,
               output: #"{"big":1e+21,"html":"\u003cb\u003e\u0026","name":"api","nested":{"k":"v"},"none":null,"ratio":0.5,"replicas":3,"tags":["x","y"]}"#),
    RenderCase(name: "toJSON string escapes", source: #"{{ toJSON "tab\there\b\f" }}"#, output: #""tab\there\b\f""#),
    RenderCase(name: "toJSON float layout",
               source: #"{{ parseJSON "1e-7" | toJSON }} {{ parseJSON "100000000000000000000" | toJSON }} {{ parseJSON "0.000001" | toJSON }}"#,
               output: "1e-7 100000000000000000000 0.000001"),
    RenderCase(name: "toJSON of split", source: #"{{ split "," "a,b" | toJSON }}"#, output: #"["a","b"]"#),
    RenderCase(name: "toJSONPretty", source: #"{{ toJSONPretty (parseJSON "{\"b\":[1,2],\"a\":{}}") }}"#,
               output: "{\n  \"a\": {},\n  \"b\": [\n    1,\n    2\n  ]\n}"),
    // split trims the text first (funcs.go split: strings.TrimSpace, then strings.Split); an empty
    // separator splits after each UTF-8 sequence; join is strings.Join.
    RenderCase(name: "split trims, join joins", source: #"{{ key "svc/web/tags" | split "," | join "|" }}"#, output: "a|b | c"),
    RenderCase(name: "split of empty is empty", source: #"{{ split "," "" | len }}"#, output: "0"),
    RenderCase(name: "split with empty separator", source: #"{{ split "" "h\u00e9llo" | join "." }}"#, output: "h.\u{e9}.l.l.o"),
    RenderCase(name: "split with a long separator", source: #"{{ split ",," "a,,b,,,c" | join "|" }}"#, output: "a|b|,c"),
    // parseJSON is json.Unmarshal into interface{} (funcs.go parseJSON): numbers are float64, so
    // %v prints 3 and 1e+21; "" gives an empty map; null and absent entries print <no value>
    // (exec.go evalPipeline turns the nil interface into no value).
    RenderCase(name: "parseJSON fields",
               source: #"{{ with parseJSON (key "json/cfg") }}{{ .name }}:{{ .replicas }}:{{ .ratio }}:{{ index .tags 1 }}:{{ .nested.k }}{{ end }}"#,
               output: "api:3:0.5:y:v"),
    RenderCase(name: "parseJSON big number prints as %v", source: #"{{ (parseJSON (key "json/cfg")).big }}"#, output: "1e+21"),
    RenderCase(name: "range over a parsed object is in key order",
               source: #"{{ range $k, $v := parseJSON (key "json/cfg") }}{{ $k }} {{ end }}"#,
               output: "big html name nested none ratio replicas tags "),
    RenderCase(name: "parseJSON of empty string", source: #"{{ parseJSON "" }}"#, output: "map[]"),
    RenderCase(name: "parseJSON null and absent", source: #"{{ (parseJSON (key "json/cfg")).none }}|{{ (parseJSON (key "json/cfg")).nope }}"#,
               output: "<no value>|<no value>"),
    RenderCase(name: "parseJSON array prints with %v", source: #"{{ parseJSON "[1,\"a\",true]" }}"#, output: "[1 a true]"),
    RenderCase(name: "parseJSON false is false", source: #"{{ if (parseJSON "{\"on\":false}").on }}yes{{ else }}no{{ end }}"#, output: "no"),
    // contains(v, l) is in(l, v) (funcs.go in): a string holding a string, a list holding a value of
    // the same kind (parsed JSON numbers are float64, so the int 1 is not found); anything else false.
    RenderCase(name: "contains in a string", source: #"{{ contains "World" (key "text/mixed") }} {{ contains "world" (key "text/mixed") }}"#,
               output: "true false"),
    RenderCase(name: "contains piped list", source: #"{{ split "," "a,b" | contains "b" }} {{ split "," "a,b" | contains "c" }}"#, output: "true false"),
    RenderCase(name: "contains compares kinds", source: #"{{ contains 1 (parseJSON "[1,2]") }} {{ contains 1.0 (parseJSON "[1,2]") }}"#, output: "false true"),
    RenderCase(name: "contains in a number is false", source: #"{{ contains "a" 5 }}"#, output: "false"),
    RenderCase(name: "in", source: #"{{ in (split "," "x,y") "y" }}"#, output: "true"),
    // replaceAll is strings.Replace(s, f, t, -1): an empty old string matches before every rune and at the end.
    RenderCase(name: "replaceAll", source: #"{{ replaceAll "." "_" "a.b.c" }}"#, output: "a_b_c"),
    RenderCase(name: "replaceAll empty old", source: #"{{ replaceAll "" "-" "abc" }}"#, output: "-a-b-c-"),
    RenderCase(name: "replaceAll piped", source: #"{{ key "svc/web/host" | replaceAll ".internal" "" }}"#, output: "web"),
    // regexReplaceAll is regexp.ReplaceAllString (funcs.go): $1 ${1} $name expand (regexp.go Expand:
    // `$1W` names the group "1W", which does not exist); an empty match right after a match is not replaced.
    RenderCase(name: "regexReplaceAll groups", source: "{{ regexReplaceAll `(\\w+)@(\\w+)` \"$2 at $1\" \"joe@example\" }}", output: "example at joe"),
    RenderCase(name: "regexReplaceAll $1W and ${1}W (regexp docs)",
               source: #"{{ regexReplaceAll "a(x*)b" "$1W" "-ab-axxb-" }}|{{ regexReplaceAll "a(x*)b" "${1}W" "-ab-axxb-" }}"#,
               output: "---|-W-xxW-"),
    RenderCase(name: "regexReplaceAll named groups",
               source: "{{ regexReplaceAll `(?P<first>\\w+) (?P<last>\\w+)` \"$last, $first\" \"Ada Lovelace\" }}", output: "Lovelace, Ada"),
    RenderCase(name: "regexReplaceAll empty matches", source: #"{{ regexReplaceAll "x*" "-" "abc" }} {{ regexReplaceAll "a*" "-" "baaac" }}"#,
               output: "-a-b-c- -b-c-"),
    RenderCase(name: "regexReplaceAll with an empty pattern", source: #"{{ regexReplaceAll "" "." "ab" }}"#, output: ".a.b."),
    RenderCase(name: "regexReplaceAll piped", source: #"{{ "v1.2.3" | regexReplaceAll "^v" "" }}"#, output: "1.2.3"),
    RenderCase(name: "regexMatch", source: "{{ regexMatch `^[a-z]+\\d$` \"abc1\" }} {{ regexMatch `^\\d` \"abc\" }}", output: "true false"),
    // toLower/toUpper are strings.ToLower/ToUpper: the simple per-rune mapping (ß has no single upper rune).
    RenderCase(name: "toUpper and toLower", source: #"{{ toUpper "straße" }} {{ toLower "ÀÉÎ" }}"#, output: "STRAßE àéî"),
    RenderCase(name: "toLower piped", source: #"{{ key "text/mixed" | toLower }}"#, output: "hello, world"),
    // ls/tree: Consul lists keys in byte order (its radix tree), kv_list.go makes them relative without
    // leading "/", ls keeps keys without "/", tree drops folder markers (funcs.go lsFunc, treeFunc).
    RenderCase(name: "ls in byte order", source: #"{{ range ls "order/" }}{{ .Key }}={{ .Value }} {{ end }}"#,
               output: "B=1 Z=4 a=2 a-b=5 \u{e9}=3 "),
    RenderCase(name: "tree in byte order", source: #"{{ range tree "order/" }}{{ .Key }} {{ end }}"#, output: "B Z a a-b a/b \u{e9} "),
    RenderCase(name: "ls without trailing slash", source: #"{{ range $i, $p := ls "svc/web" }}{{ $i }}{{ $p.Key }} {{ end }}"#,
               output: "0host 1port 2tags "),
    RenderCase(name: "ls one level only", source: #"{{ range ls "svc" }}x{{ else }}none{{ end }}"#, output: "none"),
    RenderCase(name: "tree recursive", source: #"{{ range tree "svc" }}{{ .Key }} {{ end }}"#, output: "db/port web/host web/port web/tags "),
    RenderCase(name: "tree with a filter", source: #"{{ range $p := tree "svc/" }}{{ if eq $p.Key "web/port" }}{{ $p.Value }}{{ end }}{{ end }}"#,
               output: "8080"),
    // range, break, continue, range over an integer (doc.go "Actions"), maps in key order (exec.go walkRange).
    RenderCase(name: "break and continue",
               source: #"{{ range $i, $e := split "," "a,b,c,d" }}{{ if eq $i 1 }}{{ continue }}{{ end }}{{ if eq $i 3 }}{{ break }}{{ end }}{{ $e }}{{ end }}"#,
               output: "ac"),
    RenderCase(name: "range over an integer", source: "{{ range 3 }}{{ . }}{{ end }}", output: "012"),
    RenderCase(name: "range over a map sorts keys by bytes", source: #"{{ range $k, $v := parseJSON "{\"b\":1,\"B\":2,\"a\":3}" }}{{ $k }}{{ $v }} {{ end }}"#,
               output: "B2 a3 b1 "),
    // with/else (doc.go): empty values are false; `with $x := ...` binds both $x and dot; else with.
    RenderCase(name: "with else", source: #"{{ with keyOrDefault "svc/nope" "" }}set{{ else }}unset{{ end }}"#, output: "unset"),
    RenderCase(name: "with declaration", source: #"{{ with $p := key "svc/web/port" }}{{ $p }}{{ . }}{{ end }}"#, output: "80808080"),
    RenderCase(name: "else with", source: #"{{ with "" }}a{{ else with "b" }}{{ . }}{{ end }}"#, output: "b"),
    RenderCase(name: "with an empty listing", source: #"{{ with ls "none" }}x{{ else }}empty{{ end }}"#, output: "empty"),
    // keyOrDefault returns the default for an absent key or an empty value (funcs.go keyWithDefaultFunc);
    // key of an empty value is "", keyExists true.
    RenderCase(name: "keyOrDefault of an empty value", source: #"{{ keyOrDefault "empty" "dflt" }}"#, output: "dflt"),
    RenderCase(name: "key and keyExists of an empty value", source: #"[{{ key "empty" }}]{{ keyExists "empty" }}"#, output: "[]true"),
    RenderCase(name: "empty key path", source: #"[{{ key "" }}]{{ keyExists "" }}{{ keyOrDefault "" "d" }}"#, output: "[]falsed"),
    // index (funcs.go): lists by position, maps by key (absent: the zero value, no value), strings by byte.
    RenderCase(name: "index of a list", source: #"{{ index (split "," "a,b,c") 2 }}"#, output: "c"),
    RenderCase(name: "index several levels", source: #"{{ index (parseJSON "{\"a\":{\"b\":[10,20]}}") "a" "b" 1 }}"#, output: "20"),
    RenderCase(name: "index of a string is a byte", source: #"{{ index "abc" 1 }}"#, output: "98"),
    RenderCase(name: "index of an absent map key", source: #"{{ index (parseJSON "{}") "x" }}"#, output: "<no value>"),
    // eq takes several arguments and is true when the first equals any other, stopping at the first
    // match; strings compare by bytes (no Unicode normalisation); an invalid operand equals nothing.
    RenderCase(name: "eq with several arguments", source: #"{{ eq 2 1 2 3 }} {{ eq "a" "b" "c" }}"#, output: "true false"),
    RenderCase(name: "eq stops at the first match", source: #"{{ eq 1 1 "x" }}"#, output: "true"),
    RenderCase(name: "eq compares bytes", source: #"{{ eq "\u00e9" "e\u0301" }}"#, output: "false"),
    RenderCase(name: "eq of a key", source: #"{{ eq (key "svc/web/port") "8080" }}"#, output: "true"),
    RenderCase(name: "eq of no value", source: #"{{ eq .Missing "x" }}"#, output: "false"),
    RenderCase(name: "ordering functions", source: #"{{ lt "B" "a" }} {{ le 2 2 }} {{ gt 2.5 1.5 }} {{ ge "a" "b" }} {{ ne "x" "y" }}"#,
               output: "true true true false true"),
    RenderCase(name: "and or not", source: #"{{ and 1 "" 3 }}|{{ or "" 0 }}|{{ not "" }}"#, output: "|0|true"),
    // Data is nil and missingkey=zero (template/template.go): a field of nil data prints <no value>.
    RenderCase(name: "field of nil data", source: "{{ .Foo }}", output: "<no value>"),
    // Other helpers of funcs.go: trim*, indent, base64, loop, parse*.
    RenderCase(name: "trimPrefix trimSuffix trim", source: #"{{ trimPrefix "v" "v1.2" }} {{ trimSuffix ".conf" "a.conf" }} {{ trim "-x" "x-a-x" }}"#,
               output: "1.2 a a"),
    RenderCase(name: "trimSpace", source: #"{{ key "svc/web/tags" | trimSpace }}"#, output: "a,b , c"),
    RenderCase(name: "indent skips empty lines", source: #"{{ indent 2 "a\nb\n\nc" }}"#, output: "  a\n  b\n\n  c"),
    RenderCase(name: "base64", source: #"{{ base64Encode "hi?" }} {{ base64Decode "aGk/" }} {{ base64URLEncode "hi?" }}"#, output: "aGk/ hi? aGk_"),
    RenderCase(name: "loop", source: "{{ range loop 2 5 }}{{ . }}{{ end }}", output: "234"),
    RenderCase(name: "parse of empty strings", source: #"{{ parseInt "" }} {{ parseBool "" }} {{ parseFloat "2.50" }}"#, output: "0 false 2.5"),
    // Go builtins html, urlquery, slice, len, print, println; number constants print with %v.
    RenderCase(name: "html", source: #"{{ html "<a href='x'>&</a>" }}"#, output: "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"),
    RenderCase(name: "urlquery", source: #"{{ urlquery "a b&c=d/é" }}"#, output: "a+b%26c%3Dd%2F%C3%A9"),
    RenderCase(name: "slice", source: #"{{ slice "abcdef" 1 3 }} {{ slice (split "," "a,b,c") 1 }}"#, output: "bc [b c]"),
    RenderCase(name: "len counts bytes", source: #"{{ len "héllo" }} {{ len (parseJSON "{\"a\":1,\"b\":2}") }}"#, output: "6 2"),
    RenderCase(name: "print spaces only between non-strings", source: #"{{ print "a" "b" 1 2 "c" }}"#, output: "ab1 2c"),
    RenderCase(name: "println", source: #"{{ println "x" 1 }}"#, output: "x 1\n"),
    RenderCase(name: "float constants", source: "{{ 2.50 }} {{ 1e3 }} {{ 100000.0 }} {{ 1000000.0 }}", output: "2.5 1000 100000 1e+06"),
    RenderCase(name: "math takes (b, a)", source: "{{ add 1 2 }} {{ subtract 1 10 }} {{ multiply 2 1.5 }} {{ divide 2 7 }} {{ modulo 3 10 }}",
               output: "3 9 3 3 1"),
    RenderCase(name: "assignment in a range", source: #"{{ $x := 1 }}{{ range split "," "a,b" }}{{ $x = . }}{{ end }}{{ $x }}"#, output: "b"),
    RenderCase(name: "template with and without data", source: #"{{ define "t" }}[{{ . }}]{{ end }}{{ template "t" "x" }}{{ template "t" }}"#,
               output: "[x][<no value>]"),
]

/// Templates that consul-template stops on, with Go's message (exec.go: "error calling NAME: ...").
struct FailureCase: Sendable, CustomTestStringConvertible {
    let name: String
    let source: String
    let message: String
    var testDescription: String { name }
}

let fidelityFailures: [FailureCase] = [
    // funcs.go eq/lt: errBadComparison "incompatible types for comparison" for two kinds,
    // errBadComparisonType "invalid type for comparison" for bools; named after the function called.
    FailureCase(name: "eq on mixed kinds", source: #"{{ eq 1 "x" }}"#, message: "error calling eq: incompatible types for comparison"),
    FailureCase(name: "lt on mixed kinds", source: #"{{ lt 1 "2" }}"#, message: "error calling lt: incompatible types for comparison"),
    FailureCase(name: "lt on int and float", source: "{{ lt 1 1.5 }}", message: "error calling lt: incompatible types for comparison"),
    FailureCase(name: "gt on bools", source: "{{ gt true false }}", message: "error calling gt: invalid type for comparison"),
    FailureCase(name: "index out of range", source: #"{{ index (split "," "a") 5 }}"#, message: "error calling index: index out of range: 5"),
    // exec.go evalField: a field of a nil interface (an absent entry) is "nil pointer evaluating".
    FailureCase(name: "field of an absent entry", source: #"{{ (parseJSON "{}").a.b }}"#, message: "nil pointer evaluating interface {}.b"),
    FailureCase(name: "field of a string", source: #"{{ (key "svc/web/port").Port }}"#, message: "can't evaluate field Port in type string"),
    // funcs.go parseInt wraps strconv's error with errors.Wrap(err, "parseInt").
    FailureCase(name: "parseInt of text", source: #"{{ parseInt "x" }}"#,
                message: #"error calling parseInt: parseInt: strconv.ParseInt: parsing "x": invalid syntax"#),
    FailureCase(name: "mustEnv unset", source: #"{{ mustEnv "NOPE" }}"#, message: "error calling mustEnv: required environment variable NOPE is empty"),
]

struct FixedEnvironment: KeyLookup {
    let base: DictionaryKeyLookup
    let variables: [String: String]
    func value(forKey key: String) -> String? { base.value(forKey: key) }
    func pairs(underPrefix prefix: String, recursive: Bool) -> [KeyValuePair] { base.pairs(underPrefix: prefix, recursive: recursive) }
    var environment: [String: String]? { variables }
}

@Suite("Template fidelity (consul-template and Go)")
struct TemplateFidelityTests {
    @Test func tableIsLargeEnough() {
        #expect(fidelityCases.count + fidelityFailures.count >= 60)
        #expect(Set(fidelityCases.map(\.name)).count == fidelityCases.count)
    }

    @Test(arguments: fidelityCases)
    func rendersExactly(_ example: RenderCase) throws {
        let result = try TemplateParser().parse(example.source).render(using: fidelityKV)
        #expect(Array(result.output.utf8) == Array(example.output.utf8), "\(result.output.debugDescription)")
        #expect(result.blockedKeys.isEmpty)
    }

    @Test(arguments: fidelityFailures)
    func failsAsGoDoes(_ example: FailureCase) throws {
        let template = try TemplateParser(name: "t").parse(example.source)
        let lookup = FixedEnvironment(base: fidelityKV, variables: [:])
        let error = try #require(throws: TemplateRenderError.self) { try template.render(using: lookup) }
        #expect(error.message == example.message)
        #expect(error.line == 1)
    }

    @Test func regexSyntaxErrorsAreRenderErrors() throws {
        let template = try TemplateParser(name: "t").parse(#"{{ regexReplaceAll "(" "" "x" }}"#)
        let error = try #require(throws: TemplateRenderError.self) { try template.render(using: fidelityKV) }
        #expect(error.message.hasPrefix("error calling regexReplaceAll: error parsing regexp"))
    }

    /// A catastrophic pattern is stopped by the budget, not left to run for hours.
    @Test func regexBacktrackingIsBounded() throws {
        let text = String(repeating: "a", count: 5_000) + "!"
        let template = try TemplateParser(name: "t").parse("{{ regexMatch `(a+)+$` \"\(text)\" }}")
        let error = try #require(throws: TemplateRenderError.self) { try template.render(using: fidelityKV) }
        #expect(error.message.contains("render budget exceeded"))
    }

    /// String functions refuse a result the output budget could never hold before building it.
    @Test(arguments: [
        #"{{ indent 1000000000 "a\nb\nc" }}"#,
        #"{{ $s := "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" }}{{ $t := replaceAll "" $s $s }}{{ $u := replaceAll "" $t $t }}{{ replaceAll "" $u $u }}"#,
        #"{{ $s := printf "%01000000d" 0 }}{{ regexReplaceAll "" $s $s }}"#,
    ])
    func hugeResultsAreRefused(_ source: String) throws {
        let template = try TemplateParser(name: "t").parse(source)
        let error = try #require(throws: TemplateRenderError.self) { try template.render(using: fidelityKV) }
        #expect(error.message.hasPrefix("render budget exceeded: output larger than"))
    }

    /// env, mustEnv and envOrDefault read the caller's environment when it knows one
    /// (funcs.go envFunc, envWithDefaultFunc: a set variable wins, even when empty).
    @Test func environmentFromTheCaller() throws {
        let lookup = FixedEnvironment(base: fidelityKV, variables: ["REGION": "eu", "EMPTY": ""])
        let template = try TemplateParser().parse(#"{{ env "REGION" }}|{{ envOrDefault "EMPTY" "d" }}|{{ mustEnv "REGION" }}"#)
        let result = try template.render(using: lookup)
        #expect(result.output == "eu||eu")
        #expect(!result.usedPlaceholders)
    }
}
