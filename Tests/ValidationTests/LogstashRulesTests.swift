import KVCore
import Testing
import TestSupport
@testable import Validation

/// Validates a tree of snippets under `kv/ls/` published to `logstash/conf.d/`.
private func findings(_ snippets: [String: String], settings: String = "", extra: [String: String] = [:],
                      types: [String: String] = [:]) throws -> [Diagnostic] {
    var files = extra
    var manifest = "config:\n  - key: logstash/settings/port\n    value: 5044\n"
    for (name, text) in snippets.sorted(by: { $0.key < $1.key }) {
        files["kv/ls/\(name)"] = text
        manifest += "  - key: logstash/conf.d/\(name)\n    file: \(name)\n"
        if let type = types[name] { manifest += "    type: \(type)\n" }
    }
    files["kv/ls/pipeline.yaml"] = manifest
    let (config, problems) = KVConfig.parse(Array(settings.utf8))
    #expect(problems.isEmpty, "\(problems)")
    let loaded = try ManifestLoader(config: config).load(from: MemoryTree(files))
    #expect(!loaded.diagnostics.hasErrors, "\(loaded.diagnostics)")
    return Validation.run(VersionUnderTest(tree: loaded.tree, config: config))
}

private func summary(_ findings: [Diagnostic]) -> [String] {
    findings.map { "\($0.rule) \($0.location)" }
}

private let input = "input { beats { id => \"in\" port => 5044 } }\n"
private let output = "output { stdout { id => \"out\" } }\n"

@Suite struct LogstashRules {
    @Test func plainSnippetSyntaxErrorHasItsPosition() throws {
        let result = try findings(["10-in.conf": input, "20-filter.conf": "filter {\n  mutate { add_tag => [\"a\" \"b\"] }\n}\n"])
        #expect(summary(result) == ["logstash-syntax kv/ls/20-filter.conf:2:28"])
        #expect(result.first?.message.hasPrefix("expected one of") == true)
    }

    @Test func templateErrorPointsAtTheTemplatesOwnLine() throws {
        let template = """
            {{- /* the port comes from Consul; the trim markers shift output lines by one */ -}}
            input {
              beats {
                id => "beats"
                port => {{ key "logstash/settings/port" }}
                ssl => tru e
              }
            }

            """
        let result = try findings(["10-in.conf.ctmpl": template])
        #expect(summary(result) == ["logstash-syntax kv/ls/10-in.conf.ctmpl:7:3"])
        #expect(result.first?.message.contains("in the rendered template") == true)
    }

    @Test func topLevelIfInALogstashFolderIsCaught() throws {
        // Named .tmpl without .conf and not opening with a section: only its siblings say it is Logstash.
        let wrapped = "{{ if keyExists \"logstash/settings/port\" }}\nif [type] == \"x\" {\n  filter { }\n}\n{{ end }}\n"
        let result = try findings(["10-in.conf": input, "50-wrapped.tmpl": wrapped, "90-out.conf": output])
        #expect(summary(result) == ["logstash-syntax kv/ls/50-wrapped.tmpl:2:1"])
    }

    @Test func templateOutsideLogstashIsOnlyCheckedAsATemplate() throws {
        let result = try findings([:], extra: [
            "kv/app/a.yaml": "config:\n  - key: app/config.ini\n    file: config.ini.tmpl\n",
            "kv/app/config.ini.tmpl": "[server]\nport = {{ keyOrDefault \"app/port\" \"80\" }}\nif anything goes\n",
        ])
        #expect(summary(result) == ["template-key-default kv/app/config.ini.tmpl:2:24"])
    }

    @Test func declaredTypeOverridesTheGuess() throws {
        let result = try findings(["10-in.conf": input, "20-notes.conf": "just some notes, not logstash\n"],
                                  types: ["20-notes.conf": "text"])
        #expect(result.isEmpty, "\(result)")
        let ruled = try findings(["10-in.conf": input, "20-notes.conf": "just notes\n"],
                                 settings: "rules:\n  - paths: 'kv/ls/20-*'\n    type: text\n")
        #expect(ruled.isEmpty, "\(ruled)")
    }

