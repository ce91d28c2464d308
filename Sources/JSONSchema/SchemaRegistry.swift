import Foundation

/// A compile-time problem: bad keyword values, unresolvable references, unsupported vocabularies.
public struct SchemaError: Error, Sendable, CustomStringConvertible {
    public let message: String
    /// Absolute URI (with JSON Pointer fragment) of the offending schema location, if known.
    public let location: String?

    public init(_ message: String, at location: String? = nil) {
        self.message = message
        self.location = location
    }

    public var description: String { location.map { "\($0): \(message)" } ?? message }
}

/// A schema resource: the root of a document or a subschema with its own `$id`.
struct SchemaResource: Sendable {
    var uri: String
    let document: String
    let pointer: String
    var anchors: [String: String] = [:]  // name -> document pointer
    var dynamicAnchors: Set<String> = []
}

/// Where a `$ref` lands: a document and a JSON Pointer inside it.
struct SchemaLocation: Sendable, Hashable {
    let document: String
    let pointer: String
    var uri: String { document + "#" + URIResolution.fragment(forPointer: pointer) }
}

/// Holds schema documents by URI and indexes their resources, anchors and subschema base URIs.
/// A value type, so a registry pre-loaded with meta-schemas can be copied cheaply and extended.
public struct SchemaRegistry: Sendable {
    public static let draft202012MetaSchemaURI = "https://json-schema.org/draft/2020-12/schema"

    private(set) var documents: [String: JSONValue] = [:]
    private(set) var resources: [SchemaResource] = []
    private var resourceIDs: [String: Int] = [:]
    /// Per document: JSON Pointer of each indexed subschema -> id of the resource that encloses it.
    private var subschemas: [String: [String: Int]] = [:]
    private var anonymousCount = 0

    public init() {}

    /// Adds a schema document retrievable at `uri`. `$id`s inside it are registered as well.
    public mutating func add(_ document: JSONValue, uri: String) throws(SchemaError) {
        let docURI = URIReference(uri).withoutFragment.description
        guard documents[docURI] == nil else { throw SchemaError("a document is already registered at \(docURI)") }
        var copy = self
        copy.documents[docURI] = document
        let root = copy.newResource(uri: docURI, document: docURI, pointer: "")
        try copy.index(document, pointer: "", resource: root, document: docURI)
        self = copy
    }

    /// Adds a document under its root `$id`, or under a generated URI if it has none. Returns the URI.
    @discardableResult
    public mutating func add(_ document: JSONValue) throws(SchemaError) -> String {
        let uri: String
        if let id = document["$id"]?.stringValue, URIReference(id).scheme != nil {
            uri = URIReference(id).withoutFragment.description
        } else {
            anonymousCount += 1
            uri = "urn:kvctl:schema:\(anonymousCount)"
        }
        try add(document, uri: uri)
        return uri
    }

    /// Loads every `*.json` file below `directory`, registering `relative/path.json` at `baseURI` + that path.
    /// Use it for the meta-schemas (base `https://json-schema.org/draft/2020-12/`): their `$id`s register them too.
    public mutating func addDocuments(inDirectory directory: String, baseURI: String) throws {
        let root = URL(fileURLWithPath: directory, isDirectory: true).standardizedFileURL
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else {
            throw SchemaError("cannot read directory \(directory)")
        }
        var files: [URL] = []
        for case let url as URL in walker where url.pathExtension == "json" { files.append(url) }
        let prefix = root.path.hasSuffix("/") ? root.path : root.path + "/"
        for url in files.sorted(by: { $0.path < $1.path }) {
            let relative = String(url.standardizedFileURL.path.dropFirst(prefix.count))
            let document: JSONValue
            do {
                document = try JSONParser.parse(try Data(contentsOf: url)).value
            } catch let error as JSONParseError {
                throw SchemaError("\(url.path): \(error)")
            }
            try add(document, uri: baseURI + relative)
        }
    }

    private mutating func newResource(uri: String, document: String, pointer: String) -> Int {
        resources.append(SchemaResource(uri: uri, document: document, pointer: pointer))
        resourceIDs[uri] = resources.count - 1
        return resources.count - 1
    }

