import JSONSchema
import TestSupport
import Testing

/// Hostile JSON and schemas end in an error naming the limit, in bounded time and stack.
@Suite("JSON and schema limits")
struct LimitTests {
    let ceiling = Duration.seconds(60)

    func schema(_ text: String) throws -> Schema {
        try SchemaRegistry().compile(try JSONParser.parseValue(text))
    }

    @Test func deepArraysAndObjects() throws {
        for (open, close) in [("[", "]"), (#"{"a":"#, "}")] {
            let text = "\n " + String(repeating: open, count: 100_000) + "1" + String(repeating: close, count: 100_000)
            let error = try #require(throws: JSONParseError.self) { try JSONParser.parse(Array(text.utf8)) }
            #expect(error.message == "nesting deeper than 512 levels of arrays and objects (kvctl limit)")
            #expect(error.line == 2 && error.column == 2 + 512 * open.count)
        }
    }

    /// 40 `$defs`, each an `allOf` of two `$ref`s to the next: 2^40 evaluations without a budget.
    @Test func exponentialReferencesExhaustTheBudget() throws {
        var defs: [String] = []
        for i in 0..<40 { defs.append(##""d\##(i)": {"allOf": [{"$ref": "#/$defs/d\##(i + 1)"}, {"$ref": "#/$defs/d\##(i + 1)"}]}"##) }
        defs.append(#""d40": {"type": "integer"}"#)
        let schema = try schema(##"{"$ref": "#/$defs/d0", "$defs": {\##(defs.joined(separator: ","))}}"##)
        let clock = ContinuousClock()
        var errors: [ValidationError] = []
        let elapsed = clock.measure {
            #expect(!schema.isValid(.number(JSONNumber(1))))
            errors = schema.validate(.number(JSONNumber(1)))
        }
        #expect(elapsed < ceiling)
        #expect(errors.map(\.message) == ["schema evaluation exceeded its budget of \(SchemaLimits.steps) steps (kvctl limit); the value was not checked"])
        #expect(errors.first?.instancePath == "")
    }

    @Test func longReferenceChainHitsTheDepthLimit() throws {
        let defs = (0..<1000).map { ##""d\##($0)": {"$ref": "#/$defs/d\##($0 + 1)"}"## } + [##""d1000": true"##]
        let schema = try schema(##"{"$ref": "#/$defs/d0", "$defs": {\##(defs.joined(separator: ","))}}"##)
        let errors = onWorkerSizedStack { schema.validate(.null) }
        #expect(errors.map(\.message) == ["schema evaluation nested deeper than \(SchemaLimits.depth) levels (kvctl limit); the value was not checked"])
    }

    /// ICU backtracks exponentially on `(a+)+$` against a run of `a`s that does not end the string.
    @Test func catastrophicPatternIsStoppedAndReported() throws {
        let schema = try schema(#"{"properties": {"name": {"pattern": "(a+)+$"}}}"#)
        let instance = JSONValue.object(JSONObject([("name", .string(String(repeating: "a", count: 5000) + "!"))]))
        let clock = ContinuousClock()
        var errors: [ValidationError] = []
        let elapsed = clock.measure { errors = schema.validate(instance) }
        #expect(elapsed < ceiling)
        #expect(errors.count == 1)
        #expect(errors.first?.instancePath == "/name")
        #expect(errors.first?.keyword == "pattern")
        #expect(errors.first?.message.contains("kvctl limit") == true)
    }

    /// The pattern budget allows one progress report per start position: a long string that an
    /// ordinary pattern scans once is not mistaken for a runaway match.
    @Test func ordinaryPatternsOnLongStringsStayUnderBudget() throws {
        let schema = try schema(#"{"pattern": "b"}"#)
        let long = String(repeating: "a", count: 200_000)
        #expect(schema.validate(.string(long)).map(\.keyword) == ["pattern"])
        #expect(schema.validate(.string(long + "b")).isEmpty)
        let duration = try self.schema(#"{"pattern": "^[0-9]+(ms|s|m|h)([0-9]+(ms|s|m|h))*$"}"#)
        #expect(duration.isValid(.string(String(repeating: "10ms", count: 10_000))))
    }

    @Test func deepestAcceptedInputsFitAWorkerStack() throws {
        let json = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        let schema = try schema(##"{"$ref": "#/$defs/a", "$defs": {"a": {"items": {"$ref": "#/$defs/a"}}}}"##)
        // Two evaluations per level of the instance: the `$ref` and its target.
        let nested = String(repeating: "[", count: SchemaLimits.depth / 2 - 1) + String(repeating: "]", count: SchemaLimits.depth / 2 - 1)
        let results = onWorkerSizedStack {
            [(try? JSONParser.parse(Array(json.utf8))) != nil,
             (try? JSONParser.parseValue(nested)).map { schema.validate($0).isEmpty } ?? false]
        }
        #expect(results == [true, true])
    }
}
