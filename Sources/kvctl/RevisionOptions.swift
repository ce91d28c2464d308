import ArgumentParser
import GitKit
import KVCore
import Snapshots

/// Where to read from: a repository and one of its revisions.
struct RevisionOptions: ParsableArguments {
    @Option(name: .customShort("C"), help: ArgumentHelp("Run as if kvctl was started in <path>.", valueName: "path"))
    var directory = "."

    @Option(help: ArgumentHelp("Read the tree at a revision: a tag, branch, commit or expression like HEAD~2.", valueName: "rev"))
    var at: String?

    @Flag(help: "Read the staged index (what the next commit will contain).")
    var staged = false

    @Flag(help: "Read the working tree, untracked files included, ignored files excluded (the default).")
    var worktree = false

    func validate() throws {
        if [at != nil, staged, worktree].filter({ $0 }).count > 1 {
            throw ValidationError("--at, --staged and --worktree are mutually exclusive; pass at most one")
        }
    }

    var revision: Revision {
        if let at { return .commit(at) }
        return staged ? .staged : .worktree
    }

    func load(cached: Bool = false) throws -> LoadedRevision {
        let repository = try Repository(discovering: directory)
        return try LoadedRevision(revision, in: repository, cached: cached)
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