    /// Walks only keywords that hold subschemas, so `$id`-like strings inside `enum`,
    /// `const` or unknown keywords are not mistaken for identifiers.
    private mutating func index(_ value: JSONValue, pointer: String, resource: Int, document: String) throws(SchemaError) {
        guard case .object(let object) = value else {
            subschemas[document, default: [:]][pointer] = resource
            return
        }
        var resource = resource
        if let id = object["$id"]?.stringValue {
            let uri = URIReference(URIResolution.resolve(id, against: resources[resource].uri)).withoutFragment.description
            if pointer.isEmpty {
                // A root $id names the same resource as the retrieval URI and becomes its base.
                if let existing = resourceIDs[uri], existing != resource {
                    throw SchemaError("duplicate $id \(uri)", at: document)
                }
                resources[resource].uri = uri
                resourceIDs[uri] = resource
            } else if uri != resources[resource].uri {
                if let existing = resourceIDs[uri] {
                    let r = resources[existing]
                    throw SchemaError(
                        "duplicate $id \(uri) (also defined at \(SchemaLocation(document: r.document, pointer: r.pointer).uri))",
                        at: SchemaLocation(document: document, pointer: pointer).uri)
                }
                resource = newResource(uri: uri, document: document, pointer: pointer)
            }
        }
        subschemas[document, default: [:]][pointer] = resource
        if let anchor = object["$anchor"]?.stringValue { resources[resource].anchors[anchor] = pointer }
        if let anchor = object["$dynamicAnchor"]?.stringValue {
            resources[resource].anchors[anchor] = pointer
            resources[resource].dynamicAnchors.insert(anchor)
        }
        for member in object {
            let childPointer = pointer + "/" + JSONPointer.escape(member.key)
            switch Keywords.subschemaShape[member.key] {
            case .single:
                try index(member.value, pointer: childPointer, resource: resource, document: document)
            case .array:
                for (i, sub) in (member.value.arrayValue ?? []).enumerated() {
                    try index(sub, pointer: childPointer + "/\(i)", resource: resource, document: document)
                }
            case .map:
                for m in member.value.objectValue ?? JSONObject() {
                    try index(m.value, pointer: childPointer + "/" + JSONPointer.escape(m.key), resource: resource, document: document)
                }
            case nil:
                break
            }
        }
    }

    func resource(forURI uri: String) -> SchemaResource? {
        resourceIDs[uri].map { resources[$0] }
    }

    /// The resource enclosing a location; locations outside indexed subschemas (e.g. inside an
    /// unknown keyword reached by a JSON Pointer) take the closest indexed ancestor.
    func enclosingResource(of location: SchemaLocation) -> Int? {
        guard let map = subschemas[location.document] else { return nil }
        var pointer = Substring(location.pointer)
        while true {
            if let r = map[String(pointer)] { return r }
            guard let slash = pointer.lastIndex(of: "/") else { return nil }
            pointer = pointer[..<slash]
        }
    }

    /// Resolves an absolute URI with optional fragment (JSON Pointer or anchor name).
    func resolve(_ uri: String) -> (location: SchemaLocation, anchorResource: SchemaResource?, anchor: String?)? {
        let (base, fragment) = URIResolution.split(uri)
        guard let resource = resource(forURI: base) else { return nil }
        if fragment.isEmpty || fragment.hasPrefix("/") {
            return (SchemaLocation(document: resource.document, pointer: resource.pointer + fragment), nil, nil)
        }
        guard let pointer = resource.anchors[fragment] else { return nil }
        return (SchemaLocation(document: resource.document, pointer: pointer), resource, fragment)
    }

    func value(at location: SchemaLocation) -> JSONValue? {
        documents[location.document]?.value(atPointer: location.pointer)
    }

    // MARK: Compiling

    /// Compiles the schema registered at `uri` (a fragment may select a subschema).
    public func compile(uri: String, options: ValidationOptions = .init()) throws(SchemaError) -> Schema {
        var compiler = SchemaCompiler(registry: self, options: options)
        return try compiler.compile(rootURI: uri)
    }

    /// Registers `schema` in a copy of this registry and compiles it.
    public func compile(_ schema: JSONValue, options: ValidationOptions = .init()) throws(SchemaError) -> Schema {
        var copy = self
        let uri = try copy.add(schema)
        return try copy.compile(uri: uri, options: options)
    }
}
