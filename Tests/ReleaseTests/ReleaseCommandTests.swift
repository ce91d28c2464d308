import Foundation
import Testing
import TestSupport

func manifest(_ pairs: KeyValuePairs<String, String>) -> String {
    "config:\n" + pairs.map { "  - key: \($0.key)\n    value: \($0.value)\n" }.joined()
}

/// A repository with one committed manifest of two keys.
func releasableFixture() throws -> FixtureRepository {
    let fixture = try FixtureRepository()
    try fixture.write("kv/app.yaml", manifest(["app/port": "8080", "app/name": "shop"]))
    try fixture.write("README.md", "docs\n")
    try fixture.commitAll("first")
    return fixture
}

func tagNames(_ fixture: FixtureRepository) throws -> [String] {
    try fixture.git("tag", "--list").split(separator: "\n").map(String.init)
}

/// Runs the real binary; stdin is not a terminal, so proposals need --yes.
@Suite struct ReleaseCommand {
    @Test func createsAnAnnotatedTagGitReads() throws {
        let fixture = try releasableFixture()
        let result = try kvctl(["release", "1.0.0", "-m", "First cut."], in: fixture.url)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput == "v1.0.0\n")

        #expect(try fixture.git("cat-file", "-t", "v1.0.0") == "tag\n")
        let object = try fixture.git("cat-file", "-p", "v1.0.0")
        #expect(object.contains("tagger Fixture Tagger <fixture@example.com>"))
        #expect(try fixture.git("tag", "-n") == "v1.0.0          Release v1.0.0: 2 keys (first release)\n")
        let notes = try fixture.git("tag", "-n99", "v1.0.0")
        #expect(notes.contains("Added:\n      app/name\n      app/port\n"))
        #expect(notes.hasSuffix("First cut.\n"))
        #expect(try fixture.git("describe") == "v1.0.0\n")
        #expect(try fixture.git("rev-parse", "v1.0.0^{commit}") == fixture.git("rev-parse", "HEAD"))

