#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import Foundation
import KVCore
import Publishing
import Workflows

/// The flags publish, rollback and sync share, and the terminal side of `ApplyWorkflow`: the plan on
/// stdout (or its JSON report), progress on stderr, the question before writing, Ctrl-C.
struct ApplyOptions: ParsableArguments {
    @Flag(help: "Print the plan and stop.")
    var plan = false

    @Flag(help: "With --plan: exit 2 when the plan has changes, 0 when it has none (as terraform plan does).")
    var detailedExitcode = false

    @Flag(help: "Apply without asking.")
    var yes = false

    @Flag(help: "Overwrite keys changed outside kvctl since the last publish.")
    var force = false

    @Option(help: ArgumentHelp("How long to wait for another publisher's lock, in seconds.", valueName: "seconds"))
    var lockTimeout: Double = 30

    @Option(help: "Output format: text or json.")
    var output: OutputFormat = .text

    @Option(help: ArgumentHelp("Let the plan delete up to N keys, past the delete guard (delete-guard in kvctl.yaml).", valueName: "N"))
    var allowDeletes: Int?

    @OptionGroup var color: ColorOptions

    func validate() throws {
        if detailedExitcode && !plan { throw ValidationError("--detailed-exitcode goes with --plan") }
        if lockTimeout < 0 { throw ValidationError("--lock-timeout must be 0 or more seconds") }
        if let allowDeletes, allowDeletes < 0 { throw ValidationError("--allow-deletes must be 0 or more keys") }
    }

    var workflow: ApplyWorkflow {
        var policy = ApplyPolicy()
        policy.planOnly = plan
        policy.detailedExitcode = detailedExitcode
        policy.confirmed = yes
        policy.overwriteDrift = force
        policy.lockTimeout = .milliseconds(Int(lockTimeout * 1000))
        policy.allowedDeletes = allowDeletes
        policy.colored = output == .text && color.colored(1)
        return ApplyWorkflow(policy: policy, interaction: TerminalInteraction(json: output == .json))
    }

    func run(store: any KVStore, layout: MetaLayout, name: String, operation: String,
             target: (LiveStateReader) async throws -> ApplyTarget) async throws {
        try await workflow.run(store: store, layout: layout, name: name, operation: operation, target: target)
    }
}

/// `ApplyInteraction` at a terminal or in a pipe.
struct TerminalInteraction: ApplyInteraction {
    let json: Bool

    func say(_ line: String) { writeError(line) }

    func planned(_ rendering: PlanRendering) {
        if !json { FileHandle.standardOutput.write(Data(rendering.text().utf8)) }
    }

    func finished(_ rendering: PlanRendering, applied: Bool) {
        if json, let text = try? jsonText(rendering.report(applied: applied)) { print(text) }
    }

    /// `phrase`: "publish v1.2.0 to Consul at ...".
    func confirm(_ phrase: String) async throws {
        guard isatty(0) == 1 else { throw usageError("stdin is not a terminal, so kvctl cannot ask; pass --yes to \(phrase)") }
        FileHandle.standardError.write(Data("\(phrase.prefix(1).uppercased() + phrase.dropFirst())? [y/N] ".utf8))
        guard let answer = readLine()?.lowercased(), ["y", "yes"].contains(answer) else { throw refuse("nothing was written") }
    }

    func progress(_ progress: ApplyProgress) {
        ProgressDisplay(terminal: isatty(2) == 1).show(progress)
    }

    func beginApply() -> any ApplyStop { Interruption() }
}

/// `--no-color`, and the NO_COLOR convention (https://no-color.org: set and not empty turns colour off).
struct ColorOptions: ParsableArguments {
    @Flag(help: "Never colour the output (as NO_COLOR does).")
    var noColor = false

    /// Whether to colour what goes to `descriptor`: a terminal, and nothing saying no.
    func colored(_ descriptor: Int32) -> Bool {
        !noColor && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty && isatty(descriptor) == 1
    }
}
