import Foundation
import JSONSchema
import Testing

/// What is JSON is RFC 8259 (https://www.rfc-editor.org/rfc/rfc8259): no trailing commas, no control
/// characters in strings, escapes as listed in §7, surrogate pairs for astral characters.
struct ParserTests {
    func parse(_ text: String, positions: Bool = false) throws(JSONParseError) -> JSONDocument {
        try JSONParser.parse(Array(text.utf8), options: .init(recordPositions: positions))
    }

    func parseError(_ text: String) -> JSONParseError? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func parsesAllValueKinds() throws {
        let v = try JSONParser.parseValue(#"{"n": null, "t": true, "f": false, "i": -42, "d": 2.5e3, "s": "a\"\u00e9\ud83d\ude00", "a": [1, [], {}]}"#)
        #expect(v["n"] == .null)
        #expect(v["t"] == true)
        #expect(v["i"]?.numberValue?.int64Value == -42)
        #expect(v["d"]?.numberValue?.doubleValue == 2500)
        #expect(v["s"] == .string("a\"é😀"))
        #expect(v["a"]?.arrayValue?.count == 3)
        #expect(v.objectValue?.keys == ["n", "t", "f", "i", "d", "s", "a"])
    }

    @Test func numbersFollowJSONSemantics() throws {
        #expect(try JSONParser.parseValue("9007199254740993").numberValue?.int64Value == 9_007_199_254_740_993)
        #expect(try JSONParser.parseValue("-9223372036854775808").numberValue?.int64Value == .min)
        #expect(try JSONParser.parseValue("1.0") == JSONParser.parseValue("1"))
        #expect(try JSONParser.parseValue("1.0").typeName == "integer")
        let big = try JSONParser.parseValue("123456789012345678901234567890")
        #expect(big.typeName == "integer")
        #expect(big.numberValue?.int64Value == nil)
        #expect(try JSONParser.parseValue(#"{"a":1,"b":[1.0]}"#) == JSONParser.parseValue(#"{"b":[1],"a":1.0}"#))
        #expect(Set([try JSONParser.parseValue("1"), try JSONParser.parseValue("1.0")]).count == 1)
    }

    @Test func errorsCarryLineColumnAndExpectation() {
        let missingComma = parseError("{\n  \"a\": 1\n  \"b\": 2\n}")
        #expect(missingComma?.line == 3)
        #expect(missingComma?.column == 3)
        #expect(missingComma?.message == "unexpected character '\"', expected ',' or '}' after object member")

        #expect(parseError("[1, 2,]")?.message == "unexpected character ']', expected a JSON value")
        #expect(parseError("[1 2]")?.message.contains("expected ',' or ']' after array element") == true)
        #expect(parseError("{\"a\" 1}")?.message.contains("expected ':' after object key") == true)
        #expect(parseError("{1: 2}")?.message.contains("expected '\"' to begin an object key") == true)
        #expect(parseError("01")?.message == "leading zeros are not allowed in numbers")
        #expect(parseError("1.")?.message == "expected a digit after '.' in number")
        #expect(parseError("\"a\tb\"")?.message == "control character in string must be escaped")
        #expect(parseError("\"\\x\"")?.message.contains("invalid escape") == true)
        #expect(parseError("\"\\ud800\"")?.message.contains("surrogate") == true)
        #expect(parseError("[1] x")?.message.contains("expected end of input") == true)
        #expect(parseError("")?.message == "unexpected end of input, expected a JSON value")
        #expect(parseError("tru")?.message == "invalid literal, expected 'true'")
        #expect(parseError(String(repeating: "[", count: 600) + String(repeating: "]", count: 600))?.message.contains("nesting") == true)
        // Columns count characters, not bytes.
        let afterUnicode = parseError("{\"é\": x}")
        #expect(afterUnicode?.column == 7)
    }

    @Test func rejectsInvalidUTF8() throws {
        for bad: [UInt8] in [[0xC3, 0x28], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]] {
            #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22] + bad + [0x22]) }
            #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0x5C, 0x6E] + bad + [0x22]) }
        }
        #expect(try JSONParser.parse([0x22, 0xF0, 0x9F, 0x98, 0x80, 0xE2, 0x82, 0xAC, 0x22]).value == "😀€")
    }

