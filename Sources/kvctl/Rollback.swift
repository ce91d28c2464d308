import ArgumentParser
import Foundation
import KVCore
import Publishing

struct Rollback: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
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
                let live = try await reader.readRecords()
                let tag = try version ?? previous(live, name: name, in: targetName)
                let release = try source.release(tag)
                return ApplyOptions.Target(request: release.request(name: name, kind: .rollback), settings: release.settings,
                    announcement: "kvctl: rolling back '\(name)' \(live.own.map { "from \($0.record.current.tag) " } ?? "")to \(release.tag) in \(targetName)",
                    finishing: true)
            }
        }
    }

    /// The version an interrupted publish was replacing, else the one published before the current one.
    private func previous(_ live: LiveState, name: String, in targetName: String) throws -> String {
        if let journal = live.unfinished?.journal {
            guard let from = journal.from else {
                throw refuse("the \(journal.summary) was the first publish of '\(name)', so there is nothing to return to; "
                    + "kvctl publish --resume finishes it")
            }
            return from.tag
        }
        guard let record = live.own?.record else { throw refuse("'\(name)' has published nothing to \(targetName)") }
        guard let previous = record.undoTarget else {
            throw refuse(record.history.isEmpty
                ? "\(record.current.tag) is the only version '\(name)' has published; name the VERSION to roll back to"
                : "\(record.current.tag) is the earliest publish of '\(name)' the history keeps: rollbacks have undone every later one; "
                    + "name the VERSION to roll back to")
        }
        return previous.tag
    }
}
