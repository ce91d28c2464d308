import Foundation

/// The result of parsing: the value, non-fatal warnings and, if requested, source positions.
public struct JSONDocument: Sendable {
    public let value: JSONValue
    public let warnings: [JSONParseWarning]
    public let positions: JSONPositionMap?
}

/// Strict RFC 8259 parser over UTF-8 bytes.
public enum JSONParser {
    public struct Options: Sendable {
        /// Record a JSON Pointer -> source position map. Costs roughly one allocation per value,
        /// so callers validating many files typically re-parse with this only when reporting errors.
        public var recordPositions: Bool
        public var maxDepth: Int

        public init(recordPositions: Bool = false, maxDepth: Int = 512) {
            self.recordPositions = recordPositions
            self.maxDepth = maxDepth
        }
    }

    public static func parse(_ bytes: UnsafeRawBufferPointer, options: Options = .init()) throws(JSONParseError) -> JSONDocument {
        let buffer = bytes.bindMemory(to: UInt8.self)
        var parser = ByteParser(buffer, options: options)
        let value = try parser.parseDocument()
        if !parser.duplicateKeyOffsets.isEmpty && !options.recordPositions {
            // Duplicates are rare: re-parse with pointer tracking only to name them.
            var tracked = options
            tracked.recordPositions = true
            var again = ByteParser(buffer, options: tracked)
            _ = try again.parseDocument()
            return JSONDocument(value: value, warnings: again.warnings, positions: nil)
        }
        let positions = parser.recorder.map { JSONPositionMap(offsets: $0.offsets, source: Array(buffer)) }
        return JSONDocument(value: value, warnings: parser.warnings, positions: positions)
    }

    public static func parse(_ bytes: [UInt8], options: Options = .init()) throws(JSONParseError) -> JSONDocument {
        try bytes.withUnsafeBytes { raw in Result { () throws(JSONParseError) in try parse(raw, options: options) } }.get()
    }

    public static func parse(_ data: Data, options: Options = .init()) throws(JSONParseError) -> JSONDocument {
        try data.withUnsafeBytes { raw in Result { () throws(JSONParseError) in try parse(raw, options: options) } }.get()
    }

    /// The elements of a top-level array, each handed to `visit` as soon as it is read and dropped
    /// after: a Consul listing of ten thousand entries as a tree was half the agent's peak heap
    /// (docs/benchmarks.md). `visit` returns false to stop; the result says whether every element was
    /// visited. Anything but an array is an error, as is invalid JSON up to where reading stopped.
    public static func forEachElement(ofArray bytes: [UInt8], maxDepth: Int = 512,
                                      _ visit: (JSONValue) -> Bool) throws(JSONParseError) -> Bool {
        try bytes.withUnsafeBytes { raw in
            Result { () throws(JSONParseError) in
                var parser = ByteParser(raw.bindMemory(to: UInt8.self), options: Options(maxDepth: maxDepth))
                return try parser.parseElements(visit)
            }
        }.get()
    }

    /// Convenience for tests and literals: the value only.
    public static func parseValue(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8)).value
    }
}

private let quote = UInt8(ascii: "\"")
private let backslash = UInt8(ascii: "\\")

