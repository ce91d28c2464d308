import ArgumentParser
import Foundation
import KVCore
import Publishing
import Workflows

struct Unpublish: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpublish",
        abstract: "Delete everything this repository owns in a store.",
        discussion: """
            Deletes the keys this repository's version record owns (and those an unfinished publish wrote), its \
            record, the chunks of its key list and its journal. Keys another repository owns are never touched. \
            It states the count and asks; off a terminal --yes is required. The delete guard does not apply. It \
            takes the publish lock, and every delete is conditioned on the ModifyIndex read, so a key changed \
            meanwhile stops it. An interrupted unpublish is finished by running it again (keys go first, the \
            record after them, the chunks last).
            Exit status: 0 unpublished (or nothing to do); 1 refused (a key changed, the lock, a store error); \
            2 bad arguments, or no --yes off a terminal; 130 stopped by Ctrl-C.
            """
    )

    @OptionGroup var writing: WriteOptions

    @OptionGroup var store: StoreOptions
    @OptionGroup var location: RepositoryOptions

    func run() async throws {
        let source = try ReleaseSource(directory: location.directory)
        let config = try source.headConfig(), name = try source.name(config)
        let workflow = ApplyWorkflow(policy: writing.policy, interaction: TerminalInteraction(json: false))
        try await store.withStore(config: config, repositoryRoot: source.root, everyDatacenter: true) { target, _ in
            try await workflow.unpublish(store: target, settings: PublishSettings(config), name: name)
        }
    }
}
