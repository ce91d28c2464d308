import Foundation

/// Turns registry documents into a `Program`. Subschemas are compiled from a work list, so
/// `$ref` cycles and deep schemas need no recursion.
struct SchemaCompiler {
    let registry: SchemaRegistry
    let options: ValidationOptions
    var nodes: [Node] = []
    var nodeIndex: [SchemaLocation: Int] = [:]
    var pending: [Int] = []
    var dynamicAnchors: [[String: Int]]
    var activatedResources: Set<Int> = []
    var vocabularyCache: [String: Vocabularies] = [:]
    var regexCache: [String: NSRegularExpression] = [:]

    init(registry: SchemaRegistry, options: ValidationOptions) {
        self.registry = registry
        self.options = options
        dynamicAnchors = Array(repeating: [:], count: registry.resources.count)
    }

    mutating func compile(rootURI: String) throws(SchemaError) -> Schema {
        guard let target = registry.resolve(rootURI) else { throw SchemaError("no schema is registered at \(rootURI)") }
        let root = try node(for: target.location, referencedFrom: nil)
        while let n = pending.popLast() { try compileNode(n) }
        return Schema(program: Program(nodes: nodes, dynamicAnchors: dynamicAnchors, root: root))
    }

    mutating func node(for location: SchemaLocation, referencedFrom: String?) throws(SchemaError) -> Int {
        if let n = nodeIndex[location] { return n }
        guard registry.value(at: location) != nil, let resource = registry.enclosingResource(of: location) else {
            throw SchemaError("reference target \(location.uri) does not exist", at: referencedFrom)
        }
        nodes.append(Node(resource: resource, location: location))
        let n = nodes.count - 1
        nodeIndex[location] = n
        pending.append(n)
        try activate(resource)
        return n
    }

    /// A resource's dynamic anchors must be compiled up front: a `$dynamicRef` may jump to
    /// them whenever the resource is in the dynamic scope, even if nothing references them.
    mutating func activate(_ resource: Int) throws(SchemaError) {
        guard activatedResources.insert(resource).inserted else { return }
        let r = registry.resources[resource]
        for name in r.dynamicAnchors {
            let location = SchemaLocation(document: r.document, pointer: r.anchors[name]!)
            dynamicAnchors[resource][name] = try node(for: location, referencedFrom: nil)
        }
    }

    func vocabularies(for document: String) throws(SchemaError) -> Vocabularies {
        guard let metaURI = registry.documents[document]?["$schema"]?.stringValue,
            metaURI != SchemaRegistry.draft202012MetaSchemaURI,
            let meta = registry.resolve(metaURI), let declared = registry.value(at: meta.location)?["$vocabulary"]?.objectValue
        else { return .all }
        var result: Vocabularies = []
        for member in declared {
            if let v = Vocabularies.known[member.key] {
                result.formUnion(v)
            } else if member.value == .bool(true) {
                throw SchemaError("meta-schema \(metaURI) requires unsupported vocabulary \(member.key)", at: document)
            }
        }
        return result
    }

    mutating func compileNode(_ n: Int) throws(SchemaError) {
        let location = nodes[n].location
        switch registry.value(at: location)! {
        case .bool(let b):
            nodes[n].body = .always(b)
        case .object(let object):
            let vocab: Vocabularies
            if let cached = vocabularyCache[location.document] {
                vocab = cached
            } else {
                vocab = try vocabularies(for: location.document)
                vocabularyCache[location.document] = vocab
            }
            let ctx = KeywordContext(object: object, location: location, base: registry.resources[nodes[n].resource].uri)
            let keywords = try compileKeywords(ctx, vocab: vocab)
            nodes[n].body = .keywords(keywords)
            nodes[n].tracksEvaluated = keywords.contains {
                switch $0 {
                case .unevaluatedItems, .unevaluatedProperties: true
                default: false
                }
            }
        case let other:
            throw SchemaError("a schema must be an object or a boolean, got \(other.typeName)", at: location.uri)
        }
    }

    struct KeywordContext {
        let object: JSONObject
        let location: SchemaLocation
        let base: String

        func uri(_ keyword: String) -> String {
            SchemaLocation(document: location.document, pointer: location.pointer + "/" + JSONPointer.escape(keyword)).uri
        }

        func fail(_ keyword: String, _ message: String) -> SchemaError {
            SchemaError("\"\(keyword)\" \(message)", at: uri(keyword))
        }

        func nonNegativeInt(_ keyword: String) throws(SchemaError) -> Int? {
            guard let value = object[keyword] else { return nil }
            guard case .number(let n) = value, let i = n.int64Value, i >= 0 else {
                throw fail(keyword, "must be a non-negative integer")
            }
            return Int(clamping: i)
        }

        func number(_ keyword: String) throws(SchemaError) -> JSONNumber? {
            guard let value = object[keyword] else { return nil }
            guard case .number(let n) = value else { throw fail(keyword, "must be a number") }
            return n
        }

        func stringArray(_ keyword: String) throws(SchemaError) -> [String]? {
            guard let value = object[keyword] else { return nil }
            return try strings(value, keyword)
        }

