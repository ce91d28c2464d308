import Foundation
import JSONSchema
import Testing

/// Verdicts follow JSON Schema draft 2020-12 (https://json-schema.org/draft/2020-12/json-schema-validation,
/// -core); the official suite (OfficialSuiteTests) is the outside judge, these pin kvctl's messages.
struct SchemaValidationTests {
    func schema(_ text: String, options: ValidationOptions = .init()) throws -> Schema {
        try SchemaRegistry().compile(try JSONParser.parseValue(text), options: options)
    }

    func messages(_ schema: Schema, _ instance: String) throws -> [String] {
        schema.validate(try JSONParser.parseValue(instance)).map(\.description)
    }

    static let dashboardSchema = """
        {
          "type": "object",
          "required": ["title", "panels"],
          "properties": {
            "title": {"type": "string", "minLength": 1},
            "refresh": {"type": "string", "pattern": "^[0-9]+[smh]$"},
            "panels": {"type": "array", "items": {"$ref": "#/$defs/panel"}}
          },
          "$defs": {
            "panel": {
              "type": "object",
              "required": ["id", "type"],
              "properties": {
                "id": {"type": "integer", "minimum": 1},
                "type": {"enum": ["graph", "table", "stat"]},
                "datasource": {"type": "string", "format": "uri"},
                "targets": {"type": "array", "items": {"$ref": "#/$defs/target"}}
              },
              "additionalProperties": false
            },
            "target": {
              "type": "object",
              "properties": {
                "host": {"type": "string", "format": "hostname"},
                "port": {"type": "integer", "minimum": 1, "maximum": 65535}
              }
            }
          }
        }
        """

