import JSONSchema
import KVCore

/// The JSON Schemas of one revision, compiled once: the repository's schema folder, plus kvctl's
/// built-in format schemas wherever the repository has no file of the same path.
public struct SchemaCatalog: Sendable {
    /// Compiled schemas, or why one could not be used, keyed by path relative to the schema folder.
    private let compiled: [String: Result<Schema, SchemaProblem>]
    public let folder: String

    public struct SchemaProblem: Error, Sendable {
        public let message: String
    }

    init(files: [String: [UInt8]], folder: String) {
        self.folder = folder
        var sources = BuiltinSchemas.files.mapValues { Array($0.utf8) }
        sources.merge(files.filter { $0.key.hasSuffix(".json") }) { _, repository in repository }
        var registry = SchemaRegistry()
        var results: [String: Result<Schema, SchemaProblem>] = [:]
        var added: [String] = []
        for (path, bytes) in sources.sorted(by: { $0.key < $1.key }) {
            do {
                try registry.add(try JSONParser.parse(bytes).value, uri: Self.uri(path))
                added.append(path)
            } catch let error as JSONParseError {
                results[path] = .failure(SchemaProblem(message: "\(folder)/\(path) is not valid JSON (\(error))"))
            } catch {
                results[path] = .failure(SchemaProblem(message: "\(folder)/\(path) is not a usable schema: \(error)"))
            }
        }
        // Compiled only after every document is registered, so references between files resolve.
        for path in added {
            do {
                results[path] = .success(try registry.compile(uri: Self.uri(path)))
            } catch {
                results[path] = .failure(SchemaProblem(message: "\(folder)/\(path) does not compile: \(error.message)"))
            }
        }
        compiled = results
    }

    /// A hierarchical base URI, so relative `$ref`s between schema files resolve as paths do.
    private static func uri(_ path: String) -> String {
        "file:///kvctl-schemas/" + path
    }

    /// The schema at `path` (relative to the schema folder), or why it cannot be used.
    public func schema(_ path: String) -> Result<Schema, SchemaProblem> {
        compiled[path] ?? .failure(SchemaProblem(message: "no schema '\(path)' in \(folder)/"))
    }
}
