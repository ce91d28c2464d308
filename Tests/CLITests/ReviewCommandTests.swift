import Foundation
import Testing
import TestSupport

/// `render`, `diff --rendered`, `impact` and `review` against a fixture repository with two revisions.
@Suite struct ReviewCommands {
    let fixture: FixtureRepository

    init() throws {
        fixture = try FixtureRepository()
        try fixture.write("kvctl.yaml", "external-keys:\n  - \"shared/*\"\n")
        try fixture.write("kv/app.yaml", """
            config:
              - key: app/port
                value: 8080
              - key: app/hosts/a
                value: 10.0.0.1
              - key: app/hosts/b
                value: 10.0.0.2
              - key: app/db/password
                value: "Zx9#kQ2!mP7vL4@w"
              - key: app/web.ctmpl
                file: web.ctmpl
              - key: app/other.ctmpl
                file: other.ctmpl
            """)
        try fixture.write("kv/web.ctmpl", """
            listen {{ key "app/port" }};
            {{- range ls "app/hosts" }}
            server {{ .Value }};
            {{- end }}
            region {{ env "REGION" }} {{ keyOrDefault "shared/region" "none" }}
            pass {{ with secret "kv/data/web" }}{{ .Data.password }}{{ end }}

            """)
        try fixture.write("kv/other.ctmpl", "static {{ keyOrDefault \"app/unused\" \"x\" }}\n")
        try fixture.commitAll()
        try fixture.git("tag", "A")
        try fixture.write("kv/app.yaml", try String(contentsOf: fixture.url.appendingPathComponent("kv/app.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "8080", with: "9090").replacingOccurrences(of: "Zx9#kQ2!mP7vL4@w", with: "Qw3#zT8!nR5vB2@y"))
        try fixture.commitAll()
    }

    @Test func renderPrintsConsulTemplatesBytes() throws {
        let result = try kvctl(["render", "app/web.ctmpl", "--set", "shared/region=eu", "--set-env", "REGION=north"], in: fixture.url)
        #expect(result.status == 0)
        #expect(result.standardOutput == "listen 9090;\nserver 10.0.0.1;\nserver 10.0.0.2;\nregion north eu\npass SECRET_PLACEHOLDER\n")
        #expect(result.standardError.contains("kv/web.ctmpl:6: note: secret is unknowable offline"))
    }

    /// An external key with no value is reported at the line that reads it; env not given is unset.
    @Test func renderReportsMissingExternalKeys() throws {
        let result = try kvctl(["render", "app/web.ctmpl", "--at", "A"], in: fixture.url)
        #expect(result.status == 0)
        #expect(result.standardOutput.hasPrefix("listen 8080;"))
        #expect(result.standardOutput.contains("region  none\n"))
        #expect(result.standardError.contains("kv/web.ctmpl:5:43: warning: keyOrDefault reads no external key 'shared/region'"))
    }

    @Test func renderFailureHasLineAndColumn() throws {
        try fixture.write("kv/other.ctmpl", "ok\n{{ lt 1 \"a\" }}\n")
        let result = try kvctl(["render", "app/other.ctmpl"], in: fixture.url)
        #expect(result.status == 1)
        #expect(result.standardOutput.isEmpty)
        #expect(result.standardError.contains("kv/other.ctmpl:2:4: error calling lt: incompatible types for comparison"))
        #expect(try kvctl(["render", "app/port"], in: fixture.url).status == 1)
    }

    @Test func renderAllWritesAFolderByKey() throws {
        let folder = fixture.url.appendingPathComponent("out")
        let result = try kvctl(["render", "--all", folder.path], in: fixture.url)
        #expect(result.status == 0)
        #expect(try String(contentsOf: folder.appendingPathComponent("app/other.ctmpl"), encoding: .utf8) == "static x\n")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("app/web.ctmpl").path))
    }

    @Test func diffRenderedNamesTheCause() throws {
        let result = try kvctl(["diff", "A", "HEAD", "--rendered"], in: fixture.url)
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("""
            rendered app/web.ctmpl (caused by app/port)
            --- A:app/web.ctmpl (rendered)
            +++ HEAD:app/web.ctmpl (rendered)
            @@ -1,4 +1,4 @@
            -listen 8080;
            +listen 9090;
            """))
        // other.ctmpl reads nothing that changed: not rendered, not shown.
        #expect(!result.standardOutput.contains("rendered app/other.ctmpl"))
    }

    @Test func impactListsTemplateReaders() throws {
        let text = try kvctl(["impact", "A", "HEAD"], in: fixture.url)
        #expect(text.standardOutput.contains("~ app/port\n    template app/web.ctmpl at kv/web.ctmpl:1: key\n"))
        try fixture.write("kv/hosts.yaml", "config:\n  - key: app/hosts/c\n    value: 10.0.0.3\n")
        let json = try kvctl(["impact", "HEAD", "--output", "json"], in: fixture.url)
        let report = try #require(JSONSerialization.jsonObject(with: Data(json.output)) as? [String: Any])
        let keys = try #require(report["keys"] as? [[String: Any]])
        #expect(keys.map { $0["key"] as? String } == ["app/hosts/c"])
        let consumer = try #require((keys[0]["consumers"] as? [[String: Any]])?.first)
        #expect(consumer["how"] as? String == "ls prefix \"app/hosts\"")
        #expect(consumer["location"] as? String == "kv/web.ctmpl:2")
    }

    @Test func reviewMarkdownHidesSecrets() throws {
        let result = try kvctl(["review", "A", "HEAD"], in: fixture.url)
        #expect(result.status == 1) // HEAD's literal password is a secret-guard error
        let markdown = result.standardOutput
        #expect(markdown.hasPrefix("## kvctl review: A → HEAD"))
        #expect(markdown.contains("`~ app/db/password` (value hidden: the secret guard reports it)"))
        #expect(!markdown.contains("Qw3#zT8") && !markdown.contains("Zx9#kQ2"))
        #expect(markdown.contains("<details><summary>`app/web.ctmpl` — caused by app/port</summary>"))
        #expect(markdown.contains("| `app/port` | changed | template `app/web.ctmpl` (`kv/web.ctmpl:1`) | key |"))
    }

    @Test func reviewGithubAnnotatesAndWritesTheSummary() throws {
        let summary = fixture.url.appendingPathComponent("summary.md")
        let result = try kvctl(["review", "A", "HEAD", "--output", "github"], in: fixture.url,
                               environment: ["GITHUB_STEP_SUMMARY": summary.path])
        #expect(result.standardOutput.hasPrefix("::error file=kv/app.yaml,line=9,col=12,title=secret-high-entropy::"))
        #expect(try String(contentsOf: summary, encoding: .utf8).hasPrefix("## kvctl review"))
        let json = try kvctl(["review", "A", "HEAD", "--output", "json"], in: fixture.url)
        let report = try #require(JSONSerialization.jsonObject(with: Data(json.output)) as? [String: Any])
        #expect((report["rendered"] as? [[String: Any]])?.count == 1)
        #expect(!json.standardOutput.contains("Qw3#zT8"))
    }
}
