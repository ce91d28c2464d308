import JSONSchema
import KVCore
import Yams

/// A value read as JSON data — a JSON or YAML file, or a setting's text — with a way back from
/// a JSON Pointer to the place in the repository that wrote it.
public struct Document: Sendable {
    public let value: JSONValue
    private let locator: Locator

    enum Locator: Sendable {
        /// Positions are recomputed only when a finding needs one: recording them costs a third of parse speed.
        case json(file: String, bytes: [UInt8])
        case yaml(file: String, marks: [String: SourceLocation])
        case fixed(SourceLocation)
    }

    init(value: JSONValue, locator: Locator) {
        self.value = value
        self.locator = locator
    }

    /// Where the value at `pointer` was written, or the nearest enclosing value's position.
    public func location(of pointer: String) -> SourceLocation {
        locations(of: [pointer])[0]
    }

    /// The locations of many pointers at the cost of one: a JSON value is parsed again for its
    /// positions once per call, so a finding per panel must not mean a parse per panel.
    public func locations(of pointers: [String]) -> [SourceLocation] {
        switch locator {
        case let .json(file, bytes):
            guard !pointers.isEmpty else { return [] }
            let positions = try? JSONParser.parse(bytes, options: .init(recordPositions: true)).positions
            return pointers.map { pointer in
                let found = positions?.nearestLocation(of: pointer)
                return SourceLocation(file: file, line: found?.line ?? 1, column: found?.column ?? 1)
            }
        case let .yaml(file, marks):
            return pointers.map { pointer in
                var probe = pointer
                while marks[probe] == nil, let slash = probe.lastIndex(of: "/") { probe = String(probe[..<slash]) }
                return marks[probe] ?? SourceLocation(file: file, line: 1, column: 1)
            }
        case .fixed(let location):
            return pointers.map { _ in location }
        }
    }

    static func json(_ bytes: [UInt8], file: String) -> Result<Document, Diagnostic> {
        do {
            let parsed = try JSONParser.parse(bytes)
            return .success(Document(value: parsed.value, locator: .json(file: file, bytes: bytes)))
        } catch {
            return .failure(DocumentRules.jsonSyntax.finding(at: SourceLocation(file: file, line: error.line, column: error.column),
                                                             "invalid JSON: \(error.message)"))
        }
    }

    static func yaml(_ bytes: [UInt8], file: String) -> Result<Document, Diagnostic> {
        switch YAMLDocument.compose(bytes, file: file, resolver: .default) {
        case .failure(let diagnostic): return .failure(diagnostic)
        case .success(let composed):
            // Go consumers (go-yaml) refuse a document that repeats a key, so the first repeat is the finding.
            if let repeated = composed.repeats.first { return .failure(repeated) }
            guard let node = composed.root else {
                return .success(Document(value: .null, locator: .fixed(SourceLocation(file: file, line: 1, column: 1))))
            }
            var marks: [String: SourceLocation] = [:]
            let value = convert(node, pointer: "", file: file, marks: &marks)
            return .success(Document(value: value, locator: .yaml(file: file, marks: marks)))
        }
    }

    /// A setting is checked as the JSON value its text denotes: `8080` an integer, `true` a boolean,
    /// `0700` (not valid JSON) a string.
    static func setting(_ entry: KVEntry) -> Document {
        let text = String(decoding: entry.value, as: UTF8.self)
        let value = (try? JSONParser.parseValue(text)) ?? .string(text)
        return Document(value: value, locator: .fixed(entry.valueLocation))
    }

    private static func convert(_ node: Node, pointer: String, file: String, marks: inout [String: SourceLocation]) -> JSONValue {
        marks[pointer] = YAMLDocument.location(of: node, in: file)
        switch node {
        case .scalar(let scalar):
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case Tag.Name.null: return .null
            case Tag.Name.bool: return .bool(Bool.construct(from: scalar) ?? false)
            case Tag.Name.int: return Int.construct(from: scalar).map { .number(JSONNumber($0)) } ?? .string(scalar.string)
            case Tag.Name.float: return Double.construct(from: scalar).map { .number(JSONNumber($0)) } ?? .string(scalar.string)
            default: return .string(scalar.string)
            }
        case .mapping(let mapping):
            var object = JSONObject()
            for (key, value) in mapping {
                let name = key.scalar?.string ?? ""
                object[name] = convert(value, pointer: pointer + "/" + JSONPointer.escape(name), file: file, marks: &marks)
            }
            return .object(object)
        case .sequence(let sequence):
            return .array(sequence.enumerated().map { convert($1, pointer: pointer + "/\($0)", file: file, marks: &marks) })
        case .alias:
            return .null
        }
    }
}

enum DocumentRules {
    static let jsonSyntax = Rule("json-syntax", .error, "A JSON file does not parse.",
                                 rationale: "Consumers parse these values; a syntax error breaks them after publish.",
                                 consumer: "Grafana's file provisioning skips a dashboard file that does not decode (grafana/grafana pkg/services/provisioning/dashboards/file_reader.go), and consul-template's parseJSON stops the render on invalid JSON (hashicorp/consul-template template/funcs.go, parseJSON).")
}
