import LogstashConfig
import Testing
import TextPositions

@Suite("Logstash errors, AST and queries")
struct LogstashStructureTests {
    func failure(_ source: String) -> LogstashSyntaxError? {
        do {
            _ = try LogstashParser.parse(source)
            return nil
        } catch {
            return error
        }
    }

    @Test func topLevelIfMessage() throws {
        let error = try #require(failure("if [a] { }"))
        #expect(error.expected == ["\"input\"", "\"filter\"", "\"output\""])
        #expect(error.message == #"expected one of "input", "filter", "output" at line 1, column 1"#)
        #expect(error.offset == 0)
    }

    @Test func singleExpectation() throws {
        let error = try #require(failure("filters { }"))
        #expect(error.message == #"expected "{" at line 1, column 7"#)
        #expect(error.offset == 6)
    }

    @Test func unclosedSectionExpectations() throws {
        let error = try #require(failure("filter {"))
        #expect(error.expected == ["\"if\"", "a name", "a string", "\"}\""])
    }

    @Test func arrayWithoutCommaExpectations() throws {
        let error = try #require(failure(#"filter { mutate { add_tag => ["a" "b"] } }"#))
        #expect(error.expected == ["\"{\"", "\",\"", "\"]\""])
    }

    @Test func unterminatedStringNamesTheQuote() throws {
        let error = try #require(failure(#"filter { mutate { id => "abc } }"#))
        #expect(error.expected == [#"'"' to close the string"#])
    }

    /// Logstash before elastic/logstash#16058 required a newline after every comment
    /// (`"#" [^\r\n]* "\r"? "\n"` in lscl_grammar.treetop; elastic/logstash#15651), so the AST
    /// says where one runs into the end of the text.
    @Test("a comment running into the end of input is located", arguments: [
        ("input { stdin { } } # done", 1, 21), ("# only\n# comments", 2, 1), ("output { }\n  # last", 2, 3),
        ("filter { } #a # b", 1, 12),
    ])
    func unterminatedComment(source: String, line: Int, column: Int) throws {
        let comment = try #require(try LogstashParser.parse(source).unterminatedComment)
        #expect(comment.line == line)
        #expect(comment.column == column)
    }

    @Test("comments that end with a newline, or none at the end", arguments: [
        "input { stdin { } } # done\n", "# only\n", "output { }", "", "filter { mutate { a => \"#\" } }", "# a\n\n  ",
    ])
    func terminatedComments(source: String) throws {
        #expect(try LogstashParser.parse(source).unterminatedComment == nil)
    }

    @Test func byteOffsetCountsUTF8() throws {
        let error = try #require(failure(#"filter { mutate { add_tag => ["é"] x } }"#))
        #expect(error.column == 38)
        #expect(error.offset == 38)  // é takes two bytes
    }

    @Test func conditionShape() throws {
        let config = try LogstashParser.parse(#"filter { if [a][b] == "x" and !([c] in [1, 2]) { drop { } } }"#)
        let section = try #require(config.sections.first)
        #expect(section.kind == .filter)
        guard case .branch(let branch) = section.items.first else {
            Issue.record("expected a branch")
            return
        }
        let condition = try #require(branch.clauses.first?.condition)
        #expect(condition.operators == [.and])
        #expect(condition.expressions.count == 2)
        guard case .comparison(let lhs, .equal, let rhs) = condition.expressions[0].kind else {
            Issue.record("expected a comparison")
            return
        }
        #expect(lhs.kind == .selector(["a", "b"]))
        #expect(rhs.kind == .string("x"))
        guard case .negatedGroup(let group) = condition.expressions[1].kind,
              case .membership(_, let list, negated: false) = group.expressions.first?.kind,
              case .array(let items) = list.kind else {
            Issue.record("expected !( … in [ … ])")
            return
        }
        #expect(items.map(\.scalarText) == ["1", "2"])
        #expect(branch.elseClause == nil)
        guard case .plugin(let drop) = branch.clauses[0].body.first else {
            Issue.record("expected drop")
            return
        }
        #expect(drop.name == "drop")
        #expect(drop.position == TextPosition(line: 1, column: 50, offset: 49))
    }

    @Test func valuesAndPositions() throws {
        let source = """
            output {
              elasticsearch {
                hosts => ["a:9200", "b:9200"]
                codec => json { charset => "UTF-8" }
                headers => { "X" => 'y' 2 => 3.5 }
              }
            }
            """
        let config = try LogstashParser.parse(source)
        let es = try #require(config.plugins().first?.plugin)
        #expect(es.name == "elasticsearch")
        #expect(es.position == TextPosition(line: 2, column: 3, offset: 11))
        #expect(es.attributes.map(\.name) == ["hosts", "codec", "headers"])
        let hosts = try #require(es.attribute("hosts"))
        #expect(hosts.position.line == 3 && hosts.position.column == 14)
        guard case .array(let list) = hosts.kind else {
            Issue.record("hosts should be an array")
            return
        }
        #expect(list.map(\.scalarText) == ["a:9200", "b:9200"])
        guard case .plugin(let codec) = es.attribute("codec")?.kind else {
            Issue.record("codec should be a plugin")
            return
        }
        #expect(codec.name == "json")
        #expect(codec.attribute("charset")?.kind == .string("UTF-8"))
        guard case .hash(let entries) = es.attribute("headers")?.kind else {
            Issue.record("headers should be a hash")
            return
        }
        #expect(entries.map(\.key.kind) == [.string("X"), .number("2")])
        #expect(entries.map(\.value.kind) == [.string("y"), .number("3.5")])
    }

    @Test func stringsKeepTheirRawText() throws {
        let config = try LogstashParser.parse(#"filter { ruby { code => "a \"b\" \n c" } }"#)
        let ruby = try #require(config.plugins().first?.plugin)
        #expect(ruby.attribute("code")?.kind == .string(#"a \"b\" \n c"#))
    }

    @Test func pluginIDsAcrossSectionsAndBranches() throws {
        let config = try LogstashParser.parse(beatsInput + "\n" + enrichmentFilter + "\n" + elasticsearchOutput)
        let ids = config.pluginIDs()
        #expect(ids.map(\.id) == ["beats_in", "es_out"])
        #expect(ids.map(\.pluginName) == ["beats", "elasticsearch"])
        #expect(ids.map(\.section) == [.input, .output])
        #expect(ids[0].position == TextPosition(line: 3, column: 11, offset: 28))
        #expect(ids[1].position == TextPosition(line: 12 + 18 + 4, column: 13, offset: ids[1].position.offset))
    }

    @Test func codecIDsAreNotPipelinePlugins() throws {
        let config = try LogstashParser.parse(#"input { stdin { id => in1 codec => json { id => "c" } } }"#)
        #expect(config.pluginIDs().map(\.id) == ["in1"])
    }

    @Test func pluginCountsPerSection() throws {
        let config = try LogstashParser.parse(enrichmentFilter + "\n" + elasticsearchOutput)
        #expect(config.pluginCounts() == [.input: 0, .filter: 5, .output: 2])
    }
}