        try fixture.write("kv/app.yaml", manifest(["app/port": "8080", "app/name": "shop", "app/mode": "fast"]))
        try fixture.commitAll("add mode")
        #expect(try fixture.git("describe").hasPrefix("v1.0.0-1-g"))
        #expect(try kvctl(["release", "minor"], in: fixture.url).status == 0)
        #expect(try fixture.git("describe") == "v1.1.0\n")
        #expect(try fixture.git("tag", "-n99", "v1.1.0").contains("Release v1.1.0: 1 added, 0 changed, 0 removed since v1.0.0"))
    }

    @Test func proposesTheNextVersionFromTheChange() throws {
        let fixture = try releasableFixture()
        let first = try kvctl(["release", "--yes"], in: fixture.url)
        #expect(first.standardError.contains("proposing a major release: first release, 2 keys"))
        #expect(try tagNames(fixture) == ["v1.0.0"])

        try fixture.write("kv/app.yaml", manifest(["app/port": "9090", "app/name": "shop"]))
        try fixture.commitAll()
        let refused = try kvctl(["release"], in: fixture.url)
        #expect(refused.status == 2)
        #expect(refused.standardError.contains("proposing a patch release: only values changed: 1 key (app/port)"))
        #expect(refused.standardError.contains("pass --yes to accept v1.0.1"))
        #expect(try tagNames(fixture) == ["v1.0.0"])
        #expect(try kvctl(["release", "--yes"], in: fixture.url).standardOutput == "v1.0.1\n")

        try fixture.write("kv/app.yaml", manifest(["app/port": "9090", "app/name": "shop", "app/extra": "1"]))
        try fixture.commitAll()
        let minor = try kvctl(["release", "--yes"], in: fixture.url)
        #expect(minor.standardError.contains("proposing a minor release: 1 key added (app/extra) and none removed"))
        #expect(minor.standardOutput == "v1.1.0\n")

        try fixture.write("kv/app.yaml", manifest(["app/port": "9090", "app/extra": "2"]))
        try fixture.commitAll()
        let major = try kvctl(["release", "--yes"], in: fixture.url)
        #expect(major.standardError.contains("proposing a major release: 1 key removed (app/name)"))
        #expect(major.standardOutput == "v2.0.0\n")
        let notes = try fixture.git("tag", "-n99", "v2.0.0")
        #expect(notes.contains("Changed:\n      app/extra"))
        #expect(notes.contains("Removed:\n      app/name"))

        let nothing = try kvctl(["release", "--yes"], in: fixture.url)
        #expect(nothing.status == 1)
        #expect(nothing.standardError.contains("no key changed since v2.0.0"))
        #expect(try kvctl(["release", "patch"], in: fixture.url).standardOutput == "v2.0.1\n")
    }

    /// `script` gives kvctl a terminal, so it asks before tagging a proposed version.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func asksOnATerminal() throws {
        let fixture = try releasableFixture()
        func answer(_ reply: String) throws -> ProcessResult {
            try run("/bin/sh", ["-c", "printf '\(reply)\\n' | /usr/bin/script -qec \"'\(kvctlBinary())' release\" /dev/null"], in: fixture.url)
        }
        let declined = try answer("n")
        #expect(declined.status == 1)
        #expect(declined.standardOutput.contains("Create v1.0.0? [y/N]"))
        #expect(try tagNames(fixture).isEmpty)
        #expect(try answer("y").status == 0)
        #expect(try tagNames(fixture) == ["v1.0.0"])
    }

    @Test func preReleasesCountUpThenGraduate() throws {
        let fixture = try releasableFixture()
        #expect(try kvctl(["release", "1.4.2"], in: fixture.url).status == 0)
        #expect(try kvctl(["release", "minor", "--pre", "rc"], in: fixture.url).standardOutput == "v1.5.0-rc.1\n")
        #expect(try kvctl(["release", "minor", "--pre", "rc"], in: fixture.url).standardOutput == "v1.5.0-rc.2\n")
        #expect(try kvctl(["release", "minor"], in: fixture.url).standardOutput == "v1.5.0\n")
        #expect(try fixture.git("cat-file", "-t", "v1.5.0-rc.2") == "tag\n")

        let badLabel = try kvctl(["release", "minor", "--pre", "1"], in: fixture.url)
        #expect(badLabel.status == 2)
        #expect(badLabel.standardError.contains("'1' is not a pre-release label"))
        #expect(try kvctl(["release", "2.0.0", "--pre", "rc"], in: fixture.url).status == 2)
    }

    @Test func explicitVersionsMustBeNewAndNewest() throws {
        let fixture = try releasableFixture()
        #expect(try kvctl(["release", "1.2.0"], in: fixture.url).status == 0)

        let lower = try kvctl(["release", "1.1.9"], in: fixture.url)
        #expect(lower.status == 2)
        #expect(lower.standardError.contains("v1.1.9 would not be the newest release: v1.2.0 exists"))

        let existing = try kvctl(["release", "v1.2.0"], in: fixture.url)
        #expect(existing.status == 2)
        #expect(existing.standardError.contains("tag v1.2.0 already exists"))

        let malformed = try kvctl(["release", "1.3"], in: fixture.url)
        #expect(malformed.status == 2)
        #expect(malformed.standardError.contains("'1.3' is neither major, minor, patch nor a semantic version"))

        #expect(try kvctl(["release", "v1.10.0"], in: fixture.url).status == 0)
        #expect(try tagNames(fixture) == ["v1.10.0", "v1.2.0"])
    }

    @Test func dryRunCreatesNothing() throws {
        let fixture = try releasableFixture()
        let result = try kvctl(["release", "minor", "--dry-run", "-m", "Note."], in: fixture.url)
        #expect(result.status == 0)
        #expect(result.standardOutput.hasPrefix("would tag main ("))
        #expect(result.standardOutput.contains(" as v0.1.0, tagger Fixture Tagger <fixture@example.com>, with the message:"))
        #expect(result.standardOutput.contains("Release v0.1.0: 2 keys (first release)\n\nAdded:\n  app/name\n  app/port\n\nNote.\n"))
        #expect(try tagNames(fixture).isEmpty)
        // A proposal needs no consent when nothing is created.
        #expect(try kvctl(["release", "--dry-run"], in: fixture.url).status == 0)
    }

    @Test func refusesUncommittedChangesListingThem() throws {
        let fixture = try releasableFixture()
        try fixture.write(".gitignore", "kv/*.local\n")
        try fixture.commitAll()
        try fixture.write("kv/app.yaml", manifest(["app/port": "1"]))
        try fixture.write("schemas/new.json", "{}")
        try fixture.write("kvctl.yaml", "root: kv\n")
        try fixture.git("add", "kvctl.yaml")
        try fixture.write("kv/notes.local", "ignored")
        try fixture.write("README.md", "changed elsewhere\n")

        let result = try kvctl(["release", "1.0.0"], in: fixture.url)
        #expect(result.status == 1)
        #expect(result.standardError.contains("uncommitted changes in kv/, schemas/ or kvctl.yaml"))
        #expect(result.standardError.contains("\n   M kv/app.yaml\n"))
        #expect(result.standardError.contains("\n  ?? schemas/new.json"))
        #expect(result.standardError.contains("\n  A  kvctl.yaml"))
        #expect(!result.standardError.contains("notes.local"))
        #expect(!result.standardError.contains("README.md"))
        #expect(try tagNames(fixture).isEmpty)

        // Changes outside what kvctl reads, and ignored files, do not block a release.
        try fixture.git("checkout", "--", "kv/app.yaml")
        try fixture.git("rm", "-q", "--cached", "kvctl.yaml")
        try fixture.remove("kvctl.yaml")
        try fixture.remove("schemas")
        #expect(try kvctl(["release", "1.0.0"], in: fixture.url).status == 0)
    }

    @Test func refusesATreeThatDoesNotValidate() throws {
        let fixture = try releasableFixture()
        try fixture.write("kv/bad.yaml", "config:\n  - key: a//b\n    value: 1\n")
        try fixture.commitAll()
        let result = try kvctl(["release", "1.0.0"], in: fixture.url)
        #expect(result.status == 1)
        #expect(result.standardError.contains("its content does not validate"))
        #expect(result.standardError.contains("kv/bad.yaml:2:10: error: invalid key 'a//b'"))
        #expect(try tagNames(fixture).isEmpty)
    }

    @Test func ignoresLightweightAndNonVersionTagsWithAWarning() throws {
        let fixture = try releasableFixture()
        try fixture.git("tag", "v3.0.0")
        try fixture.git("tag", "-a", "deploy-prod", "-m", "deployed")
        try fixture.git("tag", "-a", "v2.0", "-m", "not semver")
        let result = try kvctl(["release", "--yes"], in: fixture.url)
        #expect(result.status == 0)
        #expect(result.standardOutput == "v1.0.0\n")
        #expect(result.standardError.contains("ignoring lightweight tags (releases are annotated tags): v3.0.0"))
        #expect(result.standardError.contains("ignoring tags that are not releases (named 'v' + a semantic version, like v1.2.0, on a commit): deploy-prod, v2.0"))

        let taken = try kvctl(["release", "3.0.0"], in: fixture.url)
        #expect(taken.status == 2)
        #expect(taken.standardError.contains("tag v3.0.0 already exists"))
    }

    @Test func tagPrefixComesFromSettings() throws {
        let fixture = try releasableFixture()
        try fixture.write("kvctl.yaml", "tag-prefix: release/\n")
        try fixture.commitAll()
        try fixture.git("tag", "-a", "v9.0.0", "-m", "other prefix")
        #expect(try kvctl(["release", "major"], in: fixture.url).standardOutput == "release/1.0.0\n")
        try fixture.write("kv/app.yaml", manifest(["app/port": "1"]))
        try fixture.commitAll()
        #expect(try kvctl(["release", "release/1.1.0"], in: fixture.url).standardOutput == "release/1.1.0\n")
        #expect(try fixture.git("describe", "--match", "release/*") == "release/1.1.0\n")
    }

    @Test func missingIdentitySaysHowToSetIt() throws {
        let fixture = try releasableFixture()
        try fixture.git("config", "--unset", "user.name")
        try fixture.git("config", "--unset", "user.email")
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("kvctl-home-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home.path
        environment["XDG_CONFIG_HOME"] = home.path
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        for name in ["GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"] { environment[name] = nil }

        let result = try kvctl(["release", "1.0.0"], in: fixture.url, environment: environment)
        #expect(result.status == 1)
        #expect(result.standardError.contains("git configuration has no user.name"))
        #expect(result.standardError.contains("git config --global user.name \"Your Name\""))
        #expect(result.standardError.contains("git config --global user.email \"you@example.com\""))
        #expect(try tagNames(fixture).isEmpty)
    }

    /// git's order (git/git Documentation/config/user.txt): GIT_COMMITTER_* over committer.* over
    /// user.*, and EMAIL when no address is configured; name and address resolved independently.
    @Test func taggerIsGitsCommitterIdentity() throws {
        let fixture = try releasableFixture()
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_COMMITTER_NAME"] = "Env Committer"
        environment["GIT_COMMITTER_EMAIL"] = nil
        environment["EMAIL"] = "fallback@example.com"
        #expect(try kvctl(["release", "1.0.0"], in: fixture.url, environment: environment).status == 0)
        #expect(try fixture.git("cat-file", "-p", "v1.0.0").contains("tagger Env Committer <fixture@example.com>"))

        try fixture.git("config", "--unset", "user.email")
        try fixture.git("config", "committer.name", "Config Committer")
        environment["GIT_COMMITTER_NAME"] = nil
        environment["HOME"] = fixture.path
        environment["XDG_CONFIG_HOME"] = fixture.path
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        try fixture.write("kv/app.yaml", manifest(["app/port": "8081", "app/name": "shop"]))
        try fixture.commitAll()
        #expect(try kvctl(["release", "1.0.1"], in: fixture.url, environment: environment).status == 0)
        #expect(try fixture.git("cat-file", "-p", "v1.0.1").contains("tagger Config Committer <fallback@example.com>"))
    }

    @Test func emptyRepositoryIsRefused() throws {
        let fixture = try FixtureRepository()
        try fixture.write("kv/app.yaml", manifest(["a": "1"]))
        let result = try kvctl(["release", "1.0.0"], in: fixture.url)
        #expect(result.status == 1)
        #expect(result.standardError.contains("the repository has no commits yet"))
    }

    @Test func repositoryWithoutManifestsIsAUsageError() throws {
        let fixture = try FixtureRepository()
        try fixture.write("README.md", "nothing here\n")
        try fixture.commitAll()
        let result = try kvctl(["release", "1.0.0"], in: fixture.url)
        #expect(result.status == 2)
        #expect(result.standardError.contains("there is no 'kv/' folder"))
    }

    @Test func detachedHeadIsReleasedWithANote() throws {
        let fixture = try releasableFixture()
        let first = try fixture.git("rev-parse", "HEAD")
        try fixture.write("kv/app.yaml", manifest(["app/port": "1"]))
        try fixture.commitAll()
        try fixture.git("checkout", "-q", "--detach", "HEAD~1")
        let result = try kvctl(["release", "1.0.0"], in: fixture.url)
        #expect(result.status == 0)
        #expect(result.standardError.contains("HEAD is detached at \(first.prefix(7)); releasing that commit"))
        #expect(try fixture.git("rev-parse", "v1.0.0^{commit}") == first)
    }

    @Test func worksFromASubfolderAndWithDashC() throws {
        let fixture = try releasableFixture()
        #expect(try kvctl(["release", "1.0.0"], in: fixture.url.appendingPathComponent("kv")).status == 0)
        #expect(try kvctl(["versions", "-C", fixture.path], in: FileManager.default.temporaryDirectory).standardOutput.hasPrefix("v1.0.0 "))
    }
}
