import ArgumentParser
import Foundation
import KVCore
import Publishing
import Workflows

struct Apply: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Apply exactly a plan saved by publish --plan --out.",
        discussion: """
            Writes exactly the operations of FILE (see docs/saved-plans.md), under the same lock as publish and \
            with the same question (--yes off a terminal). Before writing anything it reads the ModifyIndex of every \
            key the plan is conditioned on, and of the records, chunks and journals under the meta prefix: when \
            any moved since the plan was made it refuses, naming them, and writes nothing. Drift and the delete \
            guard are judged as when the plan was made: with its --force and --allow-deletes.
            The store is chosen as publish chooses it, and must be the one the plan was made for.
            Exit status: 0 applied (or nothing to do); 1 refused (a key moved, another store, drift, the delete \
            guard, the lock, a store error); 2 bad arguments, an unreadable file or one of another format; 130 \
            stopped by Ctrl-C.
            """
    )

    @Argument(help: ArgumentHelp("The plan written by kvctl publish VERSION --plan --out FILE.", valueName: "file"))
    var file: String

    @OptionGroup var writing: WriteOptions

    @Option(help: "Output format: text or json.")
    var output: OutputFormat = .text

    @OptionGroup var color: ColorOptions
    @OptionGroup var store: StoreOptions
    @OptionGroup var location: RepositoryOptions

    func run() async throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch {
            throw WorkflowError.usage("cannot read \(file): \(error.localizedDescription)")
        }
        let saved: SavedPlan
        do { saved = try SavedPlan.decode(data, source: file) } catch { throw WorkflowError.usage(error.description) }
        let source = try ReleaseSource(directory: location.directory)
        var policy = writing.policy
        policy.overwriteDrift = saved.force
        policy.allowedDeletes = saved.allowDeletes
        policy.colored = output == .text && color.colored(1)
        let workflow = ApplyWorkflow(policy: policy, interaction: TerminalInteraction(json: output == .json))
        try await store.withStore(config: try source.headConfig(), repositoryRoot: source.root) { target, _ in
            let fixed = try ApplyTarget.saved(saved, source: file, store: target)
            try await workflow.run(store: target, layout: fixed.settings.layout, name: saved.repository,
                                   operation: "apply \(saved.publication.tag)") { _ in fixed }
        }
    }
}
