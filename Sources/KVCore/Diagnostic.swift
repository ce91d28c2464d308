/// How bad a finding is. Errors make a tree invalid; warnings only fail under `--strict`.
public enum Severity: String, Sendable, Comparable, Codable {
    case warning, error

    public static func < (lhs: Severity, rhs: Severity) -> Bool {
        lhs == .warning && rhs == .error
    }
}

/// A place in a repository file. Lines and columns count from 1; column 0 means "the whole line".
public struct SourceLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// One finding: where, how bad, which rule, and a sentence saying what was expected.
public struct Diagnostic: Error, Sendable, Hashable, Codable {
    public var severity: Severity
    public var location: SourceLocation
    public var rule: String
    public var message: String

    public init(_ severity: Severity, at location: SourceLocation, rule: String, _ message: String) {
        self.severity = severity
        self.location = location
        self.rule = rule
        self.message = message
    }
}

extension Diagnostic: CustomStringConvertible {
    /// The compiler-style form editors and CI annotate: `file:line:column: error: message [rule]`.
    public var description: String {
        "\(location): \(severity.rawValue): \(message) [\(rule)]"
    }
}

extension [Diagnostic] {
    public var hasErrors: Bool { contains { $0.severity == .error } }

    /// Sorted by file, then position, so output is stable run to run.
    public func sortedByLocation() -> [Diagnostic] {
        sorted {
            ($0.location.file, $0.location.line, $0.location.column, $0.message)
                < ($1.location.file, $1.location.line, $1.location.column, $1.message)
        }
    }
}
