import ArgumentParser
import Foundation
import KVCore
import Publishing
import Workflows

struct Rollback: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Make an earlier release live again.",
        discussion: """
            With no VERSION: the version published before the current one, walking back one publish per rollback \
            as repeated undo does (rollbacks are skipped); after an \
            interrupted publish, the version it was replacing, exactly. The plan is computed against the live \
            state as publish computes it, drift is refused the same way (--force overwrites), so are mass \
            deletions (--allow-deletes N), and the same lock is taken.
            Exit status: as publish: 0 rolled back (or planned); 1 refused; 2 bad arguments or an unknown version.
            """
    )

    @Argument(help: ArgumentHelp("The release to return to, like 1.1.0 (default: the previous one).", valueName: "version"))
    var version: String?

    @OptionGroup var store: StoreOptions
    @OptionGroup var apply: ApplyOptions
    @OptionGroup var location: RepositoryOptions

    func run() async throws {
        let source = try ReleaseSource(directory: location.directory)
        let config = try source.headConfig(), name = try source.name(config)
        try await store.withStore(config: config, repositoryRoot: source.root, everyDatacenter: true) { target, targetName in
            try await apply.run(store: target, layout: PublishSettings(config).layout, name: name, operation: "rollback") { reader in
                try await .rollback(to: version, from: source, name: name, in: targetName, reader: reader)
            }
        }
    }
}