        func strings(_ value: JSONValue, _ keyword: String) throws(SchemaError) -> [String] {
            guard case .array(let items) = value else { throw fail(keyword, "must be an array of strings") }
            var result: [String] = []
            for item in items {
                guard case .string(let s) = item else { throw fail(keyword, "must be an array of strings") }
                result.append(s)
            }
            guard Set(result).count == result.count else { throw fail(keyword, "must not contain duplicate strings") }
            return result
        }
    }

    mutating func sub(_ ctx: KeywordContext, _ tokens: String...) throws(SchemaError) -> Int {
        let location = SchemaLocation(document: ctx.location.document, pointer: ctx.location.pointer + tokens.map { "/" + JSONPointer.escape($0) }.joined())
        guard let value = registry.value(at: location) else { throw SchemaError("missing subschema", at: location.uri) }
        switch value {
        case .bool, .object: return try node(for: location, referencedFrom: nil)
        default: throw SchemaError("\"\(tokens[0])\" must contain schemas (objects or booleans), got \(value.typeName)", at: location.uri)
        }
    }

    mutating func subArray(_ ctx: KeywordContext, _ keyword: String) throws(SchemaError) -> [Int]? {
        guard let value = ctx.object[keyword] else { return nil }
        guard case .array(let items) = value, !items.isEmpty else { throw ctx.fail(keyword, "must be a non-empty array of schemas") }
        var result: [Int] = []
        for i in items.indices { result.append(try sub(ctx, keyword, String(i))) }
        return result
    }

    mutating func subMap(_ ctx: KeywordContext, _ keyword: String) throws(SchemaError) -> [(String, Int)]? {
        guard let value = ctx.object[keyword] else { return nil }
        guard case .object(let map) = value else { throw ctx.fail(keyword, "must be an object whose values are schemas") }
        var result: [(String, Int)] = []
        for member in map { result.append((member.key, try sub(ctx, keyword, member.key))) }
        return result
    }

    mutating func regex(_ pattern: String, _ ctx: KeywordContext, _ keyword: String) throws(SchemaError) -> NSRegularExpression {
        if let cached = regexCache[pattern] { return cached }
        do {
            let regex = try ECMARegex.compile(pattern)
            regexCache[pattern] = regex
            return regex
        } catch {
            throw ctx.fail(keyword, "has an invalid regular expression \"\(pattern)\": \(error.message)")
        }
    }

    mutating func reference(_ ctx: KeywordContext, _ keyword: String) throws(SchemaError) -> (Int, anchor: String?)? {
        guard let value = ctx.object[keyword] else { return nil }
        guard case .string(let ref) = value else { throw ctx.fail(keyword, "must be a string") }
        let absolute = URIResolution.resolve(ref, against: ctx.base)
        guard let target = registry.resolve(absolute) else {
            throw ctx.fail(keyword, "cannot be resolved: no schema is registered for \(absolute)")
        }
        let n = try node(for: target.location, referencedFrom: ctx.uri(keyword))
        let isDynamic = target.anchor.map { target.anchorResource?.dynamicAnchors.contains($0) == true } ?? false
        return (n, isDynamic ? target.anchor : nil)
    }

    mutating func compileKeywords(_ ctx: KeywordContext, vocab: Vocabularies) throws(SchemaError) -> [Keyword] {
        let o = ctx.object
        var k: [Keyword] = []
        if let (target, _) = try reference(ctx, "$ref") { k.append(.ref(target)) }
        if let (target, anchor) = try reference(ctx, "$dynamicRef") { k.append(.dynamicRef(target, anchor: anchor)) }

        if vocab.contains(.validation) {
            try compileValidation(ctx, into: &k)
        }
        if let value = o["format"], options.assertFormat || vocab.contains(.formatAssertion) {
            guard case .string(let name) = value else { throw ctx.fail("format", "must be a string") }
            if let format = Format(rawValue: name) { k.append(.format(name, format)) }
        }
        if vocab.contains(.applicator) {
            try compileApplicators(ctx, validation: vocab.contains(.validation), into: &k)
        }
        if vocab.contains(.unevaluated) {
            if o["unevaluatedItems"] != nil { k.append(.unevaluatedItems(try sub(ctx, "unevaluatedItems"))) }
            if o["unevaluatedProperties"] != nil { k.append(.unevaluatedProperties(try sub(ctx, "unevaluatedProperties"))) }
        }
        return k
    }

