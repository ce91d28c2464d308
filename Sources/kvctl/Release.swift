#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import Foundation
import GitKit
import KVCore
import Snapshots
import Workflows

struct Release: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "Tag HEAD as the next semantic version.",
        discussion: """
            Requires committed content (no changes under the manifest and schema folders or kvctl.yaml) \
            that validates. Creates an annotated tag signed with user.name and user.email from git \
            configuration. Without a level, kvctl proposes one: a removed key is major, an added key minor, \
            changed values only patch; it asks on a terminal, otherwise pass --yes. A detached HEAD is \
            released as is (CI checkouts are detached).
            Exit status: 1 when the repository's state refuses the release (uncommitted changes, invalid \
            content, no commits, no identity, proposal declined); 2 for bad arguments (a malformed or \
            not-newer version, an existing tag, a proposal with no terminal and no --yes).
            """
    )

    @Argument(help: ArgumentHelp("major, minor, patch, or a version like 1.5.0; omit it to have kvctl propose a level.",
                                 valueName: "level-or-version"))
    var target: String?

    @Option(name: .shortAndLong, help: "Text added to the tag message after the lists of keys.")
    var message: String?

    @Option(help: ArgumentHelp("Release a pre-release with this label: 'minor --pre rc' gives 1.5.0-rc.1, then 1.5.0-rc.2.",
                               valueName: "label"))
    var pre: String?

    @Flag(help: "Accept the proposed level without asking.")
    var yes = false

    @Flag(help: "Print the tag that would be created and its message; create nothing.")
    var dryRun = false

    @OptionGroup var location: RepositoryOptions

    func run() throws {
        let repository = try Repository(discovering: location.directory)
        let headID: ObjectID, headName: String
        switch try repository.head() {
        case .unborn: throw refuse("the repository has no commits yet; commit the configuration, then release it")
        case .detached(let id):
            writeError("kvctl: note: HEAD is detached at \(id.short); releasing that commit")
            (headID, headName) = (id, id.short)
        case .branch(let branch, let id): (headID, headName) = (id, "\(branch) (\(id.short))")
        }
        let head = try LoadedRevision(.commit(headID.description), in: repository, cached: true)
        try requireClean(repository, config: head.config, because: "a release tags committed content only")
        let findings = try head.validationFindings()
        if findings.hasErrors { writeError("kvctl: error: refusing to release \(headID.short): its content does not validate") }
        try report(findings)
        let tagger: Signature
        do { tagger = try repository.defaultSignature(environment: ProcessInfo.processInfo.environment) } catch { throw refuse(error.message) }

        let tags = try ReleaseTags(repository: repository, prefix: head.config.tagPrefix)
        tags.warnings.forEach(writeError)
        let previous = try tags.latest.map { try LoadedRevision(.commit($0.commit.description), in: repository).loaded.tree }
        let diff = TreeDiff(from: previous ?? KVTree([]), to: head.loaded.tree)
        let (request, proposed) = try versionRequest(diff: diff, previousTag: tags.latest?.tag.name, keys: head.loaded.tree.count,
                                                     prefix: tags.prefix)
        let name = try tagName(for: request, tags: tags)

        let notes = ReleaseNotes.message(tag: name, previousTag: tags.latest?.tag.name, diff: diff, note: message)
        if dryRun {
            print("would tag \(headName) as \(name), tagger \(tagger.name) <\(tagger.email)>, with the message:\n")
            print(notes, terminator: "")
            return
        }
        if proposed && !yes { try confirm(name) }
        try repository.createAnnotatedTag(name, at: repository.resolveCommit(headID.description), tagger: tagger, message: notes)
        writeError("kvctl: tagged \(headName) as \(name); publish it with: git push origin \(name)")
        print(name)
    }

    /// What to release, and whether kvctl proposed it (a proposal needs the user's consent).
    private func versionRequest(diff: TreeDiff, previousTag: String?, keys: Int, prefix: String) throws -> (VersionRequest, proposed: Bool) {
        if let target, let level = ReleaseLevel(rawValue: target) { return (.level(level, preRelease: pre), false) }
        if let target {
            guard pre == nil else {
                throw usageError("--pre goes with a level (major, minor, patch); write a pre-release version in full, like 1.5.0-rc.1")
            }
            guard let version = SemanticVersion(target) ?? SemanticVersion(target, prefix: prefix) else {
                throw usageError("'\(target)' is neither major, minor, patch nor a semantic version like 1.5.0")
            }
            return (.exact(version), false)
        }
        guard let previousTag else {
            writeError("kvctl: proposing a major release: first release, \(TreeDiff.count(keys, "key"))")
            return (.level(.major, preRelease: pre), true)
        }
        guard let (level, reason) = diff.proposedLevel else {
            throw refuse("no key changed since \(previousTag); pass major, minor, patch or a version to release anyway")
        }
        writeError("kvctl: proposing a \(level) release: \(reason)")
        return (.level(level, preRelease: pre), true)
    }

    private func tagName(for request: VersionRequest, tags: ReleaseTags) throws -> String {
        let version: SemanticVersion
        do {
            version = try request.resolve(after: tags.releases.map(\.version))
        } catch {
            // An explicit version that is already tagged deserves that simpler message.
            if case .exact(let wanted) = request, tags.names.contains(tags.prefix + wanted.description) {
                throw usageError("tag \(tags.prefix + wanted.description) already exists; kvctl never moves a tag")
            }
            if case .notNewer(let wanted, let latest) = error {
                throw usageError("\(tags.prefix + wanted.description) would not be the newest release: \(tags.prefix + latest.description) exists")
            }
            throw usageError(error.description)
        }
        let name = tags.prefix + version.description
        // A lightweight or otherwise ignored tag may already hold the name.
        guard !tags.names.contains(name) else { throw usageError("tag \(name) already exists; kvctl never moves a tag") }
        return name
    }

    private func confirm(_ name: String) throws {
        guard isatty(0) == 1 else {
            throw usageError("stdin is not a terminal, so kvctl cannot ask; pass --yes to accept \(name), or name the level or version")
        }
        FileHandle.standardError.write(Data("Create \(name)? [y/N] ".utf8))
        guard let answer = readLine()?.lowercased(), ["y", "yes"].contains(answer) else {
            throw refuse("nothing was tagged")
        }
    }
}

/// Prints why kvctl refuses and returns the status to exit with: 1 when the repository's state is the
/// reason, 2 (`usageError`) when the arguments are.
func refuse(_ message: String, status: Int32 = 1) -> ExitCode {
    writeError("kvctl: error: " + message)
    return ExitCode(status)
}

func usageError(_ message: String) -> ExitCode {
    refuse(message, status: 2)
}