    @Test func templateSyntaxAndReferences() throws {
        let template = """
            input {
              beats { id => "a" port => {{ key "logstash/settings/port" }} }
              beats { id => "b" port => {{ key "logstash/settings/nope" }} }
              beats { id => "c" port => {{ keyOrDefault "logstash/settings/other" "5045" }} }
              beats { id => "d" port => {{ key "shared/ports/logstash" }} }
              beats { id => "e" port => {{ key (printf "logstash/settings/%s" "port") }} }
              {{ range ls "logstash/nothing" }}{{ end }}
              {{ range safeLs "logstash/nothing" }}{{ end }}
            }

            """
        let result = try findings(["10-in.conf.ctmpl": template, "90-out.conf": output], settings: "external-keys:\n  - 'shared/**'\n")
        // consul-template waits for `key` and for a non-empty `safeLs`/`safeTree`, but renders `ls`
        // and `tree` of an empty prefix as empty lists (template/funcs.go: lsFunc's emptyIsSafe).
        #expect(summary(result) == [
            "template-key-undefined kv/ls/10-in.conf.ctmpl:3:36",
            "template-key-default kv/ls/10-in.conf.ctmpl:4:45",
            "template-key-unchecked kv/ls/10-in.conf.ctmpl:6:36",
            "template-key-default kv/ls/10-in.conf.ctmpl:7:15",
            "template-key-undefined kv/ls/10-in.conf.ctmpl:8:19",
        ])
        #expect(result[3].severity == .warning && result[3].message.contains("empty list"))
        let broken = try findings(["10-in.conf.ctmpl": "input { {{ if true }} }\n"])
        #expect(summary(broken) == ["template-syntax kv/ls/10-in.conf.ctmpl:2:1"])
    }

    @Test func externalKeysRenderAsPlaceholders() throws {
        let template = "input { beats { id => \"in\" port => {{ key \"shared/ports/beats\" }} } }\n"
        #expect(try findings(["10-in.conf.ctmpl": template], settings: "external-keys:\n  - 'shared/**'\n").isEmpty)
        let undeclared = try findings(["10-in.conf.ctmpl": template])
        #expect(summary(undeclared) == ["template-key-undefined kv/ls/10-in.conf.ctmpl:1:43"])
    }

    @Test func secretPlaceholdersTakeBothBranches() throws {
        let template = """
            output {
              {{ with secret "secret/data/es" }}
              elasticsearch { id => "es" password => "{{ .Data.data.password }}" }
              {{ else }}
              elasticsearch { id => "es" password => }
              {{ end }}
            }

            """
        let result = try findings(["90-out.conf.ctmpl": template])
        #expect(summary(result) == ["logstash-syntax kv/ls/90-out.conf.ctmpl:5:42"])
        #expect(result.first?.message.contains("taken as false") == true)
    }

    @Test func pipelineIdsAreUniqueAcrossSnippetsAndNeedInputAndOutput() throws {
        let settings = "logstash-pipelines:\n  - logstash/conf.d/\n"
        let duplicate = try findings(["10-in.conf": input, "20-f.conf": "filter { mutate { id => \"in\" } }\n", "90-out.conf": output],
                                     settings: settings)
        #expect(summary(duplicate) == ["logstash-duplicate-id kv/ls/20-f.conf:1:25"])
        #expect(duplicate.first?.message.contains("kv/ls/10-in.conf:1:23") == true)
        let incomplete = try findings(["10-in.conf": input], settings: settings)
        #expect(incomplete.map(\.rule) == ["logstash-pipeline-incomplete"])
        #expect(incomplete.first?.severity == .warning)
        #expect(incomplete.first?.message.contains("no output plugin") == true)
    }

    // A log-pipeline repository rendering each key of one folder to KEY.conf in one conf.d: every
    // snippet a `.ctmpl`, most opening with `filter {` or `input {`, outputs wrapped in a top-level
    // `if`, which Logstash rejects ("Expected one of [ \t\r\n], "#", "input", "filter", "output"").
    @Test func templatesBesideTemplatesAreLogstashWithDefaultSettings() throws {
        var snippets = [
            "00-input-beats.ctmpl": "input {\n  beats { id => \"beats\" port => {{ key \"logstash/settings/port\" }} }\n}\n",
            "10-filter-syslog.ctmpl": "{{/* syslog lines */}}\nfilter {\n  grok { match => { \"message\" => \"%{SYSLOGLINE}\" } }\n}\n",
            "20-filter-nginx.ctmpl": "# nginx access logs\nfilter {\n  if [type] == \"nginx\" { mutate { add_tag => [\"web\"] } }\n}\n",
        ]
        let outputs = (1...12).map { String(format: "90-output-%02d.ctmpl", $0) }
        for name in outputs {
            snippets[name] = "if [type] == \"\(name)\" {\n  output {\n    elasticsearch { hosts => [\"es:9200\"] }\n  }\n}\n"
        }
        let result = try findings(snippets)
        #expect(summary(result) == outputs.map { "logstash-syntax kv/ls/\($0):1:1" })
        #expect(result.allSatisfy { $0.message.contains("in the rendered template") })
        // The same with the prefix declared as one pipeline: the same twelve, at the same place.
        let declared = try findings(snippets, settings: "logstash-pipelines:\n  - logstash/conf.d/\n")
        #expect(summary(declared).filter { $0.hasPrefix("logstash-syntax") } == summary(result))
    }

    @Test func contentRecognitionReachesAFixedPoint() throws {
        // Only the first template says it is Logstash, by opening with a section after a template
        // comment; its siblings are Logstash because of it, whatever their order.
        let opener = "{{- /* inputs */ -}}\ninput { stdin { } }\n"
        let wrapped = "{{ if keyExists \"logstash/settings/port\" }}\nif [a] {\n  output { stdout { } }\n}\n{{ end }}\n"
        let result = try findings(["50-wrapped.tmpl": wrapped, "99-last.tmpl": wrapped, "aa-opener.tmpl": opener])
        #expect(summary(result) == ["logstash-syntax kv/ls/50-wrapped.tmpl:2:1", "logstash-syntax kv/ls/99-last.tmpl:2:1"])
        // Without a recognisable sibling, templates stay plain templates: an ini file is no pipeline.
        let plain = try findings(["app.ini.tmpl": "[server]\nif anything = goes\n", "other.ini.tmpl": "output = {{ key \"logstash/settings/port\" }}\n"])
        #expect(plain.isEmpty, "\(plain)")
    }

    // Since Logstash 7.6 each file is parsed on its own (elastic/logstash#11637, #12780): a section
    // opened in one file and closed in the next is rejected in both, and a file of comments only is
    // accepted (#11615). The files still form one pipeline for ids and for inputs and outputs.
    @Test func pipelineFilesAreValidAloneAndComposedIntoOne() throws {
        let settings = "logstash-pipelines:\n  - logstash/conf.d/\n"
        let tombstone = "# retired 2024-03: the geoip enrichment moved to the ingest pipeline\n#filter {\n#  geoip { source => \"ip\" }\n#}\n"
        let composed = try findings(["10-in.conf": input, "50-geoip.conf": tombstone, "60-empty.conf": "", "90-out.conf": output],
                                    settings: settings)
        #expect(composed.isEmpty, "\(composed)")
        let split = try findings(["10-in.conf": input, "20-open.conf": "filter {\n  mutate { add_tag => [\"a\"] }\n",
                                  "30-close.conf": "}\n", "90-out.conf": output], settings: settings)
        #expect(summary(split) == ["logstash-syntax kv/ls/20-open.conf:3:1", "logstash-syntax kv/ls/30-close.conf:1:1"])
        let sharedID = try findings(["10-in.conf": input, "50-geoip.conf": tombstone, "90-out.conf": "output { stdout { id => \"in\" } }\n"],
                                    settings: settings)
        #expect(summary(sharedID) == ["logstash-duplicate-id kv/ls/90-out.conf:1:25"])
    }

    @Test func aCommentRunningIntoTheEndOfTheFileIsAWarning() throws {
        let result = try findings(["10-in.conf": "input { stdin { } }\n# end of inputs", "90-out.conf": output])
        #expect(summary(result) == ["logstash-comment-at-end kv/ls/10-in.conf:2:1"])
        #expect(result.first?.severity == .warning)
        #expect(result.first?.message.contains("16058") == true)
    }
}