    @Test func messagesAreSpecific() throws {
        let s = try schema(Self.dashboardSchema)
        #expect(try messages(s, #"{"panels": []}"#) == [#"(root): missing required property "title""#])
        #expect(try messages(s, #"{"title": "", "panels": [], "refresh": "5x"}"#) == [
            "/title: string must not be empty",
            #"/refresh: string "5x" does not match pattern "^[0-9]+[smh]$""#,
        ])
        #expect(try messages(s, #"{"title": "t", "panels": [{"id": 1, "type": "pie", "colour": 1}]}"#) == [
            #"/panels/0/type: value "pie" is not one of the allowed values: "graph", "table", "stat""#,
            #"/panels/0/colour: property "colour" is not allowed"#,
        ])
        #expect(try messages(s, #"{"title": "t", "panels": [{"id": 1, "type": "stat", "targets": [{"port": "80"}, {"port": 70000}]}]}"#) == [
            #"/panels/0/targets/0/port: expected integer, got string "80""#,
            "/panels/0/targets/1/port: value 70000 is greater than maximum 65535",
        ])
        #expect(try messages(s, #"{"title": "t", "panels": [{"id": 1, "type": "stat", "datasource": "not a uri"}]}"#) == [
            #"/panels/0/datasource: "not a uri" is not a valid uri"#
        ])
    }

    @Test func errorCarriesKeywordLocation() throws {
        let s = try schema(Self.dashboardSchema)
        let error = try #require(s.validate(try JSONParser.parseValue(#"{"title": "t", "panels": [{"id": 0, "type": "stat"}]}"#)).first)
        #expect(error.instancePath == "/panels/0/id")
        #expect(error.keyword == "minimum")
        #expect(error.keywordLocation == "/$defs/panel/properties/id/minimum")
        #expect(error.message == "value 0 is less than minimum 1")
    }

    @Test func deepErrorMapsToLineAndColumn() throws {
        let s = try schema(Self.dashboardSchema)
        var panels: [String] = []
        for i in 1...30 {
            let port = i == 17 ? "\"8080\"" : "\(9000 + i)"
            panels.append(
                """
                    {
                      "id": \(i),
                      "type": "graph",
                      "targets": [
                        {"host": "db\(i).example.com", "port": \(port)}
                      ]
                    }
                """)
        }
        let text = "{\n  \"title\": \"Fleet\",\n  \"panels\": [\n" + panels.joined(separator: ",\n") + "\n  ]\n}\n"
        let bytes = Array(text.utf8)
        let fast = try JSONParser.parse(bytes)
        #expect(!s.isValid(fast.value))
        // Typical product flow: validate the fast parse, re-parse with positions only to report.
        let errors = s.validate(fast.value)
        #expect(errors.count == 1)
        let error = try #require(errors.first)
        #expect(error.instancePath == "/panels/16/targets/0/port")
        let positions = try #require(try JSONParser.parse(bytes, options: .init(recordPositions: true)).positions)
        let location = try #require(positions.location(of: error.instancePath))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let line = lines[location.line - 1]
        #expect(line.contains("\"db17.example.com\", \"port\": \"8080\""))
        #expect(line.dropFirst(location.column - 1).hasPrefix("\"8080\""))
        #expect(location.line == 3 + 16 * 7 + 5)
    }

    @Test func alternativesAreSummarized() throws {
        let s = try schema(#"{"properties": {"port": {"anyOf": [{"type": "integer"}, {"type": "string", "pattern": "^\\$\\{.+\\}$"}]}}}"#)
        let errors = s.validate(try JSONParser.parseValue(#"{"port": "eighty"}"#))
        #expect(errors.count == 1)
        #expect(errors.first?.instancePath == "/port")
        #expect(errors.first?.keyword == "anyOf")
        #expect(errors.first?.message == #"value does not match any alternative in anyOf: [0] expected integer, got string "eighty"; [1] string "eighty" does not match pattern "^\\$\\{.+\\}$""#)
        #expect(errors.first?.causes.count == 2)

        let one = try schema(#"{"oneOf": [{"type": "integer"}, {"minimum": 0}]}"#)
        #expect(try messages(one, "3") == ["(root): value matches alternatives 0 and 1 in oneOf, but must match exactly one"])
    }

    @Test func formatAssertionIsConfigurable() throws {
        let text = #"{"format": "ipv4"}"#
        #expect(try schema(text).isValid(.string("300.1.1.1")) == false)
        #expect(try schema(text, options: ValidationOptions(assertFormat: false)).isValid(.string("300.1.1.1")))
    }

    @Test func badSchemasFailToCompile() throws {
        func compileError(_ text: String) -> String? {
            do {
                _ = try schema(text)
                return nil
            } catch {
                return "\(error)"
            }
        }
        #expect(compileError(##"{"$ref": "#/$defs/missing"}"##)?.contains("does not exist") == true)
        #expect(compileError(#"{"$ref": "https://example.com/nowhere.json"}"#)?.contains("cannot be resolved") == true)
        #expect(compileError(#"{"minimum": "5"}"#)?.contains("\"minimum\" must be a number") == true)
        #expect(compileError(#"{"type": "int"}"#)?.contains("\"type\" must be a type name") == true)
        #expect(compileError(#"{"required": "a"}"#)?.contains("\"required\" must be an array of strings") == true)
        #expect(compileError(#"{"pattern": "(unclosed"}"#)?.contains("invalid regular expression") == true)
        #expect(compileError(#"{"properties": {"a": 5}}"#)?.contains("must contain schemas") == true)
    }

    @Test func infiniteReferenceLoopIsReported() throws {
        let s = try schema(##"{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}"##)
        #expect(!s.isValid(1))
        #expect(s.validate(1).first?.message.contains("infinite $ref loop") == true)
        // Recursion that descends into the instance is fine.
        let tree = try schema(##"{"type": "object", "properties": {"child": {"$ref": "#"}}}"##)
        #expect(tree.isValid(try JSONParser.parseValue(#"{"child": {"child": {"child": {}}}}"#)))
    }

    @Test func metaSchemaWorksOffline() throws {
        let metaschemas = OfficialSuiteTests.suiteDirectory.appendingPathComponent("metaschemas/draft2020-12")
        try #require(FileManager.default.fileExists(atPath: metaschemas.path), "shared meta-schemas missing at \(metaschemas.path)")
        var registry = SchemaRegistry()
        try registry.addDocuments(inDirectory: metaschemas.path, baseURI: "https://json-schema.org/draft/2020-12/")
        let meta = try registry.compile(uri: SchemaRegistry.draft202012MetaSchemaURI)
        #expect(meta.isValid(try JSONParser.parseValue(Self.dashboardSchema)))
        let errors = meta.validate(try JSONParser.parseValue(#"{"properties": {"a": {"minLength": -1}}}"#))
        #expect(errors.contains { $0.instancePath == "/properties/a/minLength" && $0.keyword == "minimum" })
        let s = try registry.compile(try JSONParser.parseValue(#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "string"}"#))
        #expect(s.isValid("x"))
    }

    @Test func validatesConcurrently() async throws {
        let s = try schema(Self.dashboardSchema)
        let good = try JSONParser.parseValue(#"{"title": "t", "panels": [{"id": 1, "type": "stat"}]}"#)
        let bad = try JSONParser.parseValue(#"{"title": "t", "panels": [{"id": 1, "type": "nope"}]}"#)
        let results = await withTaskGroup(of: (Bool, Int).self) { group in
            for i in 0..<200 {
                group.addTask { i % 2 == 0 ? (s.isValid(good), s.validate(good).count) : (s.isValid(bad), s.validate(bad).count) }
            }
            return await group.reduce(into: [(Bool, Int)]()) { $0.append($1) }
        }
        #expect(results.filter { $0.0 && $0.1 == 0 }.count == 100)
        #expect(results.filter { !$0.0 && $0.1 == 1 }.count == 100)
    }

    @Test func stringLengthCountsCodePoints() throws {
        let s = try schema(#"{"maxLength": 2, "minLength": 2}"#)
        #expect(s.isValid("😀😀"))
        #expect(try messages(s, #""😀😀😀""#) == ["(root): string is 3 characters long, longer than maxLength 2"])
    }

    @Test func ecmaRegexSemantics() throws {
        #expect(try schema(#"{"pattern": "^\\d+$"}"#).isValid("١٢") == false)
        #expect(try schema(#"{"pattern": "^a$"}"#).isValid("a\n") == false)
        #expect(try schema(#"{"pattern": "^\\p{L}+$"}"#).isValid("héllo"))
        #expect(try schema(#"{"pattern": "[^]"}"#).isValid("\n"))
    }
}
