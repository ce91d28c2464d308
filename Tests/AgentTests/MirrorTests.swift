import Foundation
import GitKit
import Testing
import TestSupport

/// `Mirror.update`: the agent's clone of a bare repository on disk, kept up to date by fetching.
@Suite struct MirrorUpdates {
    let remote: URL
    let work: FixtureRepository
    let clone: String

    init() throws {
        work = try FixtureRepository()
        try work.write("kvctl.yaml", "name: settings\n")
        try work.commitAll()
        try work.git("tag", "-a", "v1.0.0", "-m", "release")
        remote = FileManager.default.temporaryDirectory.appendingPathComponent("kvctl-remote-\(UUID().uuidString).git")
        let made = try run("/usr/bin/env", ["git", "init", "-q", "--bare", "-b", "main", remote.path])
        #expect(made.status == 0)
        try work.git("remote", "add", "origin", remote.path)
        try work.git("push", "-q", "origin", "main", "--tags")
        clone = FileManager.default.temporaryDirectory.appendingPathComponent("kvctl-clone-\(UUID().uuidString)").path
    }

    private func tags(_ path: String) throws -> [String] {
        try run("/usr/bin/env", ["git", "-C", path, "tag", "--list"]).standardOutput.split(separator: "\n").map(String.init)
    }

    private func cleanUp() {
        try? FileManager.default.removeItem(at: remote)
        try? FileManager.default.removeItem(atPath: clone)
    }

    @Test(arguments: [false, true])
    func clonesThenFollowsNewCommitsAndMovedTags(fileURL: Bool) throws {
        defer { cleanUp() }
        let url = fileURL ? "file://" + remote.path : remote.path
        let first = try Mirror.update(url: url, at: clone)
        #expect(first.description == (try work.git("rev-parse", "HEAD")).trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(try tags(clone) == ["v1.0.0"])

        try work.write("kv/app.yaml", "config:\n  - key: config/app/port\n    value: 2\n")
        let second = try work.commitAll()
        try work.git("tag", "-a", "v1.1.0", "-m", "release")
        try work.git("tag", "-f", "-a", "v1.0.0", "-m", "moved")
        try work.git("push", "-q", "-f", "origin", "main", "--tags")
        // A local edit in the clone is the agent's to discard: the clone follows the remote.
        try Data("edited".utf8).write(to: URL(fileURLWithPath: clone + "/kvctl.yaml"))
        let updated = try Mirror.update(url: url, at: clone)

        #expect(updated.description == second)
        #expect(try tags(clone) == ["v1.0.0", "v1.1.0"])
        let moved = try run("/usr/bin/env", ["git", "-C", clone, "rev-parse", "v1.0.0^{commit}"]).standardOutput
        #expect(moved.trimmingCharacters(in: .whitespacesAndNewlines) == second, "a moved tag follows the remote")
        #expect(String(decoding: try Data(contentsOf: URL(fileURLWithPath: clone + "/kvctl.yaml")), as: UTF8.self) == "name: settings\n")
        #expect(FileManager.default.fileExists(atPath: clone + "/kv/app.yaml"))
    }

    /// The fetch goes to the URL given, through an anonymous remote: deleted tags and branches are still
    /// pruned, and a stale `origin` URL in the clone's config is not what is fetched.
    @Test func aTagDeletedOnTheRemoteIsPrunedAndTheGivenURLIsFetched() throws {
        defer { cleanUp() }
        try Mirror.update(url: remote.path, at: clone)
        try work.git("tag", "-a", "v1.1.0", "-m", "release")
        try work.git("push", "-q", "origin", "--tags")
        try Mirror.update(url: remote.path, at: clone)
        #expect(try tags(clone) == ["v1.0.0", "v1.1.0"])
        try work.git("push", "-q", "origin", ":refs/tags/v1.0.0")
        #expect(try run("/usr/bin/env", ["git", "-C", clone, "remote", "set-url", "origin", "/nonexistent/repository.git"]).status == 0)
        try Mirror.update(url: remote.path, at: clone)
        #expect(try tags(clone) == ["v1.1.0"], "a tag deleted on the remote goes")
    }

    /// A bare repository whose HEAD names a branch it does not have (made with another default branch).
    @Test func aRemoteHeadNamingNoBranchFollowsMain() throws {
        defer { cleanUp() }
        #expect(try run("/usr/bin/env", ["git", "-C", remote.path, "symbolic-ref", "HEAD", "refs/heads/trunk"]).status == 0)
        let first = try Mirror.update(url: remote.path, at: clone)
        try work.write("kv/app.yaml", "config:\n  - key: config/app/port\n    value: 3\n")
        let second = try work.commitAll()
        try work.git("push", "-q", "origin", "main")
        let updated = try Mirror.update(url: remote.path, at: clone)
        #expect(first.description != second)
        #expect(updated.description == second)
        #expect(FileManager.default.fileExists(atPath: clone + "/kv/app.yaml"))
    }

    @Test func aMissingRemoteNamesItWithoutCredentials() throws {
        defer { cleanUp() }
        #expect {
            try Mirror.update(url: "https://user:s3cret@127.0.0.1:1/none.git", at: clone, credentials: RemoteCredentials(token: "t0ken"))
        } throws: { error in
            let text = "\(error)"
            return text.contains("cannot clone https://127.0.0.1:1/none.git") && !text.contains("s3cret") && !text.contains("t0ken")
        }
    }

    @Test func sshNeedsLibgit2WithSSH() throws {
        defer { cleanUp() }
        guard !Mirror.hasSSH else { return }
        #expect { try Mirror.update(url: "ssh://git@127.0.0.1:1/x.git", at: clone) } throws: { "\($0)".contains("without SSH") }
    }
}
