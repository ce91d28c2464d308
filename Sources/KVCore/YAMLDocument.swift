import TextPositions
import Yams

/// Parses one YAML file into a node tree, turning libyaml's failures into located diagnostics.
public enum YAMLDocument {
    /// The basic resolver tags every scalar as a string: manifests keep source text, so libyaml's
    /// per-scalar regex matching for ints, floats and dates would be wasted work there. Data files
    /// that are checked as JSON values pass `.default` to get typed scalars.
    public static func compose(_ bytes: [UInt8], file: String, resolver: Resolver = .basic) -> Result<Node?, Diagnostic> {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let (line, column) = lineAndColumn(ofByte: firstInvalidUTF8Offset(bytes), in: bytes)
            return .failure(LoaderRules.yamlSyntax.finding(at: SourceLocation(file: file, line: line, column: column),
                                   "the file is not valid UTF-8; expected UTF-8 text"))
        }
        do {
            return .success(try Yams.compose(yaml: text, resolver))
        } catch let error as YamlError {
            return .failure(diagnostic(for: error, file: file, text: text))
        } catch {
            return .failure(LoaderRules.yamlSyntax.finding(at: SourceLocation(file: file, line: 1, column: 1), "\(error)"))
        }
    }

    public static func location(of node: Node, in file: String) -> SourceLocation {
        SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
    }

    /// Whether a plain scalar is YAML's null (`key:` with nothing, `~`, `null`).
    public static func isNull(_ scalar: Node.Scalar) -> Bool {
        scalar.style == .plain && isNull(plain: scalar.string)
    }

    /// Whether the text of a plain scalar reads as null; shared with `PlainManifestScanner`.
    static func isNull(plain text: String) -> Bool {
        ["", "~", "null", "Null", "NULL"].contains(text)
    }

    private static func diagnostic(for error: YamlError, file: String, text: String) -> Diagnostic {
        func located(_ line: Int, _ column: Int, _ message: String) -> Diagnostic {
            LoaderRules.yamlSyntax.finding(at: SourceLocation(file: file, line: line, column: column), message)
        }
        func sentence(_ context: YamlError.Context?, _ problem: String) -> String {
            let where_ = context.map { " (\($0.text) at line \($0.mark.line), column \($0.mark.column))" } ?? ""
            return "invalid YAML: \(problem)\(where_)"
        }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            return located(mark.line, mark.column, sentence(context, problem))
        case let .duplicatedKeysInMapping(duplicates, context):
            let names = duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
            return located(context.mark.line, context.mark.column, "invalid YAML: the mapping repeats \(names); expected each field once")
        case let .reader(problem, offset, _, _):
            let (line, column) = lineAndColumn(ofByte: offset ?? 0, in: Array(text.utf8))
            return located(line, column, "invalid YAML: \(problem)")
        default:
            return located(1, 1, "invalid YAML: \(error)")
        }
    }
}

/// 1-based line and column (in Unicode scalars) of a byte offset.
public func lineAndColumn(ofByte offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
    let position = LineIndex(bytes).position(of: offset)
    return (position.line, position.column)
}

private func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int {
    var iterator = bytes.makeIterator()
    var decoder = UTF8()
    var offset = 0
    while true {
        switch decoder.decode(&iterator) {
        case .scalarValue(let scalar): offset += UTF8.width(scalar)
        case .emptyInput, .error: return offset
        }
    }
}
