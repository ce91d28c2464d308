import Foundation
import Testing
import TestSupport

@Suite struct VersionsCommand {
    @Test func listsReleasesInSemverOrder() throws {
        let fixture = try releasableFixture()
        let first = try fixture.git("rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try kvctl(["release", "1.9.0"], in: fixture.url).status == 0)
        try fixture.write("kv/app.yaml", manifest(["app/port": "8080", "app/name": "shop", "app/mode": "x"]))
        let second = try fixture.commitAll()
        #expect(try kvctl(["release", "1.10.0-rc.1"], in: fixture.url).status == 0)
        #expect(try kvctl(["release", "1.10.0"], in: fixture.url).status == 0)
        try fixture.git("tag", "v0.1.0")

        let result = try kvctl(["versions", "--output", "json"], in: fixture.url)
        #expect(result.status == 0)
        #expect(result.standardError.contains("ignoring lightweight tags (releases are annotated tags): v0.1.0"))
        let rows = try #require(JSONSerialization.jsonObject(with: Data(result.output)) as? [[String: Any]])
        #expect(rows.map { $0["tag"] as? String } == ["v1.9.0", "v1.10.0-rc.1", "v1.10.0"])
        #expect(rows.map { $0["version"] as? String } == ["1.9.0", "1.10.0-rc.1", "1.10.0"])
        #expect(rows.map { $0["commit"] as? String } == [first, second, second])
        #expect(rows.map { $0["keys"] as? Int } == [2, 3, 3])
        #expect(rows.allSatisfy { $0["tagger"] as? String == "Fixture Tagger" && $0["email"] as? String == "fixture@example.com" })
        let date = try #require(rows[0]["date"] as? String)
        #expect(ISO8601DateFormatter().date(from: date) != nil)

        let text = try kvctl(["versions"], in: fixture.url).standardOutput.split(separator: "\n")
        #expect(text.count == 3)
        #expect(text[0].hasPrefix("v1.9.0        \(date)  \(first.prefix(7))  2 keys  Fixture Tagger <fixture@example.com>"))
        #expect(text[2].hasPrefix("v1.10.0  "))
    }

    @Test func noReleasesIsNotAnError() throws {
        let empty = try FixtureRepository()
        let result = try kvctl(["versions", "--output", "json"], in: empty.url)
        #expect(result.status == 0)
        #expect(result.standardOutput == "[\n\n]\n")
    }
}

@Suite struct DiffCommand {
    let fixture: FixtureRepository

    init() throws {
        fixture = try releasableFixture()
        try fixture.write("kv/app.yaml", """
            config:
              - key: app/port
                value: 8080
              - key: app/name
                value: shop
              - key: app/motd
                value: "hello\\nworld\\n"
              - key: app/logo
                file: logo.bin
            """)
        try fixture.write("kv/logo.bin", bytes: [0, 1, 2])
        try fixture.commitAll()
        try fixture.git("tag", "-a", "v1.0.0", "-m", "one")
        try fixture.write("kv/app.yaml", """
            config:
              - key: app/port
                value: 9090
              - key: app/motd
                value: "hello\\nthere\\n"
              - key: app/logo
                file: logo.bin
              - key: app/new
                value: fresh
            """)
        try fixture.write("kv/logo.bin", bytes: [0, 1, 2, 3])
        try fixture.commitAll()
        try fixture.git("tag", "-a", "v1.1.0", "-m", "two")
    }

