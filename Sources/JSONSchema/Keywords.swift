import Foundation

public struct ValidationOptions: Sendable {
    /// Treat `format` as an assertion. The 2020-12 default is annotation-only, but kvctl users
    /// expect ports, URLs and dates to be checked, hence `true` here.
    public var assertFormat: Bool

    public init(assertFormat: Bool = true) {
        self.assertFormat = assertFormat
    }
}

enum Keywords {
    enum Shape { case single, array, map }

    /// Keywords whose values are subschemas, used for indexing `$id`/anchors.
    static let subschemaShape: [String: Shape] = [
        "additionalProperties": .single, "propertyNames": .single, "items": .single, "contains": .single,
        "not": .single, "if": .single, "then": .single, "else": .single, "unevaluatedItems": .single,
        "unevaluatedProperties": .single, "contentSchema": .single,
        "allOf": .array, "anyOf": .array, "oneOf": .array, "prefixItems": .array,
        "$defs": .map, "definitions": .map, "properties": .map, "patternProperties": .map, "dependentSchemas": .map, "dependencies": .map,
    ]
}

/// The vocabularies a schema document opted into through its meta-schema's `$vocabulary`.
struct Vocabularies: OptionSet, Sendable {
    let rawValue: UInt8
    static let applicator = Vocabularies(rawValue: 1)
    static let unevaluated = Vocabularies(rawValue: 2)
    static let validation = Vocabularies(rawValue: 4)
    static let formatAssertion = Vocabularies(rawValue: 8)
    static let all: Vocabularies = [.applicator, .unevaluated, .validation]

    static let prefix = "https://json-schema.org/draft/2020-12/vocab/"
    static let known: [String: Vocabularies] = [
        prefix + "core": [], prefix + "applicator": .applicator, prefix + "unevaluated": .unevaluated,
        prefix + "validation": .validation, prefix + "meta-data": [], prefix + "format-annotation": [],
        prefix + "format-assertion": .formatAssertion, prefix + "content": [],
    ]
}

struct TypeMask: OptionSet, Sendable {
    let rawValue: UInt8
    static let null = TypeMask(rawValue: 1)
    static let boolean = TypeMask(rawValue: 2)
    static let integer = TypeMask(rawValue: 4)
    static let number = TypeMask(rawValue: 8)
    static let string = TypeMask(rawValue: 16)
    static let array = TypeMask(rawValue: 32)
    static let object = TypeMask(rawValue: 64)

    static let names: [(String, TypeMask)] = [
        ("null", .null), ("boolean", .boolean), ("integer", .integer), ("number", .number),
        ("string", .string), ("array", .array), ("object", .object),
    ]

    func matches(_ value: JSONValue) -> Bool {
        switch value {
        case .null: contains(.null)
        case .bool: contains(.boolean)
        case .number(let n): contains(.number) || (contains(.integer) && n.isInteger)
        case .string: contains(.string)
        case .array: contains(.array)
        case .object: contains(.object)
        }
    }

    var description: String {
        Self.names.filter { contains($0.1) }.map(\.0).joined(separator: " or ")
    }
}

/// `properties` lookup: a linear scan beats hashing for the usual handful of short names.
struct PropertyTable: Sendable {
    let names: [String]
    let nodes: [Int]
    let index: [String: Int]?

    init(_ pairs: [(String, Int)]) {
        names = pairs.map(\.0)
        nodes = pairs.map(\.1)
        index = pairs.count > 12 ? Dictionary(pairs, uniquingKeysWith: { a, _ in a }) : nil
    }

    func lookup(_ key: String) -> Int? {
        if let index { return index[key] }
        for i in names.indices where names[i] == key { return nodes[i] }
        return nil
    }
}

struct PatternSchema: Sendable {
    let regex: NSRegularExpression
    let node: Int
}

/// One compiled keyword. Subschemas are indices into `Program.nodes`, which lets recursive
/// schemas form cycles while the whole program stays an immutable value.
enum Keyword: Sendable {
    case ref(Int)
    case dynamicRef(Int, anchor: String?)
    case type(TypeMask)
    case enumeration([JSONValue], Set<JSONValue>)
    case const(JSONValue)
    case multipleOf(JSONNumber)
    case maximum(JSONNumber)
    case exclusiveMaximum(JSONNumber)
    case minimum(JSONNumber)
    case exclusiveMinimum(JSONNumber)
    case maxLength(Int)
    case minLength(Int)
    case pattern(String, NSRegularExpression)
    case format(String, Format)
    case maxItems(Int)
    case minItems(Int)
    case uniqueItems
    case maxProperties(Int)
    case minProperties(Int)
    case required([String])
    case dependentRequired([(String, [String])])
    case allOf([Int])
    case anyOf([Int])
    case oneOf([Int])
    case not(Int)
    case conditional(if: Int, then: Int?, else: Int?)
    case dependentSchemas([(String, Int)])
    case prefixItems([Int])
    case items(Int, from: Int)
    case contains(Int, min: Int, max: Int?)
    case properties(PropertyTable)
    case patternProperties([PatternSchema])
    case additionalProperties(Int, known: PropertyTable, patterns: [NSRegularExpression])
    case propertyNames(Int)
    case unevaluatedItems(Int)
    case unevaluatedProperties(Int)

    var name: String {
        switch self {
        case .ref: "$ref"
        case .dynamicRef: "$dynamicRef"
        case .type: "type"
        case .enumeration: "enum"
        case .const: "const"
        case .multipleOf: "multipleOf"
        case .maximum: "maximum"
        case .exclusiveMaximum: "exclusiveMaximum"
        case .minimum: "minimum"
        case .exclusiveMinimum: "exclusiveMinimum"
        case .maxLength: "maxLength"
        case .minLength: "minLength"
        case .pattern: "pattern"
        case .format: "format"
        case .maxItems: "maxItems"
        case .minItems: "minItems"
        case .uniqueItems: "uniqueItems"
        case .maxProperties: "maxProperties"
        case .minProperties: "minProperties"
        case .required: "required"
        case .dependentRequired: "dependentRequired"
        case .allOf: "allOf"
        case .anyOf: "anyOf"
        case .oneOf: "oneOf"
        case .not: "not"
        case .conditional: "if"
        case .dependentSchemas: "dependentSchemas"
        case .prefixItems: "prefixItems"
        case .items: "items"
        case .contains: "contains"
        case .properties: "properties"
        case .patternProperties: "patternProperties"
        case .additionalProperties: "additionalProperties"
        case .propertyNames: "propertyNames"
        case .unevaluatedItems: "unevaluatedItems"
        case .unevaluatedProperties: "unevaluatedProperties"
        }
    }
}

struct Node: Sendable {
    enum Body: Sendable {
        case always(Bool)
        case keywords([Keyword])
    }
    var body: Body = .always(true)
    var resource = 0
    var location: SchemaLocation
    /// Set when the node has unevaluated* keywords and so must gather sibling annotations.
    var tracksEvaluated = false
}

/// The compiled, immutable form of a schema graph.
struct Program: Sendable {
    var nodes: [Node]
    /// Per registry resource id: `$dynamicAnchor` name -> node.
    var dynamicAnchors: [[String: Int]]
    var root: Int
}
