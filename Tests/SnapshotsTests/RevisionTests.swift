import GitKit
import KVCore
import Snapshots
import Testing
import TestSupport

private func keys(_ revision: Revision, in fixture: FixtureRepository) throws -> [String: String] {
    let loaded = try LoadedRevision(revision, in: Repository(discovering: fixture.path)).loaded
    return Dictionary(uniqueKeysWithValues: loaded.tree.entries.map { ($0.key, String(decoding: $0.value, as: UTF8.self)) })
}

private func manifest(_ pairs: KeyValuePairs<String, String>) -> String {
    "config:\n" + pairs.map { "  - key: \($0.key)\n    value: \($0.value)\n" }.joined()
}

@Suite struct Revisions {
    @Test func anyRevparseExpression() throws {
        let fixture = try FixtureRepository()
        try fixture.write("kv/a.yaml", manifest(["k": "1"]))
        let first = try fixture.commitAll()
        try fixture.git("tag", "-a", "v1.0.0", "-m", "first")
        try fixture.write("kv/a.yaml", manifest(["k": "2"]))
        try fixture.commitAll()
        try fixture.git("branch", "feature")
        try fixture.write("kv/a.yaml", manifest(["k": "3"]))
        try fixture.commitAll()

        #expect(try keys(.commit("v1.0.0"), in: fixture) == ["k": "1"])
        #expect(try keys(.commit(String(first.prefix(7))), in: fixture) == ["k": "1"])
        #expect(try keys(.commit("HEAD~2"), in: fixture) == ["k": "1"])
        #expect(try keys(.commit("feature"), in: fixture) == ["k": "2"])
        #expect(try keys(.commit("HEAD"), in: fixture) == ["k": "3"])
    }

    @Test func unknownRevisionCarriesLibgit2sMessage() throws {
        let fixture = try FixtureRepository()
        try fixture.write("kv/a.yaml", manifest(["k": "1"]))
        try fixture.commitAll()
        let error = #expect(throws: GitError.self) { try keys(.commit("v9.9.9"), in: fixture) }
        #expect(error?.message.contains("unknown revision 'v9.9.9'") == true)
        #expect(error?.isNotFound == true)
    }

    @Test func stagedAndWorktreeAreIndependent() throws {
        let fixture = try FixtureRepository()
        try fixture.write("kv/a.yaml", manifest(["k": "committed"]))
        try fixture.commitAll()
        try fixture.write("kv/a.yaml", manifest(["k": "staged"]))
        try fixture.git("add", "kv/a.yaml")
        try fixture.write("kv/a.yaml", manifest(["k": "unstaged"]))
        try fixture.write("kv/new.yaml", manifest(["untracked": "yes"]))

        #expect(try keys(.commit("HEAD"), in: fixture) == ["k": "committed"])
        #expect(try keys(.staged, in: fixture) == ["k": "staged"])
        #expect(try keys(.worktree, in: fixture) == ["k": "unstaged", "untracked": "yes"])
    }

    @Test func stagedErrorIsNotHiddenByAnUnstagedFix() throws {
        let fixture = try FixtureRepository()
        try fixture.write("kv/a.yaml", manifest(["k": "1"]))
        try fixture.commitAll()
        try fixture.write("kv/a.yaml", "config:\n  - key: /bad\n    value: 1\n")
        try fixture.git("add", "kv/a.yaml")
        try fixture.write("kv/a.yaml", manifest(["k": "fixed"]))

        let repository = try Repository(discovering: fixture.path)
        #expect(try LoadedRevision(.staged, in: repository).diagnostics.hasErrors)
        #expect(try !LoadedRevision(.worktree, in: repository).diagnostics.hasErrors)
    }

    @Test func worktreeSkipsIgnoredFiles() throws {
        let fixture = try FixtureRepository()
        try fixture.write(".gitignore", "*.local.yaml\nscratch/\n")
        try fixture.write("kv/a.yaml", manifest(["k": "1"]))
        try fixture.write("kv/b.local.yaml", manifest(["local": "1"]))
        try fixture.write("kv/scratch/c.yaml", manifest(["scratch": "1"]))
        let loaded = try LoadedRevision(.worktree, in: Repository(discovering: fixture.path)).loaded
        #expect(loaded.tree.entries.map(\.key) == ["k"])
        #expect(loaded.orphans.isEmpty)
    }

    @Test("symlinks are resolved the same way in every revision", arguments: [Revision.commit("HEAD"), .staged, .worktree])
    func symlinks(revision: Revision) throws {
        let fixture = try FixtureRepository()
        try fixture.write("shared/dash.json", "{}")
        try fixture.symlink("kv/shared", to: "../shared")
        try fixture.symlink("kv/escape", to: "../../outside.txt")
        try fixture.write("kv/a.yaml", "config:\n  - key: dash\n    file: shared/dash.json\n  - key: out\n    file: escape\n")
        try fixture.commitAll()
        let loaded = try LoadedRevision(revision, in: Repository(discovering: fixture.path))
        #expect(loaded.loaded.tree["dash"].map { String(decoding: $0.value, as: UTF8.self) } == "{}")
        let errors = loaded.diagnostics.filter { $0.severity == .error }
        #expect(errors.map(\.rule) == ["file-reference"])
        #expect(errors.first?.message.contains("symlink 'kv/escape' leads outside the repository") == true)
    }

    @Test func repositoryWithoutTheRoot() throws {
        let fixture = try FixtureRepository()
        try fixture.write("README", "hi")
        try fixture.commitAll()
        let error = #expect(throws: LoadError.self) { try keys(.commit("HEAD"), in: fixture) }
        #expect(error?.description.contains("no 'kv/' folder") == true)
    }

    @Test func settingsComeFromTheSameRevision() throws {
        let fixture = try FixtureRepository()
        try fixture.write("kvctl.yaml", "root: config\n")
        try fixture.write("config/a.yaml", manifest(["k": "1"]))
        try fixture.commitAll()
        try fixture.write("kvctl.yaml", "root: kv\nextra: 1\n")
        let committed = try LoadedRevision(.commit("HEAD"), in: Repository(discovering: fixture.path))
        #expect(committed.config.root == "config")
        #expect(committed.loaded.tree.count == 1)
        let worktree = #expect(throws: LoadError.self) {
            try LoadedRevision(.worktree, in: Repository(discovering: fixture.path))
        }
        // The working tree's own kvctl.yaml names kv/ as the root, and the working tree has no kv/.
        guard case .rootMissing(let root, _)? = worktree else {
            Issue.record("expected rootMissing, got \(String(describing: worktree))")
            return
        }
        #expect(root == "kv")
        #expect(worktree?.description.contains("there is no 'kv/' folder in ") == true)
    }
}
