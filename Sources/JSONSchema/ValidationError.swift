public struct ValidationError: Sendable, Hashable, CustomStringConvertible {
    /// JSON Pointer (RFC 6901) to the offending part of the instance; "" is the root.
    public let instancePath: String
    /// JSON Pointer of the failing keyword inside its schema document, e.g. "/properties/port/maximum".
    public let keywordLocation: String
    /// URI of the schema document that holds the keyword.
    public let schemaURI: String
    public let keyword: String
    public let message: String
    /// For anyOf/oneOf: the errors of each failed alternative.
    public let causes: [ValidationError]

    /// `keywordLocation` as an absolute URI.
    public var absoluteKeywordLocation: String {
        schemaURI + "#" + URIResolution.fragment(forPointer: keywordLocation)
    }

    public var description: String {
        (instancePath.isEmpty ? "(root)" : instancePath) + ": " + message
    }
}

/// A path segment of the instance location, rendered to a JSON Pointer only when an error is reported.
enum PathToken {
    case key(String)
    case index(Int)

    static func pointer(_ tokens: [PathToken]) -> String {
        var s = ""
        for t in tokens {
            switch t {
            case .key(let k): s += "/" + JSONPointer.escape(k)
            case .index(let i): s += "/" + String(i)
            }
        }
        return s
    }
}

/// Short, user-facing renderings of values for messages.
enum Describe {
    static func value(_ v: JSONValue, limit: Int = 60) -> String {
        let text = v.description
        guard text.count > limit else { return text }
        return String(text.prefix(limit)) + "…"
    }

    /// e.g. `string "80"`, `number 3.5`, `object`.
    static func typed(_ v: JSONValue) -> String {
        switch v {
        case .object, .array: v.typeName
        case .null: "null"
        default: v.typeName + " " + value(v)
        }
    }

    static func list(_ values: [JSONValue], max: Int = 10) -> String {
        let shown = values.prefix(max).map { value($0, limit: 40) }.joined(separator: ", ")
        return values.count > max ? shown + ", … (\(values.count) values)" : shown
    }

    static func plural(_ n: Int, _ word: String) -> String { n == 1 ? "1 \(word)" : "\(n) \(word)s" }
}
