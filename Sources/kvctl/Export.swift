import ArgumentParser
import Foundation
import GitKit
import KVCore
import Snapshots
import Publishing
import Workflows

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the tree as 'consul kv import' JSON.",
        discussion: """
            --live reads instead what this repository has published to the store (Consul, or the local store \
            .kvctl/), with the Flags kvctl wrote (the version each key last changed in).
            """
    )

    @OptionGroup var source: RevisionOptions

    @Flag(help: "Export the keys this repository has published to the store, as they are there.")
    var live = false

    @OptionGroup var store: StoreOptions

    func validate() throws {
        if live && (source.at != nil || source.staged || source.worktree) {
            throw ValidationError("--live reads the store, not a revision; drop --at, --staged and --worktree")
        }
    }

    func run() async throws {
        if live { return try await exportLive() }
        let revision = try source.load()
        // Never export a tree that does not load cleanly: the output is meant to be imported.
        try report(revision.diagnostics.filter { $0.severity == .error })
        print(ConsulExport.json(revision.loaded.tree))
    }

    /// The settings that name the repository in the store come from HEAD: the store says which version is live.
    private func exportLive() async throws {
        let repository = try Repository(discovering: source.directory)
        guard let workdir = repository.workdir else { throw usageError("a bare repository has no local store; run kvctl in a clone") }
        let root = URL(fileURLWithPath: workdir)
        let head = try LoadedRevision(.commit("HEAD"), in: repository)
        try report(head.diagnostics.filter { $0.location.file == KVConfig.fileName && $0.severity == .error })
        let name = try repositoryName(config: head.config, root: root)
        try await store.withStore(config: head.config, repositoryRoot: root) { target, targetName in
            writeError("kvctl: reading what '\(name)' published to \(targetName)")
            let published: (record: VersionRecord?, entries: [StoredEntry])
            do {
                published = try await Publisher(store: target, settings: PublishSettings(head.config)).liveEntries(of: name)
            } catch { throw refuse("\(error)") }
            print(ConsulExport.json(published.entries.map { ($0.key, $0.flags, $0.value) }))
            writeError("kvctl: " + (published.record.map { "\(TreeDiff.count(published.entries.count, "key")) of \($0.current.tag) live" }
                ?? "'\(name)' has published nothing to \(target.description)"))
        }
    }
}
