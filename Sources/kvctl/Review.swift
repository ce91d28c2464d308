import ArgumentParser
import Foundation
import KVCore
import Validation
import Workflows

struct Review: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "One pull-request report of a change.",
        discussion: """
            Validates the newer revision and compares it with the older one. --output markdown prints GitHub-flavoured \
            Markdown: long sections folded in <details>, the whole under 65,536 characters (GitHub's comment limit) \
            with a note of what was cut. --output github prints workflow commands (::error file=...,line=...,col=...::) \
            for annotations, errors first then warnings, at most 10 of each (what GitHub shows per step), and appends \
            the Markdown to the file $GITHUB_STEP_SUMMARY names (or prints it after the commands when it is unset), \
            saying how many annotations were left out. --output json has everything. Values the secret guard reports \
            are never shown. With --env NAME, the plan against that environment's live state (read-only, no lock). \
            Exit status: 1 when the newer revision has validation errors, else 0.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case markdown, github, json
    }

    @OptionGroup var revisions: RevisionPair

    @Option(help: "Output format: markdown, github or json.")
    var output: Format = .markdown

    @Option(help: ArgumentHelp("Add the plan against this environment's live state (read-only).", valueName: "name"))
    var env: String?

    @Option(help: ArgumentHelp("With --env: the datacenter (default: the environment's first).", valueName: "dc"))
    var datacenter: String?

    func run() async throws {
        let (old, new, from, to) = try revisions.load(cached: true)
        let comparison = VersionComparison(old: (old.loaded.tree, old.config), new: (new.loaded.tree, new.config))
        let findings = try new.validationFindings()
        var report = ReviewReport(comparison: comparison, from: from, to: to, findings: findings)
        if let env {
            // One store is read: the named datacenter, else the environment's first.
            var selection = StoreSelection(env: env)
            selection.datacenter = try datacenter ?? selection.environment(in: new.config)?.datacenters.first
            let root = URL(fileURLWithPath: try ReleaseSource(directory: revisions.source.directory).root.path)
            let name = try repositoryName(config: new.config, root: root)
            try await selection.withStore(config: new.config, repositoryRoot: root, stopped: { writeError($0) }) { store, storeName in
                report.plan = try await ReviewPlan.text(store: store, tree: new.loaded.tree, config: new.config, name: name, label: to)
                report.planTarget = "\(env) (\(storeName))"
            }
        }
        switch output {
        case .json:
            print(try jsonText(report))
        case .markdown:
            FileHandle.standardOutput.write(Data(report.markdown().utf8))
        case .github:
            let (commands, leftOut) = report.githubAnnotations()
            FileHandle.standardOutput.write(Data(commands.map { $0 + "\n" }.joined().utf8))
            let summary = report.markdown(leftOut: leftOut)
            if let path = ProcessInfo.processInfo.environment["GITHUB_STEP_SUMMARY"], !path.isEmpty {
                guard let handle = FileHandle(forWritingAtPath: path) ?? (FileManager.default.createFile(atPath: path, contents: nil)
                    ? FileHandle(forWritingAtPath: path) : nil) else { throw refuse("cannot write the step summary to \(path)") }
                handle.seekToEndOfFile()
                handle.write(Data(summary.utf8))
                handle.closeFile()
            } else {
                FileHandle.standardOutput.write(Data(summary.utf8))
            }
        }
        if report.errors > 0 { throw ExitCode(1) }
    }
}
