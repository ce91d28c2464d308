import Foundation

/// A JSON number that keeps integers exact when they fit in Int64.
/// Equality and hashing follow JSON semantics: `1` and `1.0` are the same number.
public struct JSONNumber: Sendable, Hashable, Comparable, CustomStringConvertible {
    enum Storage: Sendable { case int(Int64), double(Double) }
    let storage: Storage

    public init(_ value: Int64) { storage = .int(value) }
    public init(_ value: Int) { storage = .int(Int64(value)) }
    public init(_ value: Double) { storage = .double(value) }

    public var doubleValue: Double {
        switch storage {
        case .int(let i): Double(i)
        case .double(let d): d
        }
    }

    /// The exact integer value, if the number is integral and fits in Int64.
    public var int64Value: Int64? {
        switch storage {
        case .int(let i): return i
        case .double(let d):
            guard d.rounded(.towardZero) == d, d >= -9.223372036854775808e18, d < 9.223372036854775808e18 else { return nil }
            return Int64(d)
        }
    }

    /// True for integral values, including `1.0` and integers too large for Int64.
    public var isInteger: Bool {
        switch storage {
        case .int: true
        case .double(let d): d.isFinite && d.rounded(.towardZero) == d
        }
    }

    public static func == (a: JSONNumber, b: JSONNumber) -> Bool {
        if case .int(let x) = a.storage, case .int(let y) = b.storage { return x == y }
        return a.doubleValue == b.doubleValue
    }

    public static func < (a: JSONNumber, b: JSONNumber) -> Bool {
        if case .int(let x) = a.storage, case .int(let y) = b.storage { return x < y }
        return a.doubleValue < b.doubleValue
    }

    public func hash(into hasher: inout Hasher) {
        // Integral doubles must hash like the equal Int64.
        if let i = int64Value { hasher.combine(i) } else { hasher.combine(doubleValue) }
    }

    public var description: String {
        switch storage {
        case .int(let i): return String(i)
        case .double(let d):
            if d.isFinite, d.rounded(.towardZero) == d, abs(d) < 1e15 { return String(Int64(d)) }
            return String(d)
        }
    }
}

/// A JSON object that preserves source key order but compares as an unordered map.
public struct JSONObject: Sendable, Hashable, RandomAccessCollection, ExpressibleByDictionaryLiteral {
    public struct Member: Sendable, Hashable {
        public let key: String
        public var value: JSONValue
        public init(key: String, value: JSONValue) { self.key = key; self.value = value }
    }

    public private(set) var members: [Member]
    /// Built only for larger objects; linear search is faster for the common small ones.
    private var index: [String: Int]?
    static let indexThreshold = 12

    public init() { members = [] }

    /// Later duplicates overwrite earlier ones, keeping the first position.
    public init(_ pairs: some Sequence<(String, JSONValue)>) {
        self.init()
        for (k, v) in pairs { self[k] = v }
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) { self.init(elements) }

    /// Members must have unique keys.
    init(uniqueMembers: [Member]) {
        members = uniqueMembers
        if members.count > Self.indexThreshold { buildIndex() }
    }

    private mutating func buildIndex() {
        var idx = [String: Int](minimumCapacity: members.count)
        for (i, m) in members.enumerated() { idx[m.key] = i }
        index = idx
    }

    func position(of key: String) -> Int? {
        if let index { return index[key] }
        for i in members.indices where members[i].key == key { return i }
        return nil
    }

    public subscript(key: String) -> JSONValue? {
        get { position(of: key).map { members[$0].value } }
        set {
            if let i = position(of: key) {
                if let newValue { members[i].value = newValue } else {
                    members.remove(at: i)
                    if index != nil { buildIndex() }
                }
            } else if let newValue {
                members.append(Member(key: key, value: newValue))
                if index != nil { index![key] = members.count - 1 } else if members.count > Self.indexThreshold { buildIndex() }
            }
        }
    }

