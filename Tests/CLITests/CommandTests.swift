import Foundation
import Testing
import TestSupport

/// Runs the real `kvctl` binary as a process against fixture repositories.
@Suite struct Commands {
    let fixture: FixtureRepository

    init() throws {
        fixture = try FixtureRepository()
        try fixture.write("kv/svc/api.yaml", """
            # settings of the api service
            config:
              - key: config/api/port   # the listener
                value: 8080
              - key: config/api/ratio
                value: 1.10
              - key: config/api/logo
                file: logo.bin
            """)
        try fixture.write("kv/svc/logo.bin", bytes: [0, 255, 10, 13, 0x80, 0x7F])
        try fixture.commitAll()
        try fixture.git("tag", "-a", "v1.0.0", "-m", "release")
    }

    @Test func listText() throws {
        let result = try kvctl(["ls", "--at", "v1.0.0"], in: fixture.url)
        #expect(result.status == 0)
        #expect(result.standardOutput == """
            config/api/logo   6  kv/svc/api.yaml:7  <- kv/svc/logo.bin
            config/api/port   4  kv/svc/api.yaml:3
            config/api/ratio  4  kv/svc/api.yaml:5

            """)
        #expect(result.standardError.contains("3 keys from 1 manifest in v1.0.0 ("))
    }

    @Test func listJSON() throws {
        let result = try kvctl(["ls", "--output", "json"], in: fixture.url)
        let rows = try #require(JSONSerialization.jsonObject(with: Data(result.output)) as? [[String: Any]])
        #expect(rows.map { $0["key"] as? String } == ["config/api/logo", "config/api/port", "config/api/ratio"])
        #expect(rows[1]["line"] as? Int == 3)
        #expect(rows[1]["column"] as? Int == 10)
        #expect(rows[0]["file"] as? String == "kv/svc/logo.bin")
    }

    @Test func getWritesExactBytes() throws {
        let result = try kvctl(["get", "config/api/logo", "--at", "v1.0.0"], in: fixture.url)
        #expect(result.status == 0)
        #expect(result.output == [0, 255, 10, 13, 0x80, 0x7F])
        #expect(try kvctl(["get", "config/api/ratio"], in: fixture.url).output == Array("1.10".utf8))
    }

    @Test func exportIsConsulImportJSON() throws {
        let result = try kvctl(["export", "--at", "v1.0.0"], in: fixture.url)
        let items = try #require(JSONSerialization.jsonObject(with: Data(result.output)) as? [[String: Any]])
        #expect(items.map { $0["key"] as? String } == ["config/api/logo", "config/api/port", "config/api/ratio"])
        #expect(items[0]["value"] as? String == "AP8KDYB/")
        #expect(items[1]["flags"] as? Int == 0)
    }

    @Test func exitStatuses() throws {
        #expect(try kvctl(["get", "config/none"], in: fixture.url).status == 1)
        #expect(try kvctl(["ls", "--at", "no-such-tag"], in: fixture.url).status == 2)
        #expect(try kvctl(["ls", "--staged", "--at", "v1.0.0"], in: fixture.url).status == 2)
        #expect(try kvctl(["ls", "--bogus"], in: fixture.url).status == 2)

        try fixture.write("kv/svc/api.yaml", "config:\n  - key: a//b\n    value: 1\n  - key: c\n    file: /etc/passwd\n")
        let invalid = try kvctl(["export"], in: fixture.url)
        #expect(invalid.status == 1)
        #expect(invalid.output.isEmpty)
        #expect(invalid.standardError.contains("kv/svc/api.yaml:2:10: error: invalid key 'a//b'"))
        #expect(invalid.standardError.contains("kv/svc/api.yaml:5:11: error: cannot read file '/etc/passwd'"))
    }

    @Test func orphansAreListed() throws {
        try fixture.write("kv/svc/stray.txt", "x")
        let result = try kvctl(["ls", "--orphans"], in: fixture.url)
        #expect(result.status == 0)
        #expect(result.standardOutput == "kv/svc/stray.txt\n")
    }

    /// Commands that read a commit say why there is none, not libgit2's "revspec 'HEAD' not found".
    @Test func aRepositoryWithoutCommitsSaysSo() throws {
        let empty = try FixtureRepository()
        try empty.write("kv/a.yaml", "config:\n  - key: a\n    value: 1\n")
        let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CONSUL_") }
        for command in [["ls", "--at", "HEAD"], ["export", "--live"], ["status"], ["rollback"], ["publish", "1.0.0"],
                        ["diff", "HEAD"], ["sync", "--env", "prod"], ["release", "1.0.0"], ["versions"]] {
            let result = try kvctl(command, in: empty.url, environment: environment)
            if command == ["versions"] {
                #expect(result.status == 0)
                #expect(result.standardError.contains("0 releases (the repository has no commits yet)"))
                continue
            }
            #expect(result.status != 0, "\(command)")
            #expect(result.standardError.contains("the repository has no commits yet"), "\(command): \(result.standardError)")
        }
        #expect(try kvctl(["ls"], in: empty.url).status == 0, "the working tree needs no commit")
    }

    /// `consul kv get -recurse` prints KEY:VALUE lines (hashicorp/consul command/kv/get/kv_get.go).
    @Test func getRecurseAndLsTakeAPrefix() throws {
        let repo = try FixtureRepository()
        try repo.write("kv/a.yaml", "config:\n  - key: app/a\n    value: 1\n  - key: app/b\n    value: two\n  - key: other/c\n    value: 3\n")
        let recursed = try kvctl(["get", "--recurse", "app/"], in: repo.url)
        #expect(recursed.status == 0)
        #expect(recursed.standardOutput == "app/a:1\napp/b:two\n")
        let listed = try kvctl(["ls", "app/"], in: repo.url)
        #expect(listed.standardOutput.split(separator: "\n").map { $0.split(separator: " ").first.map(String.init) } == ["app/a", "app/b"])
        #expect(listed.standardError.contains("2 keys under 'app/' of 3 keys from 1 manifest"))
    }

    @Test func noCommandPrintsUsageAndExits2() throws {
        let result = try kvctl([], in: fixture.url)
        #expect(result.status == 2)
        #expect(result.standardError.contains("USAGE: kvctl"))
        #expect(result.standardError.contains("SUBCOMMANDS:"))
        #expect(result.output.isEmpty)
    }

    @Test func helpListsEveryCommandInOneLine() throws {
        let result = try kvctl(["--help"], in: fixture.url)
        let listing = try #require(result.standardOutput.components(separatedBy: "SUBCOMMANDS:\n").last)
        let lines = listing.split(separator: "\n").prefix { !$0.isEmpty && !$0.contains("See 'kvctl help") }
        for command in ["ls", "get", "export", "import", "validate", "rules", "hook", "release", "versions", "diff", "publish", "apply", "unpublish", "rollback", "sync", "promote", "log", "status", "agent"] {
            #expect(lines.contains { $0.hasPrefix("  \(command) ") }, "\(command) is missing from --help")
        }
        // A wrapped abstract shows up as a line indented past the command column.
        #expect(lines.allSatisfy { !$0.hasPrefix("    ") }, "\(lines.joined(separator: "\n"))")
    }
}
