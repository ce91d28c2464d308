import ArgumentParser
import Foundation
import KVCore
import Publishing
import Workflows

struct Publish: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish a release to Consul or the local store.",
        discussion: """
            Reads VERSION from its release tag, never the working tree, and refuses it when it does not validate. \
            The plan lists the keys to create, update and delete: a key is deleted only when this repository's \
            version record owns it (or it is under a 'prune:' prefix) and VERSION no longer defines it. Keys \
            another repository owns are never written. Every write and delete is conditioned on the ModifyIndex \
            the plan read, so a key changed meanwhile aborts the publish instead of being overwritten; a key \
            changed outside kvctl since the last publish is refused unless --force.
            A publish with nothing to apply is read-only: it plans without the lock and writes nothing. \
            Publishers take a lock (a Consul session, or .kvctl/publish.lock) and wait for it up to --lock-timeout. \
            A plan deleting more keys than delete-guard in kvctl.yaml allows (default: 25% of the keys the \
            repository owns or 500, whichever is smaller) is refused unless --allow-deletes N. Each template's \
            read set is written in one transaction when it fits; the plan names those that span transactions. \
            A publish of several transactions keeps a journal; if it is interrupted (Ctrl-C stops it after the \
            current transaction), --resume finishes it and 'kvctl rollback' undoes it.
            --plan --out FILE saves the plan (JSON, docs/saved-plans.md) for 'kvctl apply FILE', which applies exactly \
            it or refuses when the store moved since.
            Consul is used when --consul, --env or CONSUL_HTTP_ADDR says where it is; otherwise the local store \
            .kvctl/ in the repository.
            Exit status: 0 published (or planned); 1 refused (invalid version, keys owned by another repository, \
            drift, the delete guard, a conflict, the lock, a store error); 2 bad arguments; 130 stopped by Ctrl-C. \
            With --plan --detailed-exitcode: 0 no changes, 2 changes, 1 any error.
            """
    )

    @Argument(help: ArgumentHelp("The release to publish, like 1.2.0 or v1.2.0.", valueName: "version"))
    var version: String?

    @Flag(help: "Finish the publish that was interrupted (see kvctl status).")
    var resume = false

    @Option(help: ArgumentHelp("With --plan: save the plan to FILE, for kvctl apply FILE (see docs/saved-plans.md).", valueName: "file"))
    var out: String?

    @OptionGroup var store: StoreOptions
    @OptionGroup var apply: ApplyOptions
    @OptionGroup var location: RepositoryOptions

    func validate() throws {
        if resume == (version != nil) { throw ValidationError(resume ? "--resume takes no VERSION" : "name the VERSION to publish") }
        if out != nil && (!apply.plan || resume) { throw ValidationError("--out saves the plan of publish VERSION --plan") }
        if out != nil && apply.detailedExitcode { throw ValidationError("--out and --detailed-exitcode do not go together") }
    }

    func run() async throws {
        let source = try ReleaseSource(directory: location.directory)
        guard let version else { return try await resumeUnfinished(source) }
        let release = try source.release(version)
        let name = try source.name(release.config)
        // Where the environment is comes from HEAD, as pins do; what the release writes, from its tag.
        // A saved plan is of one store, so --out needs one datacenter.
        try await store.withStore(config: try source.headConfig(), repositoryRoot: source.root, everyDatacenter: out == nil) { target, targetName in
            writeError("kvctl: publishing \(release.tag) as '\(name)' to \(targetName)")
            let outcome = try await apply.run(store: target, layout: release.settings.layout, name: name, operation: "publish \(release.tag)") { reader in
                try await .publish(release, name: name, reader: reader)
            }
            if let out { try save(outcome.plan, to: out, store: target, layout: release.settings.layout) }
        }
    }

    private func save(_ plan: PublishPlan, to path: String, store: any KVStore, layout: MetaLayout) throws {
        let saved = SavedPlan(plan, store: store.description, layout: layout, force: apply.force, allowDeletes: apply.allowDeletes)
        do {
            try saved.encoded().write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw WorkflowError("cannot write the plan to \(path): \(error.localizedDescription)")
        }
        writeError("kvctl: saved the plan to \(path); kvctl apply \(path) applies exactly it")
    }

    private func resumeUnfinished(_ source: ReleaseSource) async throws {
        let config = try source.headConfig(), name = try source.name(config)
        try await store.withStore(config: config, repositoryRoot: source.root, everyDatacenter: true) { target, targetName in
            try await apply.run(store: target, layout: PublishSettings(config).layout, name: name, operation: "publish --resume") { reader in
                try await .resume(from: source, name: name, in: targetName, reader: reader)
            }
        }
    }
}
