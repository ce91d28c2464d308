import GitKit
import KVCore
import Snapshots
import Testing
import TestSupport

private func load(_ revision: Revision, in fixture: FixtureRepository) throws -> LoadedTree {
    try LoadedRevision(revision, in: Repository(discovering: fixture.path)).loaded
}

/// git's own files hold remote URLs that often carry tokens: no revision may publish them.
@Suite struct GitFolderIsNeverRead {
    @Test func fileReferencesAndSymlinksIntoGitAreRefusedInEveryRevision() throws {
        let fixture = try FixtureRepository()
        try fixture.git("remote", "add", "origin", "https://user:s3cr3t-token@example.com/repo.git")
        try fixture.write("kv/a.yaml", "config:\n  - key: direct\n    file: ../.git/config\n  - key: linked\n    file: cfg\n")
        try fixture.symlink("kv/cfg", to: "../.git/config")
        try fixture.commitAll()
        for revision in [Revision.worktree, .staged, .commit("HEAD")] {
            let loaded = try load(revision, in: fixture)
            #expect(loaded.tree.count == 0, "\(revision)")
            let refused = loaded.diagnostics.filter { $0.rule == "file-reference" }
            #expect(refused.map(\.location.line) == [3, 5], "\(revision)")
            #expect(refused.allSatisfy { $0.message.contains("inside a git folder") }, "\(refused)")
            #expect(!loaded.diagnostics.contains { $0.message.contains("s3cr3t") })
        }
    }
}

@Suite struct SymlinksUnderTheRoot {
    @Test func manifestLinksOutAndFolderLinksAreReported() throws {
        let outside = try FixtureRepository()
        try outside.write("m.yaml", "config:\n  - key: outside\n    value: 1\n")
        let fixture = try FixtureRepository()
        try fixture.write("kv/a.yaml", "config:\n  - key: k\n    value: 1\n")
        try fixture.write("shared/more.yaml", "config:\n  - key: more\n    value: 1\n")
        try fixture.symlink("kv/outside.yaml", to: outside.path + "/m.yaml")
        try fixture.symlink("kv/more", to: "../shared")
        try fixture.commitAll()
        for revision in [Revision.worktree, .staged, .commit("HEAD")] {
            let loaded = try load(revision, in: fixture)
            #expect(loaded.tree.entries.map(\.key) == ["k"])
            let reported = loaded.diagnostics.map { "\($0.location.file) \($0.severity.rawValue) \($0.rule)" }
            #expect(reported == ["kv/more error symlink-unread", "kv/outside.yaml error symlink-unread"], "\(revision)")
        }
    }
}