struct ByteParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let end: Int
    let maxDepth: Int
    var i = 0
    var depth = 0
    // Shared scratch stacks so nested containers don't each grow their own array.
    var valueStack: [JSONValue] = []
    var memberStack: [JSONObject.Member] = []
    var warnings: [JSONParseWarning] = []
    var duplicateKeyOffsets: [Int] = []
    var recorder: PointerRecorder?

    init(_ bytes: UnsafeBufferPointer<UInt8>, options: JSONParser.Options) {
        self.bytes = bytes
        end = bytes.count
        maxDepth = options.maxDepth
        recorder = options.recordPositions ? PointerRecorder() : nil
        valueStack.reserveCapacity(64)
        memberStack.reserveCapacity(64)
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipByteOrderMark()
        let value = try parseValue()
        try expectEnd()
        return value
    }

    /// `JSONParser.forEachElement`: a document that is one array, read an element at a time.
    mutating func parseElements(_ visit: (JSONValue) -> Bool) throws(JSONParseError) -> Bool {
        skipByteOrderMark()
        skipWhitespace()
        guard i < end, bytes[i] == UInt8(ascii: "[") else { throw error("unexpected \(describe(at: i)), expected '[' to begin an array") }
        if try openArray() {
            repeat {
                guard visit(try parseValue()) else { return false }
            } while try nextElement()
        }
        depth -= 1
        try expectEnd()
        return true
    }

    /// A UTF-8 byte order mark is tolerated (RFC 8259 section 8.1 allows ignoring it).
    mutating func skipByteOrderMark() {
        if end >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { i = 3 }
    }

    mutating func expectEnd() throws(JSONParseError) {
        skipWhitespace()
        if i < end { throw error("unexpected \(describe(at: i)) after the JSON value, expected end of input") }
    }

    func error(_ message: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(message: message, location: JSONSourceLocation.locate(offset: offset ?? i, in: bytes))
    }

    func describe(at offset: Int) -> String {
        guard offset < end else { return "end of input" }
        let b = bytes[offset]
        if b >= 0x21 && b < 0x7F { return "character '\(Character(Unicode.Scalar(b)))'" }
        return String(format: "byte 0x%02X", b)
    }

    @inline(__always) mutating func skipWhitespace() {
        while i < end {
            switch bytes[i] {
            case 0x20, 0x0A, 0x0D, 0x09: i += 1
            default: return
            }
        }
    }

    mutating func parseValue() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        guard i < end else { throw error("unexpected end of input, expected a JSON value") }
        recorder?.record(offset: i)
        switch bytes[i] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case quote: return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("unexpected \(describe(at: i)), expected a JSON value")
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let n = literal.utf8CodeUnitCount
        let start = literal.utf8Start
        guard i + n <= end else { throw error("invalid literal, expected '\(literal)'") }
        for k in 0..<n where bytes[i + k] != start[k] {
            throw error("invalid literal, expected '\(literal)'", at: i + k)
        }
        i += n
    }

    mutating func enter() throws(JSONParseError) {
        depth += 1
        if depth > maxDepth { throw error("nesting deeper than \(maxDepth) levels of arrays and objects (kvctl limit)") }
    }

    /// At '[': enters the array and says whether an element follows (false: "]" read, still entered).
    mutating func openArray() throws(JSONParseError) -> Bool {
        try enter()
        i += 1
        skipWhitespace()
        guard i < end && bytes[i] == UInt8(ascii: "]") else { return true }
        i += 1
        return false
    }

    /// After an array element: true at ',' (another follows), false at the closing ']'.
    mutating func nextElement() throws(JSONParseError) -> Bool {
        skipWhitespace()
        guard i < end else { throw error("unexpected end of input, expected ',' or ']' after array element") }
        let c = bytes[i]
        i += 1
        if c == UInt8(ascii: ",") { return true }
        if c == UInt8(ascii: "]") { return false }
        throw error("unexpected \(describe(at: i - 1)), expected ',' or ']' after array element", at: i - 1)
    }

    mutating func parseArray() throws(JSONParseError) -> JSONValue {
        let base = valueStack.count
        guard try openArray() else {
            depth -= 1
            return .array([])
        }
        repeat {
            recorder?.push(index: valueStack.count - base)
            let element = try parseValue()
            recorder?.pop()
            valueStack.append(element)
        } while try nextElement()
        let array = Array(valueStack[base...])
        valueStack.removeSubrange(base...)
        depth -= 1
        return .array(array)
    }

    mutating func parseObject() throws(JSONParseError) -> JSONValue {
        try enter()
        i += 1
        let base = memberStack.count
        skipWhitespace()
        if i < end && bytes[i] == UInt8(ascii: "}") {
            i += 1
            depth -= 1
            return .object(JSONObject())
        }
        var index: [String: Int]?  // Only for large objects, to keep duplicate checks linear.
        while true {
            skipWhitespace()
            guard i < end, bytes[i] == quote else {
                throw error("unexpected \(describe(at: i)), expected '\"' to begin an object key")
            }
            let keyOffset = i
            let key = try parseString()
            skipWhitespace()
            guard i < end, bytes[i] == UInt8(ascii: ":") else {
                throw error("unexpected \(describe(at: i)), expected ':' after object key")
            }
            i += 1
            recorder?.push(key: key)
            let value = try parseValue()
            let count = memberStack.count - base
            var existing: Int?
            if let index {
                existing = index[key]
            } else {
                for k in base..<memberStack.count where memberStack[k].key == key {
                    existing = k - base
                    break
                }
            }
            if let existing {
                memberStack[base + existing].value = value
                noteDuplicate(key: key, offset: keyOffset)
            } else {
                memberStack.append(JSONObject.Member(key: key, value: value))
                if index != nil {
                    index![key] = count
                } else if count + 1 > JSONObject.indexThreshold {
                    var built = [String: Int](minimumCapacity: 2 * (count + 1))
                    for k in base..<memberStack.count { built[memberStack[k].key] = k - base }
                    index = built
                }
            }
            recorder?.pop()
            skipWhitespace()
            guard i < end else { throw error("unexpected end of input, expected ',' or '}' after object member") }
            let c = bytes[i]
            i += 1
            if c == UInt8(ascii: ",") { continue }
            if c == UInt8(ascii: "}") { break }
            throw error("unexpected \(describe(at: i - 1)), expected ',' or '}' after object member", at: i - 1)
        }
        let object = JSONObject(uniqueMembers: Array(memberStack[base...]))
        memberStack.removeSubrange(base...)
        depth -= 1
        return .object(object)
    }

    mutating func noteDuplicate(key: String, offset: Int) {
        duplicateKeyOffsets.append(offset)
        guard let recorder else { return }
        warnings.append(
            JSONParseWarning(
                message: "duplicate key \"\(key)\"; the last value is used",
                pointer: recorder.pointer,
                location: JSONSourceLocation.locate(offset: offset, in: bytes)))
    }

    mutating func parseString() throws(JSONParseError) -> String {
        let start = i + 1
        var j = start
        var high: UInt8 = 0
        while j < end {
            let c = bytes[j]
            if c == quote {
                i = j + 1
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<j])
                if high < 0x80 { return String(decoding: slice, as: UTF8.self) }
                guard UTF8Check.isValid(slice) else { throw error("invalid UTF-8 in string", at: start) }
                return String(decoding: slice, as: UTF8.self)
            }
            if c == backslash { return try parseEscapedString(start: start, from: j) }
            if c < 0x20 { throw error("control character in string must be escaped", at: j) }
            high |= c
            j += 1
        }
        throw error("unexpected end of input, expected '\"' to close the string", at: start - 1)
    }

    mutating func parseEscapedString(start: Int, from escapeStart: Int) throws(JSONParseError) -> String {
        var buf = [UInt8](UnsafeBufferPointer(rebasing: bytes[start..<escapeStart]))
        var high = buf.reduce(0, |)
        var j = escapeStart
        while j < end {
            let c = bytes[j]
            if c == quote {
                i = j + 1
                // Escapes only ever produce valid UTF-8; raw bytes need checking if any were non-ASCII.
                if high < 0x80 { return String(decoding: buf, as: UTF8.self) }
                guard buf.withUnsafeBufferPointer(UTF8Check.isValid) else { throw error("invalid UTF-8 in string", at: start) }
                return String(decoding: buf, as: UTF8.self)
            }
            if c < 0x20 { throw error("control character in string must be escaped", at: j) }
            guard c == backslash else {
                high |= c
                buf.append(c)
                j += 1
                continue
            }
            guard j + 1 < end else { break }
            let e = bytes[j + 1]
            j += 2
            switch e {
            case quote, backslash, UInt8(ascii: "/"): buf.append(e)
            case UInt8(ascii: "b"): buf.append(0x08)
            case UInt8(ascii: "f"): buf.append(0x0C)
            case UInt8(ascii: "n"): buf.append(0x0A)
            case UInt8(ascii: "r"): buf.append(0x0D)
            case UInt8(ascii: "t"): buf.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(at: j)
                j += 4
                if (0xD800..<0xDC00).contains(scalar) {
                    guard j + 6 <= end, bytes[j] == backslash, bytes[j + 1] == UInt8(ascii: "u") else {
                        throw error("unpaired UTF-16 surrogate in \\u escape", at: j - 6)
                    }
                    let low = try hex4(at: j + 2)
                    guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired UTF-16 surrogate in \\u escape", at: j) }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    j += 6
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw error("unpaired UTF-16 surrogate in \\u escape", at: j - 6)
                }
                buf.append(contentsOf: UTF8.encode(Unicode.Scalar(scalar)!)!)
            default:
                throw error("invalid escape sequence '\\\(Character(Unicode.Scalar(e)))' in string", at: j - 2)
            }
        }
        throw error("unexpected end of input, expected '\"' to close the string", at: start - 1)
    }

    func hex4(at j: Int) throws(JSONParseError) -> UInt32 {
        guard j + 4 <= end else { throw error("expected 4 hex digits after \\u", at: j) }
        var v: UInt32 = 0
        for k in j..<j + 4 {
            let c = bytes[k]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
            default: throw error("expected 4 hex digits after \\u", at: k)
            }
            v = v << 4 | UInt32(d)
        }
        return v
    }

    @inline(__always) func isDigit(_ k: Int) -> Bool {
        k < end && bytes[k] &- UInt8(ascii: "0") < 10
    }

    mutating func parseNumber() throws(JSONParseError) -> JSONNumber {
        let start = i
        let negative = bytes[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        guard isDigit(i) else { throw error("expected a digit in number") }
        // Accumulate negatively so Int64.min is representable.
        var value: Int64 = 0
        var overflow = false
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
            if isDigit(i) { throw error("leading zeros are not allowed in numbers", at: start) }
        } else {
            while isDigit(i) {
                let d = Int64(bytes[i] &- UInt8(ascii: "0"))
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.subtractingReportingOverflow(d)
                overflow = overflow || o1 || o2
                value = s
                i += 1
            }
        }
        var isFloat = false
        if i < end && bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard isDigit(i) else { throw error("expected a digit after '.' in number") }
            while isDigit(i) { i += 1 }
            isFloat = true
        }
        if i < end && (bytes[i] | 0x20) == UInt8(ascii: "e") {
            i += 1
            if i < end && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) { i += 1 }
            guard isDigit(i) else { throw error("expected a digit in number exponent") }
            while isDigit(i) { i += 1 }
            isFloat = true
        }
        if !isFloat && !overflow {
            if negative { return JSONNumber(value) }
            if value != .min { return JSONNumber(-value) }
        }
        return JSONNumber(parseDouble(start: start, end: i))
    }

    func parseDouble(start: Int, end: Int) -> Double {
        let length = end - start
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { tmp in
            for k in 0..<length { tmp[k] = CChar(bitPattern: bytes[start + k]) }
            tmp[length] = 0
            return strtod(tmp.baseAddress!, nil)
        }
    }
}

/// Strict UTF-8 check (no overlongs, surrogates or code points above U+10FFFF). Hand-written
/// because `String(validating:)` needs macOS 15 and the package still targets macOS 13.
enum UTF8Check {
    static func isValid(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = b.count
        while i < n {
            let c = b[i]
            if c < 0x80 {
                i += 1
                continue
            }
            let length: Int
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch c {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F
            default: return false
            }
            guard i + length <= n, (lower...upper).contains(b[i + 1]) else { return false }
            for k in 2..<length where b[i + k] & 0xC0 != 0x80 { return false }
            i += length
        }
        return true
    }
}
