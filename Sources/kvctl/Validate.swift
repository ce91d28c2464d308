import ArgumentParser
import Foundation
import KVCore
import Snapshots
import Validation
import Workflows

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a revision against schemas and consumer rules."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, sarif, junit
    }

    @OptionGroup var source: RevisionOptions

    @Option(help: "Output format: text, json, sarif or junit.")
    var output: Format = .text

    @Flag(help: "Fail on warnings too.")
    var strict = false

    @OptionGroup var color: ColorOptions

    @Flag(help: "Check every item again instead of reusing results kept in the git folder for unchanged blobs.")
    var noCache = false

    func run() throws {
        let revision = try source.load(cached: !noCache)
        let findings = try revision.validationFindings()
        let read = revision.loaded.manifests + revision.loaded.tree.entries.compactMap(\.origin.file)
        let summary = ValidationSummary(revision: revision.source.label, keys: revision.loaded.tree.count,
                                        findings: findings, files: Set(read).sorted { $0.precedesInByteOrder($1) },
                                        strict: strict)
        switch output {
        case .text: print(TextReport(summary: summary, colored: color.colored(1)).render(), terminator: "")
        case .json: print(try jsonText(summary))
        case .sarif: print(try jsonText(SARIFReport(summary: summary, rules: Validation.rules)))
        case .junit: print(JUnitReport(summary: summary).render(), terminator: "")
        }
        if summary.errors > 0 || (strict && summary.warnings > 0) { throw ExitCode(1) }
    }
}