    public var keys: [String] { members.map(\.key) }
    public var startIndex: Int { 0 }
    public var endIndex: Int { members.count }
    public subscript(position: Int) -> Member { members[position] }

    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        guard a.members.count == b.members.count else { return false }
        for m in a.members {
            guard let other = b[m.key], other == m.value else { return false }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        // Order-independent combination so equal objects hash alike.
        var sum = 0
        for m in members {
            var h = Hasher()
            h.combine(m.key)
            h.combine(m.value)
            sum &+= h.finalize()
        }
        hasher.combine(members.count)
        hasher.combine(sum)
    }
}

public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// Strings compare by code points, not by Swift's canonical equivalence: JSON treats
    /// "e\u0301" and "\u00e9" as different values.
    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case (.bool(let x), .bool(let y)): x == y
        case (.number(let x), .number(let y)): x == y
        case (.string(let x), .string(let y)): sameCodePoints(x, y)
        case (.array(let x), .array(let y)): x == y
        case (.object(let x), .object(let y)): x == y
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let b): hasher.combine(b)
        case .number(let n): hasher.combine(n)
        case .string(var s): s.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        case .array(let a): hasher.combine(a)
        case .object(let o): hasher.combine(o)
        }
    }

    static func sameCodePoints(_ a: String, _ b: String) -> Bool {
        var a = a
        var b = b
        return a.withUTF8 { x in b.withUTF8 { y in x.count == y.count && (x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0) } }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public subscript(index: Int) -> JSONValue? {
        if case .array(let a) = self, a.indices.contains(index) { return a[index] }
        return nil
    }

    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    public var objectValue: JSONObject? { if case .object(let o) = self { o } else { nil } }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    public var numberValue: JSONNumber? { if case .number(let n) = self { n } else { nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }

    /// The JSON type name as used by JSON Schema's `type` keyword.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number(let n): n.isInteger ? "integer" : "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// Looks up an RFC 6901 JSON Pointer (unescaped tokens, no URI encoding).
    public func value(atPointer pointer: String) -> JSONValue? {
        guard !pointer.isEmpty else { return self }
        guard pointer.hasPrefix("/") else { return nil }
        var current = self
        for token in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            let key = JSONPointer.unescape(token)
            switch current {
            case .object(let o):
                guard let v = o[key] else { return nil }
                current = v
            case .array(let a):
                guard let i = JSONPointer.arrayIndex(key), i < a.count else { return nil }
                current = a[i]
            default: return nil
            }
        }
        return current
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .number(JSONNumber(value)) }
    public init(floatLiteral value: Double) { self = .number(JSONNumber(value)) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
}

/// RFC 6901 helpers.
public enum JSONPointer {
    public static func escape(_ token: String) -> String {
        guard token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return token }
        return token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    public static func unescape(_ token: Substring) -> String {
        guard token.contains("~") else { return String(token) }
        return token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
    }

    /// Array indices must be canonical decimal (no leading zeros, no sign).
    static func arrayIndex(_ token: String) -> Int? {
        guard let first = token.utf8.first, first != UInt8(ascii: "+"), first != UInt8(ascii: "-"),
            token == "0" || first != UInt8(ascii: "0")
        else { return nil }
        return Int(token)
    }
}

extension JSONValue: CustomStringConvertible {
    /// Compact JSON text.
    public var description: String {
        var out = ""
        JSONWriter.write(self, into: &out)
        return out
    }
}

/// A JSON string literal for `text`, escaping what RFC 8259 requires (as Go's encoder does, minus
/// its HTML escapes): the one quoting helper for every JSON kvctl writes by hand.
public func jsonQuoted(_ text: String) -> String {
    var out = ""
    JSONWriter.writeString(text, into: &out)
    return out
}

enum JSONWriter {
    static func write(_ value: JSONValue, into out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += n.description
        case .string(let s): writeString(s, into: &out)
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += "," }
                write(v, into: &out)
            }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, m) in o.members.enumerated() {
                if i > 0 { out += "," }
                writeString(m.key, into: &out)
                out += ":"
                write(m.value, into: &out)
            }
            out += "}"
        }
    }

    static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
