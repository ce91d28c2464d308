import KVCore

/// Why a workflow stopped, with the exit status the CLI documents: 1 when the repository's or the
/// store's state is the reason, 2 when the arguments are, 130 when the user interrupted. Front ends
/// print `message` (the CLI as "kvctl: error: ..."; the agent as a log line).
public struct WorkflowError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public let status: Int32

    public init(_ message: String, status: Int32 = 1) {
        self.message = message
        self.status = status
    }

    public static func usage(_ message: String) -> WorkflowError { WorkflowError(message, status: 2) }

    public var description: String { message }
}

/// Findings that stop a workflow (a release that does not validate, errors in kvctl.yaml): the
/// front end shows them, compiler style, after `headline`.
public struct InvalidContent: Error, Sendable, CustomStringConvertible {
    public let headline: String?
    public let findings: [Diagnostic]

    public init(headline: String? = nil, findings: [Diagnostic]) {
        self.headline = headline
        self.findings = findings
    }

    /// For a log line (the agent's): the headline if any, then each finding as `file:line:col: error: ...`.
    public var description: String {
        ((headline.map { [$0] } ?? []) + findings.map(\.description)).joined(separator: "; ")
    }

    /// Throws when any finding is an error.
    static func check(_ findings: [Diagnostic], headline: String? = nil) throws {
        let errors = findings.filter { $0.severity == .error }
        if !errors.isEmpty { throw InvalidContent(headline: headline, findings: errors) }
    }
}

/// Runs a store or planner call, turning its errors into refusals worded by the error itself.
func refusing<T>(_ prefix: String = "", _ body: () async throws -> T) async throws -> T {
    do { return try await body() } catch let error as WorkflowError { throw error } catch let error as InvalidContent {
        throw error
    } catch { throw WorkflowError(prefix + "\(error)") }
}

/// `--plan --detailed-exitcode` found changes: exit 2, the one status that means it (as `terraform plan`).
public struct PlanHasChanges: Error, Sendable {
    public init() {}
}
