import Foundation
import Testing
import TestSupport

/// The hook must run the kvctl that installed it, wherever git looks for hooks.
@Suite struct HookInstallation {
    let fixture: FixtureRepository

    init() throws {
        fixture = try FixtureRepository()
        try fixture.write("kv/app.yaml", "config:\n  - key: config/app/port\n    value: 8080\n")
        try fixture.commitAll()
    }

    private func commitBlocked() throws -> ProcessResult {
        try fixture.write("kv/app.yaml", "config:\n  - key: /bad\n    value: 1\n")
        try fixture.git("add", "kv/app.yaml")
        return try run("/usr/bin/env", ["git", "commit", "-q", "-m", "change"], in: fixture.url)
    }

    /// Started as a bare `kvctl` found on PATH, kvctl once wrote `<work tree>/kvctl` into the hook, so a
    /// commit ran whatever file of that name the work tree held.
    @Test func startedFromPathItRecordsItsOwnBinary() throws {
        try fixture.write("kvctl", "#!/bin/sh\ntouch \"$(dirname \"$0\")/ran-the-work-tree-file\"\nexit 0\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fixture.path + "/kvctl")
        let binary = URL(fileURLWithPath: kvctlBinary()).resolvingSymlinksInPath().path
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = URL(fileURLWithPath: binary).deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        let install = try run("kvctl", ["hook", "install"], in: fixture.url, environment: environment)
        #expect(install.status == 0, "\(install.standardError)")
        let hook = try String(contentsOfFile: fixture.path + "/.git/hooks/pre-commit", encoding: .utf8)
        #expect(hook.contains("kvctl='\(binary)'"), "\(hook)")
        #expect(!hook.contains(fixture.path))

        let blocked = try commitBlocked()
        #expect(blocked.status != 0)
        #expect(blocked.standardError.contains("invalid key '/bad'"), "\(blocked.standardError)")
        #expect(!FileManager.default.fileExists(atPath: fixture.path + "/ran-the-work-tree-file"))
    }

    /// git-config(1): a relative core.hooksPath is taken from the work tree's root.
    @Test func coreHooksPathIsWhereTheHookGoes() throws {
        try fixture.git("config", "core.hooksPath", ".githooks")
        let install = try kvctl(["hook", "install"], in: fixture.url)
        #expect(install.status == 0, "\(install.standardError)")
        #expect(install.standardOutput.contains(fixture.url.resolvingSymlinksInPath().path + "/.githooks/pre-commit")
                || install.standardOutput.contains(fixture.path + "/.githooks/pre-commit"), "\(install.standardOutput)")
        #expect(!FileManager.default.fileExists(atPath: fixture.path + "/.git/hooks/pre-commit"))

        let blocked = try commitBlocked()
        #expect(blocked.status != 0)
        #expect(blocked.standardError.contains("invalid key '/bad'"), "\(blocked.standardError)")
        #expect(try kvctl(["hook", "uninstall"], in: fixture.url).standardOutput == "removed the pre-commit hook\n")
        #expect(!FileManager.default.fileExists(atPath: fixture.path + "/.githooks/pre-commit"))
    }

    @Test func absoluteCoreHooksPath() throws {
        let hooks = try FixtureRepository()
        try fixture.git("config", "core.hooksPath", hooks.path + "/shared-hooks")
        #expect(try kvctl(["hook", "install"], in: fixture.url).status == 0)
        #expect(FileManager.default.fileExists(atPath: hooks.path + "/shared-hooks/pre-commit"))
        #expect(try commitBlocked().status != 0)
    }
}

/// Under --strict, warnings fail the run, and every report says so.
@Suite struct StrictReports {
    let fixture: FixtureRepository

    init() throws {
        fixture = try FixtureRepository()
        try fixture.write("kv/app.yaml", "config:\n  - key: a\n    value: 1\n  - key: b\n    file: b.json\n")
        try fixture.write("kv/b.json", "{}")
        try fixture.write("kv/stray.txt", "nobody reads me")
    }

    @Test func junitCountsWarningsAsFailuresAndListsCleanFiles() throws {
        let strict = try kvctl(["validate", "--strict", "--output", "junit"], in: fixture.url)
        #expect(strict.status == 1)
        #expect(strict.standardOutput.contains("<testsuites name=\"kvctl validate\" tests=\"3\" failures=\"1\">"), "\(strict.standardOutput)")
        #expect(strict.standardOutput.contains("<failure message=\"1 warning\">kv/stray.txt:1:1: warning:"))
        #expect(strict.standardOutput.contains("<testcase classname=\"kvctl\" name=\"kv/app.yaml\"/>"))
        #expect(strict.standardOutput.contains("<testcase classname=\"kvctl\" name=\"kv/b.json\"/>"))

        let lenient = try kvctl(["validate", "--output", "junit"], in: fixture.url)
        #expect(lenient.status == 0)
        #expect(lenient.standardOutput.contains("tests=\"3\" failures=\"0\""))
        #expect(lenient.standardOutput.contains("<system-out>kv/stray.txt:1:1: warning:"))
    }

    @Test func sarifRaisesTheLevelOfWarningsThatFail() throws {
        func levels(_ arguments: [String]) throws -> [String?] {
            let result = try kvctl(["validate", "--output", "sarif"] + arguments, in: fixture.url)
            let sarif = try #require(JSONSerialization.jsonObject(with: Data(result.output)) as? [String: Any])
            let run = try #require((sarif["runs"] as? [[String: Any]])?.first)
            return try #require(run["results"] as? [[String: Any]]).map { $0["level"] as? String }
        }
        #expect(try levels(["--strict"]) == ["error"])
        #expect(try levels([]) == ["warning"])
    }
}

/// An alias bomb wherever kvctl turns YAML into values: a bounded error, not gigabytes.
@Suite struct AliasBombs {
    @Test func everyYAMLReaderStopsAtTheLimit() throws {
        let fixture = try FixtureRepository()
        try fixture.write("kv/app.yaml", """
            config:
              - key: data
                file: bomb.yaml
              - key: datasources
                file: datasources.yaml
                type: grafana-datasources
              - key: inline
                type: yaml
                value: '{a: &a [x, x, x, x, x, x, x, x, x], b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a], c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b], d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c], e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d], f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e], g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]}'
            """)
        try fixture.write("kv/bomb.yaml", aliasBomb())
        try fixture.write("kv/datasources.yaml", "apiVersion: 1\nbomb:\n" + aliasBomb(indent: "  "))
        let result = try run(kvctlBinary(), ["validate", "--output", "json"], in: fixture.url, timeout: 120)
        #expect(result.status == 1)
        let report = try #require(JSONSerialization.jsonObject(with: Data(result.output)) as? [String: Any])
        let findings = try #require(report["findings"] as? [[String: Any]]).filter { $0["rule"] as? String == "yaml-alias-limit" }
        let places = findings.compactMap { finding -> String? in
            guard let location = finding["location"] as? [String: Any] else { return nil }
            return "\(location["file"] ?? ""):\(location["line"] ?? "")"
        }
        #expect(places.sorted() == ["kv/app.yaml:9", "kv/bomb.yaml:6", "kv/datasources.yaml:8"], "\(result.standardOutput)")
        #expect(result.peakMemoryBytes < 512 * 1024 * 1024, "peak \(result.peakMemoryBytes) bytes")
    }
}
