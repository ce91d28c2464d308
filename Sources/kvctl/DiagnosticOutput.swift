import ArgumentParser
import KVCore

/// Prints findings to stderr, compiler style, and fails with status 1 when any is an error.
func report(_ diagnostics: [Diagnostic], failOnErrors: Bool = true) throws {
    for diagnostic in diagnostics { writeError(diagnostic.description) }
    if failOnErrors && diagnostics.hasErrors {
        let count = diagnostics.filter { $0.severity == .error }.count
        writeError("kvctl: \(count) error\(count == 1 ? "" : "s"); nothing was changed")
        throw ExitCode(1)
    }
}
