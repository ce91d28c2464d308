import Foundation
import Testing
import TestSupport

@Suite struct ValidateCommand {
    let fixture: FixtureRepository

    init() throws {
        fixture = try FixtureRepository()
        try fixture.write("kv/app.yaml", "config:\n  - key: config/app/port\n    value: 8080\n")
        try fixture.commitAll()
    }

    private func breakIt() throws {
        try fixture.write("kv/app.yaml", "config:\n  - key: config/app//port\n    value: 8080\n  - key: config/db/password\n    value: q8Vz3LkP0wXr7TyN2mBd\n")
        try fixture.write("kv/stray.txt", "nobody reads me")
    }

    @Test func cleanTreeExitsZero() throws {
        let result = try kvctl(["validate"], in: fixture.url)
        #expect(result.status == 0)
        #expect(result.standardOutput == "✓ 1 key in the working tree: no problems\n")
    }

    @Test func textIsGroupedPerFileAndPlainInAPipe() throws {
        try breakIt()
        let result = try kvctl(["validate"], in: fixture.url)
        #expect(result.status == 1)
        #expect(!result.standardOutput.contains("\u{1B}["))
        #expect(result.standardOutput.hasPrefix("""
            kv/app.yaml
              2:10  error    invalid key 'config/app//port': the key has an empty segment ('//')  key-invalid
              5:12  error    a random-looking value
            """))
        #expect(result.standardOutput.contains("kv/stray.txt\n  1:1  warning  this file is neither a manifest"))
        #expect(result.standardOutput.hasSuffix("✖ 2 errors, 1 warning in 2 files (1 key in the working tree)\n"))
    }

    @Test func warningsFailOnlyWhenStrict() throws {
        try fixture.write("kv/stray.txt", "nobody reads me")
        #expect(try kvctl(["validate"], in: fixture.url).status == 0)
        #expect(try kvctl(["validate", "--strict"], in: fixture.url).status == 1)
    }

    @Test func jsonReport() throws {
        try breakIt()
        let result = try kvctl(["validate", "--output", "json"], in: fixture.url)
        let report = try #require(JSONSerialization.jsonObject(with: Data(result.output)) as? [String: Any])
        #expect(report["errors"] as? Int == 2)
        #expect(report["warnings"] as? Int == 1)
        let findings = try #require(report["findings"] as? [[String: Any]])
        #expect(findings.map { $0["rule"] as? String } == ["key-invalid", "secret-high-entropy", "orphan-file"])
        let location = try #require(findings[0]["location"] as? [String: Any])
        #expect(location["line"] as? Int == 2)
        #expect(location["column"] as? Int == 10)
    }

    @Test func sarifReport() throws {
        try breakIt()
        let result = try kvctl(["validate", "--output", "sarif"], in: fixture.url)
        let sarif = try #require(JSONSerialization.jsonObject(with: Data(result.output)) as? [String: Any])
        #expect(sarif["version"] as? String == "2.1.0")
        let run = try #require((sarif["runs"] as? [[String: Any]])?.first)
        let results = try #require(run["results"] as? [[String: Any]])
        #expect(results.map { $0["ruleId"] as? String } == ["key-invalid", "secret-high-entropy", "orphan-file"])
        #expect(results.map { $0["level"] as? String } == ["error", "error", "warning"])
        let rules = try #require(((run["tool"] as? [String: Any])?["driver"] as? [String: Any])?["rules"] as? [[String: Any]])
        #expect(rules.contains { $0["id"] as? String == "secret-private-key" })
    }

    @Test func junitReport() throws {
        try breakIt()
        let result = try kvctl(["validate", "--output", "junit"], in: fixture.url)
        #expect(result.standardOutput.contains("<testsuites name=\"kvctl validate\" tests=\"2\" failures=\"1\">"))
        #expect(result.standardOutput.contains("<testcase classname=\"kvctl\" name=\"kv/app.yaml\">"))
        #expect(result.standardOutput.contains("<failure message=\"2 errors\">kv/app.yaml:2:10: error: invalid key"))
    }
}

/// The hook runs inside real `git commit` invocations.
@Suite struct PreCommitHook {
    let fixture: FixtureRepository

    init() throws {
        fixture = try FixtureRepository()
        try fixture.write("kv/app.yaml", "config:\n  - key: config/app/port\n    value: 8080\n")
        try fixture.commitAll()
        let install = try kvctl(["hook", "install"], in: fixture.url)
        #expect(install.status == 0, "\(install.standardError)")
    }

    private func commit() throws -> ProcessResult {
        try run("/usr/bin/env", ["git", "commit", "-q", "-m", "change"], in: fixture.url)
    }

    @Test func stagedErrorBlocksTheCommitEvenWhenTheWorktreeIsFixed() throws {
        try fixture.write("kv/app.yaml", "config:\n  - key: /bad\n    value: 1\n")
        try fixture.git("add", "-A")
        try fixture.write("kv/app.yaml", "config:\n  - key: config/app/port\n    value: 9090\n")
        let blocked = try commit()
        #expect(blocked.status != 0)
        #expect(blocked.standardError.contains("invalid key '/bad'"))
        try fixture.git("add", "-A")
        #expect(try commit().status == 0)
    }

    @Test func unstagedErrorDoesNotBlockAValidStagedChange() throws {
        try fixture.write("kv/app.yaml", "config:\n  - key: config/app/port\n    value: 9090\n")
        try fixture.git("add", "-A")
        try fixture.write("kv/app.yaml", "config:\n  - key: /bad\n    value: 1\n")
        #expect(try commit().status == 0)
    }

    @Test func foreignHookIsKeptUnlessForced() throws {
        let other = try FixtureRepository()
        try other.write(".git/hooks/pre-commit", "#!/bin/sh\necho mine\n")
        let refused = try kvctl(["hook", "install"], in: other.url)
        #expect(refused.status == 2)
        #expect(refused.standardError.contains("was not written by kvctl; pass --force"))
        let forced = try kvctl(["hook", "install", "--force"], in: other.url)
        #expect(forced.status == 0)
        #expect(forced.standardOutput.contains("the hook it replaced is kept as "))
        let backup = other.url.appendingPathComponent(".git/hooks/pre-commit.kvctl-backup")
        #expect(FileManager.default.contents(atPath: backup.path) == Data("#!/bin/sh\necho mine\n".utf8))
        #expect(try kvctl(["hook", "install", "--force"], in: other.url).standardOutput.contains("is already up to date"))
        #expect(try kvctl(["hook", "uninstall"], in: other.url).standardOutput == "removed the pre-commit hook\n")
    }
}

@Suite struct RuleCatalog {
    /// Issue 11: an error means "the consumer would reject or mis-serve this", so every error rule
    /// names the consumer behaviour it predicts and where that is documented or implemented.
    @Test func everyErrorRuleCitesItsConsumer() throws {
        let json = try kvctl(["rules", "--output", "json"], in: URL(fileURLWithPath: NSTemporaryDirectory()))
        let rules = try #require(try JSONSerialization.jsonObject(with: Data(json.output)) as? [[String: Any]])
        #expect(rules.count > 30)
        let uncited = rules.filter { $0["severity"] as? String == "error" && (($0["consumer"] as? String) ?? "").isEmpty }.map { $0["id"] as? String ?? "?" }
        #expect(uncited.isEmpty, "error rules without a consumer citation: \(uncited)")
    }

    @Test func docsListEveryRule() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let generated = try kvctl(["rules", "--output", "markdown"], in: root)
        let document = try String(contentsOf: root.appendingPathComponent("docs/rules.md"), encoding: .utf8)
        #expect(document.hasSuffix(generated.standardOutput), "docs/rules.md is stale: run `make docs`")
        #expect(generated.standardOutput.contains("| `secret-high-entropy` | error |"))
    }

    @Test func theSampleTreeValidates() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let sample = try FixtureRepository.copy(of: ["kv", "schemas", "kvctl.yaml"], in: root)
        let result = try kvctl(["validate", "--output", "json"], in: sample.url)
        let report = try #require(JSONSerialization.jsonObject(with: Data(result.output)) as? [String: Any])
        #expect(result.status == 0, "\(result.standardOutput)")
        #expect(report["errors"] as? Int == 0)
        #expect((report["keys"] as? Int ?? 0) >= 75)
    }
}
