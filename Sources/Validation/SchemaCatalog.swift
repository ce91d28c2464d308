import JSONSchema
import KVCore
import Synchronization

/// The JSON Schemas of one revision, compiled once: the repository's schema folder, plus kvctl's
/// built-in format schemas wherever the repository has no file of the same path.
public struct SchemaCatalog: Sendable {
    public let folder: String
    private let registry: SchemaRegistry
    /// Schemas are compiled on first use: a warm pre-commit run may need none of them.
    private let compiled: Compiled
    private let known: Set<String>

    public struct SchemaProblem: Error, Sendable {
        public let message: String
    }

    private final class Compiled: Sendable {
        let results: Mutex<[String: Result<Schema, SchemaProblem>]>
        init(_ failures: [String: Result<Schema, SchemaProblem>]) { results = Mutex(failures) }
    }

    init(files: [String: [UInt8]], folder: String) {
        self.folder = folder
        var sources = BuiltinSchemas.files.mapValues { Array($0.utf8) }
        sources.merge(files.filter { $0.key.hasSuffix(".json") }) { _, repository in repository }
        var registry = SchemaRegistry()
        var failures: [String: Result<Schema, SchemaProblem>] = [:]
        // Every document is registered before any is compiled, so references between files resolve.
        for (path, bytes) in sources.sorted(by: { $0.key < $1.key }) {
            do {
                try registry.add(try JSONParser.parse(bytes).value, uri: Self.uri(path))
            } catch let error as JSONParseError {
                failures[path] = .failure(SchemaProblem(message: "\(folder)/\(path) is not valid JSON (\(error))"))
            } catch {
                failures[path] = .failure(SchemaProblem(message: "\(folder)/\(path) is not a usable schema: \(error)"))
            }
        }
        self.registry = registry
        compiled = Compiled(failures)
        known = Set(sources.keys)
    }

    /// A hierarchical base URI, so relative `$ref`s between schema files resolve as paths do.
    private static func uri(_ path: String) -> String {
        "file:///kvctl-schemas/" + path
    }

    /// The schema at `path` (relative to the schema folder), or why it cannot be used.
    public func schema(_ path: String) -> Result<Schema, SchemaProblem> {
        guard known.contains(path) else { return .failure(SchemaProblem(message: "no schema '\(path)' in \(folder)/")) }
        // Compiled under the lock, so validators starting together compile each schema once.
        return compiled.results.withLock { results in
            if let result = results[path] { return result }
            let result = Result { () throws(SchemaError) in try registry.compile(uri: Self.uri(path)) }
                .mapError { SchemaProblem(message: "\(folder)/\(path) does not compile: \($0.message)") }
            results[path] = result
            return result
        }
    }
}
