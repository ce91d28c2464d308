#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import ConsulKit
import Foundation
import GitKit
import KVCore
import Publishing
import Snapshots

struct Publish: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Publish a release to Consul or the local store.",
        discussion: """
            Reads VERSION from its release tag, never the working tree, and refuses it when it does not validate. \
            The plan lists the keys to create, update and delete: a key is deleted only when this repository's \
            version record owns it (or it is under a 'prune:' prefix) and VERSION no longer defines it. Keys \
            another repository owns are never written. Every write and delete is conditioned on the ModifyIndex \
            the plan read, so a key changed meanwhile aborts the publish instead of being overwritten.
            Consul is used when --consul, --env or CONSUL_HTTP_ADDR says where it is; otherwise the local store \
            .kvctl/ in the repository.
            Exit status: 0 published (or planned); 1 refused (invalid version, keys owned by another repository, \
            a conflict, a store error); 2 bad arguments, or with --plan --detailed-exitcode, a plan with changes.
            """
    )

    @Argument(help: ArgumentHelp("The release to publish, like 1.2.0 or v1.2.0.", valueName: "version"))
    var version: String

    @OptionGroup var store: StoreOptions

    @Flag(help: "Print the plan and stop.")
    var plan = false

    @Flag(help: "With --plan: exit 2 when the plan has changes, 0 when it has none (as terraform plan does).")
    var detailedExitcode = false

    @Flag(help: "Apply without asking.")
    var yes = false

    @Option(help: "Output format: text or json.")
    var output: OutputFormat = .text

    @OptionGroup var location: RepositoryOptions

    func validate() throws {
        if detailedExitcode && !plan { throw ValidationError("--detailed-exitcode goes with --plan") }
    }

    func run() async throws {
        let repository = try Repository(discovering: location.directory)
        guard let workdir = repository.workdir else { throw usageError("a bare repository has no place for the local store; run kvctl in a clone") }
        let root = URL(fileURLWithPath: workdir)
        let release = try releaseTag(in: repository)
        let revision = try LoadedRevision(.commit(release.commit.description), in: repository)
        let findings = try revision.validationFindings().filter { $0.severity == .error }
        if !findings.isEmpty { writeError("kvctl: error: refusing to publish \(release.tag.name): its content does not validate") }
        try report(findings)

        let config = revision.config
        let name = try repositoryName(config: config, root: root)
        let request = PublishRequest(name: name, version: release.version, tag: release.tag.name, commit: release.commit.description,
                                     publisher: publisher(repository), date: Date(), tree: revision.loaded.tree, sentinels: config.sentinels)
        try await store.withStore(config: config, repositoryRoot: root) { target, targetName in
            writeError("kvctl: publishing \(release.tag.name) as '\(name)' to \(targetName)")
            try await publish(request, to: Publisher(store: target, settings: PublishSettings(config)))
        }
    }

    private func publish(_ request: PublishRequest, to publisher: Publisher) async throws {
        let tag = request.publication.tag, target = publisher.store.description
        let planned: PublishPlan
        do { planned = try await publisher.plan(request) } catch { throw refuse("\(error)") }

        let rendering = PlanRendering(plan: planned, colored: output == .text && isatty(1) == 1)
        if output == .text { FileHandle.standardOutput.write(Data(rendering.text().utf8)) }
        guard planned.refusals.isEmpty else {
            if output == .json { print(try jsonText(rendering.report(applied: false))) }
            throw refuse("refusing to publish \(tag): \(TreeDiff.count(planned.refusals.count, "key")) belong elsewhere:\n"
                + planned.refusals.map { "  \($0)" }.joined(separator: "\n"))
        }
        if plan || !planned.hasChanges {
            if output == .json { print(try jsonText(rendering.report(applied: false))) }
            if !plan { writeError("kvctl: nothing to publish: \(tag) is live as tagged\(requests(publisher.store))") }
            if detailedExitcode && planned.hasChanges { throw ExitCode(2) }
            return
        }
        if !yes { try confirm(tag, to: target) }
        do {
            try await publisher.apply(planned, progress: ProgressDisplay(terminal: isatty(2) == 1).show)
        } catch {
            throw refuse("publish of \(tag) aborted: \(error)")
        }
        if output == .json { print(try jsonText(rendering.report(applied: true))) }
        writeError("kvctl: published \(tag) to \(target) in \(TreeDiff.count(planned.transactions.count, "transaction"))"
            + requests(publisher.store))
    }

    /// How many HTTP requests Consul was sent, retries included (what `make bench` reports).
    private func requests(_ store: any KVStore) -> String {
        (store as? ConsulClient).map { " (\(TreeDiff.count($0.requestCount, "request")))" } ?? ""
    }

    private func releaseTag(in repository: Repository) throws -> ReleaseTags.Release {
        let tags = try ReleaseTags(repository: repository, prefix: try tagPrefix(in: repository))
        guard let wanted = SemanticVersion(version) ?? SemanticVersion(version, prefix: tags.prefix) else {
            throw usageError("'\(version)' is not a semantic version like 1.2.0")
        }
        guard let release = tags.releases.first(where: { $0.tag.name == tags.prefix + wanted.description }) else {
            let known = tags.releases.suffix(5).map(\.tag.name)
            throw usageError("no release tag \(tags.prefix + wanted.description)"
                + (known.isEmpty ? "; create one with kvctl release" : "; the latest are \(known.joined(separator: ", ")) (kvctl versions lists all)"))
        }
        return release
    }

    /// Who publishes, for the version record: git's identity, else the login.
    private func publisher(_ repository: Repository) -> String {
        if let signature = try? repository.defaultSignature() { return "\(signature.name) <\(signature.email)>" }
        return ProcessInfo.processInfo.environment["USER"] ?? "unknown"
    }

    private func confirm(_ tag: String, to target: String) throws {
        guard isatty(0) == 1 else {
            throw usageError("stdin is not a terminal, so kvctl cannot ask; pass --yes to publish \(tag) to \(target)")
        }
        FileHandle.standardError.write(Data("Publish \(tag) to \(target)? [y/N] ".utf8))
        guard let answer = readLine()?.lowercased(), ["y", "yes"].contains(answer) else { throw refuse("nothing was published") }
    }
}
