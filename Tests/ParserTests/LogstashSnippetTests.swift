import LogstashConfig
import Testing

/// One snippet and Logstash's verdict: nil for valid, else where the parse fails.
struct SnippetCase: Sendable, CustomTestStringConvertible {
    let name: String
    let source: String
    let failure: (line: Int, column: Int)?

    var testDescription: String { name }

    static func valid(_ name: String, _ source: String) -> SnippetCase {
        SnippetCase(name: name, source: source, failure: nil)
    }

    static func invalid(_ name: String, _ source: String, line: Int, column: Int) -> SnippetCase {
        SnippetCase(name: name, source: source, failure: (line, column))
    }
}

let beatsInput = """
    input {
      beats {
        id => "beats_in"
        port => 5044
        ssl => true
        ssl_certificate_authorities => ["/etc/pki/ca.crt"]
        ssl_certificate => "/etc/pki/logstash.crt"
        ssl_key => "/etc/pki/logstash.key"
        ssl_verify_mode => "force_peer"
        codec => json { charset => "UTF-8" }
      }
    }
    """

let enrichmentFilter = """
    filter {
      if [fields][log_type] == "nginx" {
        grok {
          match => { "message" => "%{COMBINEDAPACHELOG}" }
          tag_on_failure => ["_grok_nginx"]
        }
        date {
          match => [ "timestamp", "dd/MMM/yyyy:HH:mm:ss Z" ]
          remove_field => [ "timestamp" ]
        }
      } else if [fields][log_type] in ["syslog", "auth"] and ![host][name] {
        mutate { add_field => { "[host][name]" => "%{[agent][hostname]}" } }
      } else if [message] =~ /^\\{/ {
        json { source => "message" }
      } else {
        mutate { add_tag => [ "unparsed" ] }
      }
    }
    """

let elasticsearchOutput = """
    output {
      if "_grok_nginx" not in [tags] {
        elasticsearch {
          id => "es_out"
          hosts => ["https://es-1:9200", "https://es-2:9200"]
          index => "logs-%{[fields][log_type]}-%{+YYYY.MM.dd}"
          user => "writer"
          password => "${ES_PW}"
          ssl => true
          template_overwrite => false
          retry_on_conflict => 3
          custom_headers => { "X-Team" => "ops" "X-Env" => 'prod' }
        }
      } else {
        stdout { codec => rubydebug { metadata => true } }
      }
    }
    """