    /// Cheap assertions come first so `isValid` can fail fast.
    mutating func compileValidation(_ ctx: KeywordContext, into k: inout [Keyword]) throws(SchemaError) {
        let o = ctx.object
        if let value = o["type"] {
            var mask: TypeMask = []
            let names: [JSONValue] = if case .array(let a) = value { a } else { [value] }
            for name in names {
                guard case .string(let s) = name, let t = TypeMask.names.first(where: { $0.0 == s })?.1 else {
                    throw ctx.fail("type", "must be a type name or an array of type names, got \(name)")
                }
                mask.insert(t)
            }
            k.append(.type(mask))
        }
        if let value = o["enum"] {
            guard case .array(let values) = value else { throw ctx.fail("enum", "must be an array") }
            k.append(.enumeration(values, Set(values)))
        }
        if let value = o["const"] { k.append(.const(value)) }
        if let n = try ctx.number("multipleOf") {
            guard n.doubleValue > 0 else { throw ctx.fail("multipleOf", "must be greater than 0") }
            k.append(.multipleOf(n))
        }
        if let n = try ctx.number("maximum") { k.append(.maximum(n)) }
        if let n = try ctx.number("exclusiveMaximum") { k.append(.exclusiveMaximum(n)) }
        if let n = try ctx.number("minimum") { k.append(.minimum(n)) }
        if let n = try ctx.number("exclusiveMinimum") { k.append(.exclusiveMinimum(n)) }
        if let n = try ctx.nonNegativeInt("maxLength") { k.append(.maxLength(n)) }
        if let n = try ctx.nonNegativeInt("minLength"), n > 0 { k.append(.minLength(n)) }
        if let value = o["pattern"] {
            guard case .string(let p) = value else { throw ctx.fail("pattern", "must be a string") }
            k.append(.pattern(p, try regex(p, ctx, "pattern")))
        }
        if let n = try ctx.nonNegativeInt("maxItems") { k.append(.maxItems(n)) }
        if let n = try ctx.nonNegativeInt("minItems"), n > 0 { k.append(.minItems(n)) }
        if let value = o["uniqueItems"] {
            guard case .bool(let b) = value else { throw ctx.fail("uniqueItems", "must be a boolean") }
            if b { k.append(.uniqueItems) }
        }
        if let n = try ctx.nonNegativeInt("maxProperties") { k.append(.maxProperties(n)) }
        if let n = try ctx.nonNegativeInt("minProperties"), n > 0 { k.append(.minProperties(n)) }
        if let names = try ctx.stringArray("required"), !names.isEmpty { k.append(.required(names)) }
        if let value = o["dependentRequired"] {
            guard case .object(let map) = value else { throw ctx.fail("dependentRequired", "must be an object") }
            var deps: [(String, [String])] = []
            for member in map { deps.append((member.key, try ctx.strings(member.value, "dependentRequired"))) }
            k.append(.dependentRequired(deps))
        }
    }

    mutating func compileApplicators(_ ctx: KeywordContext, validation: Bool, into k: inout [Keyword]) throws(SchemaError) {
        let o = ctx.object
        if let subs = try subArray(ctx, "allOf") { k.append(.allOf(subs)) }
        if let subs = try subArray(ctx, "anyOf") { k.append(.anyOf(subs)) }
        if let subs = try subArray(ctx, "oneOf") { k.append(.oneOf(subs)) }
        if o["not"] != nil { k.append(.not(try sub(ctx, "not"))) }
        if o["if"] != nil {
            let then = o["then"] != nil ? try sub(ctx, "then") : nil
            let otherwise = o["else"] != nil ? try sub(ctx, "else") : nil
            k.append(.conditional(if: try sub(ctx, "if"), then: then, else: otherwise))
        }
        if let map = try subMap(ctx, "dependentSchemas") { k.append(.dependentSchemas(map)) }
        if let value = o["dependencies"] {
            // Pre-2019 keyword, still common in the wild: arrays mean dependentRequired, schemas dependentSchemas.
            guard case .object(let map) = value else { throw ctx.fail("dependencies", "must be an object") }
            var required: [(String, [String])] = []
            var schemas: [(String, Int)] = []
            for member in map {
                if case .array = member.value {
                    required.append((member.key, try ctx.strings(member.value, "dependencies")))
                } else {
                    schemas.append((member.key, try sub(ctx, "dependencies", member.key)))
                }
            }
            if !required.isEmpty { k.append(.dependentRequired(required)) }
            if !schemas.isEmpty { k.append(.dependentSchemas(schemas)) }
        }
        var prefixCount = 0
        if let subs = try subArray(ctx, "prefixItems") {
            prefixCount = subs.count
            k.append(.prefixItems(subs))
        }
        if o["items"] != nil { k.append(.items(try sub(ctx, "items"), from: prefixCount)) }
        if o["contains"] != nil {
            let min = validation ? try ctx.nonNegativeInt("minContains") ?? 1 : 1
            let max = validation ? try ctx.nonNegativeInt("maxContains") : nil
            k.append(.contains(try sub(ctx, "contains"), min: min, max: max))
        }
        var known = PropertyTable([])
        if let map = try subMap(ctx, "properties") {
            known = PropertyTable(map)
            k.append(.properties(known))
        }
        var patterns: [NSRegularExpression] = []
        if let map = try subMap(ctx, "patternProperties") {
            var compiled: [PatternSchema] = []
            for (pattern, node) in map {
                compiled.append(PatternSchema(regex: try regex(pattern, ctx, "patternProperties"), node: node))
            }
            patterns = compiled.map(\.regex)
            k.append(.patternProperties(compiled))
        }
        if o["additionalProperties"] != nil {
            k.append(.additionalProperties(try sub(ctx, "additionalProperties"), known: known, patterns: patterns))
        }
        if o["propertyNames"] != nil { k.append(.propertyNames(try sub(ctx, "propertyNames"))) }
    }
}
