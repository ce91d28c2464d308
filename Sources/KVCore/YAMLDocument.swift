import TextPositions
import Yams

/// Parses one YAML file into a node tree, turning libyaml's failures into located diagnostics.
public enum YAMLDocument {
    /// A composed document, and the keys it repeated: each reported where it is repeated, its entry
    /// dropped so the rest of the file is still checked (go-yaml, which Go consumers use, refuses the
    /// file: "mapping key already defined").
    public struct Composed {
        public let root: Node?
        public let repeats: [Diagnostic]
    }

    /// The basic resolver tags every scalar as a string: manifests keep source text, so libyaml's
    /// per-scalar regex matching for ints, floats and dates would be wasted work there. Data files
    /// that are checked as JSON values pass `.default` to get typed scalars.
    public static func compose(_ bytes: [UInt8], file: String, resolver: Resolver = .basic) -> Result<Composed, Diagnostic> {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let (line, column) = lineAndColumn(ofByte: firstInvalidUTF8Offset(bytes), in: bytes)
            return .failure(LoaderRules.yamlSyntax.finding(at: SourceLocation(file: file, line: line, column: column),
                                   "the file is not valid UTF-8; expected UTF-8 text"))
        }
        func located(_ position: YAMLEvents.Position) -> SourceLocation {
            SourceLocation(file: file, line: position.line, column: position.column)
        }
        // Without both an anchor and an alias nothing can expand.
        if bytes.contains(UInt8(ascii: "*")) && bytes.contains(UInt8(ascii: "&")),
           case .tooManyAliasedNodes(let at) = YAMLEvents.scan(bytes) {
            return .failure(LoaderRules.yamlAliasLimit.finding(at: located(at),
                "YAML aliases here expand the document by more than \(YAMLEvents.aliasNodeLimit) nodes, "
                    + "the most kvctl reads; write the data out or use fewer nested aliases"))
        }
        do {
            return .success(Composed(root: try Yams.compose(yaml: text, resolver), repeats: []))
        } catch let error as YamlError {
            if case .duplicatedKeysInMapping = error, let composed = withoutRepeats(text, bytes, file: file, resolver) {
                return .success(composed)
            }
            return .failure(diagnostic(for: error, file: file, text: text))
        } catch {
            return .failure(LoaderRules.yamlSyntax.finding(at: SourceLocation(file: file, line: 1, column: 1), "\(error)"))
        }
    }

    /// The document with every repeated entry blanked out (newlines kept, so every position stays), and
    /// a finding at each repeat; nil when that still does not compose.
    private static func withoutRepeats(_ text: String, _ bytes: [UInt8], file: String, _ resolver: Resolver) -> Composed? {
        guard case .scanned(let repeats) = YAMLEvents.scan(bytes), !repeats.isEmpty else { return nil }
        var scalars = Array(text.unicodeScalars)
        // libyaml's indexes count characters after a byte order mark it skipped.
        let base = scalars.first == "\u{FEFF}" ? 1 : 0
        let breaks: Set<Unicode.Scalar> = ["\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"]
        for entry in repeats {
            for index in (entry.characters.lowerBound + base)..<min(entry.characters.upperBound + base, scalars.count)
            where !breaks.contains(scalars[index]) {
                scalars[index] = " "
            }
        }
        var blanked = String.UnicodeScalarView()
        blanked.append(contentsOf: scalars)
        guard let root = try? Yams.compose(yaml: String(blanked), resolver) else { return nil }
        let findings = repeats.map { entry in
            LoaderRules.yamlSyntax.finding(at: SourceLocation(file: file, line: entry.at.line, column: entry.at.column),
                "invalid YAML: '\(entry.name)' is repeated in this mapping (first at line \(entry.first.line), "
                    + "column \(entry.first.column)); expected each key once")
        }
        return Composed(root: root, repeats: findings)
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
        case let .scanner(_, _, mark, _) where indentsWithTab(text, line: mark.line, column: mark.column):
            return located(mark.line, mark.column, "invalid YAML: a tab indents this line; YAML forbids tabs for indentation, indent with spaces")
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

/// Whether the character at a 1-based line and column (in Unicode scalars) is a tab with only blanks
/// before it on its line: libyaml stops there with "found character that cannot start any token".
private func indentsWithTab(_ text: String, line: Int, column: Int) -> Bool {
    guard line >= 1, column >= 1 else { return false }
    let scalars = text.unicodeScalars
    var start = scalars.startIndex, current = 1
    while current < line {
        guard let newline = scalars[start...].firstIndex(of: "\n") else { return false }
        start = scalars.index(after: newline)
        current += 1
    }
    let prefix = scalars[start...].prefix(column)
    return prefix.count == column && prefix.last == "\t" && prefix.dropLast().allSatisfy { $0 == " " || $0 == "\t" }
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