let snippetCases: [SnippetCase] = [
    // Valid: the reference's starter table.
    .valid("empty filter section", "filter { }"),
    .valid("stdin to stdout", "input { stdin { } } output { stdout { } }"),
    .valid("in list with else", #"filter { if [a] in ["x", "y"] { } else { drop { } } }"#),
    .valid("negative number and negated selector", "filter { if [n] >= -1.5 and ![m] { } }"),
    .valid("regexp with escaped slash", #"filter { if [msg] =~ /a\/b/ { } }"#),
    .valid("hash keys number and bareword", #"filter { mutate { add_field => { 1 => "a" foo => "b" } } }"#),
    .valid("array and bareword attributes", #"output { es { hosts => ["h:1"] ssl => true } }"#),
    .valid("comments after every token", """
        # leading comment
        input # after the section name
        { # after the brace
          beats # after the plugin name
          { # again
            port # after the attribute name
            => # after the arrow
            5044 # after the value
          } # after the plugin
        } # after the section
        # trailing comment without newline
        """),
    // Valid since Logstash 7.6: a file of a pipeline holding no section (elastic/logstash#11598,
    // fixed by #11615 with the grammar's `(cs plugin_section)* cs`; an empty file passes
    // SourceWithMetadata, which no longer checks the text for blanks).
    .valid("empty input", ""),
    .valid("only whitespace", " \n\t\r\n"),
    .valid("only a comment", "# nothing here\n"),
    .valid("a commented-out filter file", "#filter {\n#  ruby {\n#    code => 'event.set(\"a\", 1)'\n#  }\n#}\n"),
    // Valid since elastic/logstash#16058 (comments may end at end of input); see unterminatedComment.
    .valid("only a comment, no final newline", "# nothing here"),
    // Valid: realistic pipelines.
    .valid("beats input", beatsInput),
    .valid("grok, date and mutate in conditionals", enrichmentFilter),
    .valid("elasticsearch output with arrays and hashes", elasticsearchOutput),
    .valid("whole pipeline in one string", beatsInput + "\n" + enrichmentFilter + "\n" + elasticsearchOutput + "\n"),
    // Valid: grammar corners.
    .valid("not in with selector", "filter { if [a] not in [b] { } }"),
    .valid("parentheses and boolean operators", #"filter { if ("x" in [tags]) or ([a] == 1 and ![b]) { } }"#),
    .valid("string as regexp pattern", #"filter { if [a] !~ "^x" { } }"#),
    .valid("metadata selector", #"filter { if [@metadata][beat] == "filebeat" { } }"#),
    .valid("quoted plugin name", #"filter { "my-plugin" { } }"#),
    .valid("else is a legal plugin name", "filter { else { } }"),
    .valid("else if chain", "filter { if [a] { } else if [b] { } else if [c] { } else { } }"),
    .valid("escaped single quote", #"input { generator { count => 3 message => 'it\'s' } }"#),
    .valid("escaped double quote", #"filter { ruby { code => "event.set('x', \"y\")" } }"#),
    .valid("selector comparison, compact braces", "filter { if [a] == [b] { drop {} } }"),
    .valid("two sections of one kind", "filter { } filter { }"),
    .valid("method call in condition", "filter { if exists([a]) { } }"),
    .valid("no optional whitespace", #"filter{mutate{add_tag=>["a","b"]}}"#),
    .valid("codec plugin as value", "output { if [type] == \"x\" { stdout { codec => rubydebug } } }"),
    .valid("translate dictionary", #"filter { translate { dictionary => { "100" => "Continue" "200" => "OK" } } }"#),
    .valid("number forms", "filter { mutate { x => -3 y => 2.5 z => 7. } }"),
    .valid("CRLF line endings", "input {\r\n  beats {\r\n    port => 5044 # c\r\n  }\r\n}\r\n"),
    .valid("empty array and hash", "filter { mutate { remove_field => [] add_field => {} } }"),
    .valid("nested arrays", #"filter { x { a => [[1, 2], ["b"]] } }"#),
    .valid("xor and nand", "filter { if [a] xor [b] nand [c] { } }"),
    .valid("non-ASCII strings", #"filter { mutate { add_tag => ["日本", "é"] } }"#),

    // Invalid: the reference's starter table.
    .invalid("top-level if", "if [a] { }", line: 1, column: 1),
    .invalid("unclosed section", "filter {", line: 1, column: 9),
    .invalid("attribute without arrow", #"filter { mutate { id "x" } }"#, line: 1, column: 22),
    .invalid("triple equals", #"filter { if [a] === "b" { } }"#, line: 1, column: 19),
    .invalid("array without commas", #"filter { mutate { add_tag => ["a" "b"] } }"#, line: 1, column: 35),
    .invalid("hash with commas", #"filter { mutate { add_field => { "a" => "b", "c" => "d" } } }"#, line: 1, column: 44),
    .invalid("unknown section type", "filters { }", line: 1, column: 7),
    .invalid("unterminated string", #"filter { mutate { id => "abc } }"#, line: 1, column: 33),
    // Invalid: more.
    .invalid("top-level if after a section", "filter { } if [a] { }", line: 1, column: 12),
    .invalid("negated string", #"filter { if !"x" { } }"#, line: 1, column: 14),
    .invalid("one-letter bareword", "filter { mutate { codec => x } }", line: 1, column: 30),
    .invalid("plugin without braces", "input { stdin }", line: 1, column: 15),
    .invalid("text that is no section", "nothing here\n", line: 1, column: 1),
    .invalid("error on a later line", """
        input {
          beats {
            port => 5044
          }
        }
        filter {
          mutate { add_tag => ["a" "b"] }
        }
        """, line: 7, column: 28),
    .invalid("attributes need whitespace", #"filter { mutate { a => "x"b => "y" } }"#, line: 1, column: 27),
    .invalid("comment glued to a value ends the attributes", "filter { mutate { a => \"x\"# c\n b => 1 } }", line: 2, column: 2),
    .invalid("else without body", "filter { if [a] { } else }", line: 1, column: 26),
    .invalid("condition without body", "filter { if [a] == 1 }", line: 1, column: 22),
    .invalid("comma in selector", "filter { if [a,b] { } }", line: 1, column: 15),
    .invalid("trailing comma in array", #"output { x { hosts => ["a", ] } }"#, line: 1, column: 29),
    .invalid("extra closing brace", #"filter { mutate { add_tag => "a" } } }"#, line: 1, column: 38),
    .invalid("regexp operator with selector", "filter { if [a] =~ [b] { } }", line: 1, column: 20),
    .invalid("section never closed", #"filter { mutate { add_tag => ["a"] }"#, line: 1, column: 37),
    .invalid("column counts characters", #"filter { mutate { add_tag => ["é"] x } }"#, line: 1, column: 38),
    .invalid("unterminated regexp", "filter { if [a] =~ /abc { } }", line: 1, column: 30),
]

@Suite("Logstash snippets")
struct LogstashSnippetTests {
    @Test(arguments: snippetCases)
    func verdict(_ snippet: SnippetCase) {
        do {
            _ = try LogstashParser.parse(snippet.source)
            #expect(snippet.failure == nil, "parsed, but Logstash rejects it")
        } catch {
            guard let failure = snippet.failure else {
                Issue.record("rejected a valid snippet: \(error.message)")
                return
            }
            #expect(error.line == failure.line, "\(error.message)")
            #expect(error.column == failure.column, "\(error.message)")
        }
    }

    @Test(arguments: snippetCases)
    func bytesAndStringAgree(_ snippet: SnippetCase) {
        let fromString = Result { try LogstashParser.parse(snippet.source) }
        let fromBytes = Result { try LogstashParser.parse(utf8: Array(snippet.source.utf8)) }
        switch (fromString, fromBytes) {
        case (.success(let a), .success(let b)): #expect(a == b)
        case (.failure(let a), .failure(let b)): #expect(a as? LogstashSyntaxError == b as? LogstashSyntaxError)
        default: Issue.record("string and byte parsing disagree")
        }
    }
}