    @Test func textBetweenTags() throws {
        let result = try kvctl(["diff", "v1.0.0", "v1.1.0"], in: fixture.url)
        #expect(result.status == 0)
        #expect(result.standardOutput == """
            ~ app/logo (3 bytes, sha256 ae4b3280e56e2faf83f414a6e3dabe9d5fbe18976544c05fed121accb85b53fc -> 4 bytes, sha256 054edec1d0211f624fed0cbca9d4f9400b0e491c43742af2c5b0abebf0c990d8)
            ~ app/motd
            - app/name
            + app/new
            ~ app/port

            --- v1.0.0:app/motd
            +++ v1.1.0:app/motd
            @@ -1,2 +1,2 @@
             hello
            -world
            +there
            --- v1.0.0:app/name
            +++ /dev/null
            @@ -1 +0,0 @@
            -shop
            --- /dev/null
            +++ v1.1.0:app/new
            @@ -0,0 +1 @@
            +fresh
            --- v1.0.0:app/port
            +++ v1.1.0:app/port
            @@ -1 +1 @@
            -8080
            +9090

            """)
        #expect(result.standardError.contains("1 added, 3 changed, 1 removed from v1.0.0 ("))
    }

    @Test func jsonBetweenTags() throws {
        let result = try kvctl(["diff", "v1.0.0", "v1.1.0", "--output", "json"], in: fixture.url)
        let report = try #require(JSONSerialization.jsonObject(with: Data(result.output)) as? [String: Any])
        #expect(report["from"] as? String == "v1.0.0")
        #expect(report["to"] as? String == "v1.1.0")
        let added = try #require(report["added"] as? [[String: Any]])
        #expect(added.map { $0["key"] as? String } == ["app/new"])
        #expect((added[0]["value"] as? [String: Any])?["text"] as? String == "fresh")
        let removed = try #require(report["removed"] as? [[String: Any]])
        #expect(removed.map { $0["key"] as? String } == ["app/name"])
        let changed = try #require(report["changed"] as? [[String: Any]])
        #expect(changed.map { $0["key"] as? String } == ["app/logo", "app/motd", "app/port"])
        #expect(changed[0]["diff"] == nil || changed[0]["diff"] is NSNull)
        let logo = try #require(changed[0]["to"] as? [String: Any])
        #expect(logo["size"] as? Int == 4)
        #expect(logo["sha256"] as? String == "054edec1d0211f624fed0cbca9d4f9400b0e491c43742af2c5b0abebf0c990d8")
        #expect(changed[2]["diff"] as? String == "--- v1.0.0:app/port\n+++ v1.1.0:app/port\n@@ -1 +1 @@\n-8080\n+9090\n")
    }

    @Test func againstTheWorktreeAndTheIndex() throws {
        try fixture.write("kv/extra.yaml", manifest(["app/staged": "s"]))
        try fixture.git("add", "kv/extra.yaml")
        try fixture.write("kv/more.yaml", manifest(["app/unstaged": "u"]))

        let worktree = try kvctl(["diff", "v1.1.0"], in: fixture.url)
        #expect(worktree.standardOutput.hasPrefix("+ app/staged\n+ app/unstaged\n"))
        #expect(worktree.standardOutput.contains("+++ worktree:app/unstaged"))
        #expect(try kvctl(["diff", "v1.1.0", "--worktree"], in: fixture.url).standardOutput == worktree.standardOutput)

        let staged = try kvctl(["diff", "v1.1.0", "--staged", "--output", "json"], in: fixture.url)
        let report = try #require(JSONSerialization.jsonObject(with: Data(staged.output)) as? [String: Any])
        #expect((report["added"] as? [[String: Any]])?.map { $0["key"] as? String } == ["app/staged"])
        #expect(report["to"] as? String == "staged")

        #expect(try kvctl(["diff", "v1.0.0", "--at", "v1.1.0"], in: fixture.url).standardOutput
            == kvctl(["diff", "v1.0.0", "v1.1.0"], in: fixture.url).standardOutput)
        #expect(try kvctl(["diff", "v1.1.0", "HEAD"], in: fixture.url).standardOutput == "")
    }

    /// As `publish 1.1.0`: a version names its release tag; no argument means the latest release.
    @Test func versionsAndNoArgumentNameReleases() throws {
        let tagged = try kvctl(["diff", "v1.0.0", "v1.1.0"], in: fixture.url)
        let versions = try kvctl(["diff", "1.0.0", "1.1.0"], in: fixture.url)
        #expect(versions.status == 0, "\(versions.standardError)")
        #expect(versions.standardOutput == tagged.standardOutput)
        #expect(try kvctl(["diff", "1.0.0", "--at", "1.1.0"], in: fixture.url).standardOutput == tagged.standardOutput)
        try fixture.write("kv/more.yaml", manifest(["app/unstaged": "u"]))
        let latest = try kvctl(["diff"], in: fixture.url)
        #expect(latest.status == 0, "\(latest.standardError)")
        #expect(latest.standardOutput == (try kvctl(["diff", "v1.1.0"], in: fixture.url)).standardOutput)
        #expect(latest.standardOutput.hasPrefix("+ app/unstaged\n"))
        let fresh = try releasableFixture()
        let none = try kvctl(["diff"], in: fresh.url)
        #expect(none.status == 2)
        #expect(none.standardError.contains("there is no release to compare with yet"))
    }

    @Test func unknownRevisionSuggestsTags() throws {
        let result = try kvctl(["diff", "v1.0.1", "v1.1.0"], in: fixture.url)
        #expect(result.status == 2)
        #expect(result.standardError.contains("unknown revision 'v1.0.1'; did you mean v1.0.0, v1.1.0?"))
        let far = try kvctl(["diff", "v1.1.0", "nonsense"], in: fixture.url)
        #expect(far.status == 2)
        #expect(far.standardError.contains("unknown revision 'nonsense'\n") || far.standardError.hasSuffix("unknown revision 'nonsense'\n"))
    }

    @Test func secondRevisionOnlyOnce() throws {
        #expect(try kvctl(["diff", "v1.0.0", "v1.1.0", "--staged"], in: fixture.url).status == 2)
    }
}