    @Test func duplicateKeysKeepLastAndWarn() throws {
        let doc = try parse("{\n  \"a\": {\"x\": 1,\n    \"x\": 2}\n}")
        #expect(doc.value["a"]?["x"] == 2)
        #expect(doc.value["a"]?.objectValue?.count == 1)
        #expect(doc.warnings.count == 1)
        #expect(doc.warnings.first?.pointer == "/a/x")
        #expect(doc.warnings.first?.location.line == 3)
        #expect(doc.warnings.first?.location.column == 5)
        #expect(doc.warnings.first?.message == "duplicate key \"x\"; the last value is used")
    }

    @Test func duplicateDetectionInLargeObjects() throws {
        let members = (0..<40).map { "\"k\($0)\": \($0)" }.joined(separator: ", ")
        let doc = try parse("{\(members), \"k7\": 99}")
        #expect(doc.value["k7"] == 99)
        #expect(doc.value.objectValue?.count == 40)
        #expect(doc.warnings.map(\.pointer) == ["/k7"])
    }

    @Test func positionMapLocatesEveryValue() throws {
        let text = """
            {
              "title": "x",
              "a/b": [10, {"~k": true}]
            }
            """
        let doc = try parse(text, positions: true)
        let map = try #require(doc.positions)
        #expect(map.location(of: "")?.description == "1:1")
        #expect(map.location(of: "/title")?.description == "2:12")
        #expect(map.location(of: "/a~1b/0")?.description == "3:11")
        #expect(map.location(of: "/a~1b/1/~0k")?.description == "3:22")
        #expect(map.location(of: "/missing") == nil)
        #expect(map.nearestLocation(of: "/a~1b/1/missing")?.description == "3:15")
        #expect(try parse(text).positions == nil)
    }

    /// `forEachElement` reads what `parse` reads (the same RFC 8259 rules), one element at a time.
    @Test func elementsOfAnArrayOneAtATime() throws {
        func elements(_ text: String, upTo limit: Int = .max) throws(JSONParseError) -> (values: [JSONValue], whole: Bool) {
            var values: [JSONValue] = []
            let whole = try JSONParser.forEachElement(ofArray: Array(text.utf8)) { value in
                values.append(value)
                return values.count < limit
            }
            return (values, whole)
        }
        let text = "\u{FEFF}[ {\"Key\": \"a\", \"Flags\": 1}, [2, [3]], \"s\", null ]\n"
        let read = try elements(text)
        #expect(read.whole)
        #expect(read.values == (try JSONParser.parseValue(String(text.dropFirst()))).arrayValue)
        #expect(try elements("[]") == ([], true))
        #expect(try elements(" [ ] ") == ([], true))
        // Stopping early reads no further: what follows the stop may be anything.
        let stopped = try elements("[1, 2, 3, oops", upTo: 2)
        #expect(stopped.values == [1, 2])
        #expect(!stopped.whole)

        func failure(_ text: String) -> String? {
            do {
                _ = try elements(text)
                return nil
            } catch {
                return error.message
            }
        }
        #expect(failure("{\"a\": 1}") == "unexpected character '{', expected '[' to begin an array")
        #expect(failure("") == "unexpected end of input, expected '[' to begin an array")
        #expect(failure("[1, 2,]") == "unexpected character ']', expected a JSON value")
        #expect(failure("[1 2]")?.contains("expected ',' or ']' after array element") == true)
        #expect(failure("[1, 2") == "unexpected end of input, expected ',' or ']' after array element")
        #expect(failure("[1] x")?.contains("expected end of input") == true)
        #expect(failure("[" + String(repeating: "[", count: 600) + String(repeating: "]", count: 601))?.contains("nesting") == true)
    }
}
