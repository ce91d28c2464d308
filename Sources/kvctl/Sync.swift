import ArgumentParser
import Foundation
import KVCore
import Publishing
import Workflows

struct Sync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Make an environment run its pinned release.",
        discussion: """
            The pin is the environment's 'version:' (a release tag) or 'track:' (the highest release in a range \
            like "1.x"; pre-releases only with 'pre: true'), read from HEAD's kvctl.yaml, as the environment's \
            address, datacenters and token file are; what the release writes comes from its tag. Then, in each \
            datacenter in the listed order: a pin newer than (or different from) the live release is published; \
            a pin older than the live release is rolled back to (recorded as a rollback); an interrupted publish \
            of the pinned release is resumed; a pin that is live already is left alone, read-only, without the \
            lock. The plan, the lock, drift (--force), the delete guard (--allow-deletes) and the confirmation \
            are publish's. An interrupted publish of another release is refused: publish --resume finishes it, \
            rollback undoes it, or pin the release it was replacing.
            Exit status: as publish: 0 in sync (or planned); 1 refused; 2 bad arguments, no pin, or a pin naming \
            no release; 130 stopped by Ctrl-C.
            """
    )

    @OptionGroup var store: StoreOptions
    @OptionGroup var apply: ApplyOptions
    @OptionGroup var location: RepositoryOptions

    func validate() throws {
        if store.env == nil { throw ValidationError("name the environment to sync: --env NAME") }
    }

    func run() async throws {
        try await SyncWorkflow(selection: store.selection, workflow: apply.workflow)
            .run(source: try ReleaseSource(directory: location.directory)) { writeError($0) }
    }
}
