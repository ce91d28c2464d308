import Foundation
import Testing
import TestSupport

/// Issue 12: untrusted input never crashes, hangs, exhausts memory or leaks the repository's own
/// secrets. One small hostile input per class, run through the real `kvctl validate`, with the
/// child's wall time and peak memory measured around it (ceilings that catch a hang or a blow-up,
/// not performance targets: those live in bench/).
///
/// The expectations are one table (`RobustnessCase.all`) so they can be adjusted in one place: the
/// exit status, the file the output must name (and the line where there is one), words the output
/// must contain (rule id or "limit") and words it must never contain (a secret of the repository).
struct RobustnessCase: Sendable, CustomTestStringConvertible {
    let name: String
    /// 1 where a limit is exceeded or the input is refused; the consumer's normal result otherwise.
    let status: Int32
    /// The file the findings name, and the line of the finding where it has one.
    var file: String?
    var line: Int?
    /// Case-insensitive words the output must contain (robust parts: rule id, "limit", a setting's name).
    var mentions: [String] = []
    /// What must never appear in the output, nor in that of `probe`.
    var absent: [String] = []
    /// A second command that would print what leaked (`get` prints a value's bytes).
    var probe: [String]?
    let write: @Sendable (FixtureRepository) throws -> Void

    var testDescription: String { name }

    /// The issue's 5 s, as CPU time of the child (a loaded runner stretches wall time, not work).
    static let cpuCeiling = 5.0
    static let memoryCeiling = 512 * 1024 * 1024
    /// Kills a hang, busy or not, so it fails its row instead of stalling the suite.
    static let processTimeout = 60.0
}

extension RobustnessCase {
    static let all: [RobustnessCase] = settings + templates + logstash + grafana + schemas + globs + yaml + paths

    // MARK: kvctl.yaml

    static let settings: [RobustnessCase] = [
        // Int64.max KiB overflows a byte count: refused, not wrapped to a small or negative limit.
        RobustnessCase(name: "max-value-size of Int64.max KiB", status: 1, file: "kvctl.yaml", line: 1,
                       mentions: ["max-value-size"]) { fixture in
            try fixture.write("kvctl.yaml", "max-value-size: 9223372036854775807KiB\n")
            try fixture.write("kv/app.yaml", plainManifest)
        },
        RobustnessCase(name: "transaction.max-bytes of Int64.max KiB", status: 1, file: "kvctl.yaml", line: 2,
                       mentions: ["max-bytes"]) { fixture in
            try fixture.write("kvctl.yaml", "transaction:\n  max-bytes: 9223372036854775807KiB\n")
            try fixture.write("kv/app.yaml", plainManifest)
        },
    ]

    // MARK: consul-template

    /// Go's text/template, which consul-template runs: parenthesized pipelines nest at most 10,000 deep
    /// ("max expression depth exceeded", maxStackDepth in golang/go src/text/template/parse/parse.go);
    /// control nesting and the number of variables or pipeline stages have no limit there. fmt ignores a
    /// width or precision over 1e6 (tooLarge in golang/go src/fmt/print.go) and prints
    /// `%!(NOVERB)%!(EXTRA ...)`, so the template renders. An exponential render (nested ranges,
    /// templates calling each other twice) never finishes in consul-template: kvctl's render budget
    /// reports it.
    static let templates: [RobustnessCase] = [
        template("printf width and precision of 20 digits", status: 0,
                 #"{{ printf "%12345678901234567890.12345678901234567890f" 1.0 }}"#),
        template("printf %.999999999f", status: 0, #"{{ printf "%.999999999f" 1.0 }}"#),
        template("printf %999999999d", status: 0, #"{{ printf "%999999999d" 1 }}"#),
        // kvctl's own nesting limit (200: README "Limits") is far below Go's, so deeper templates are
        // refused naming the limit: a gate that cannot check them safely must not pass them.
        template("10,000 nested {{if}}", status: 1, line: 1, mentions: ["limit"],
                 String(repeating: "{{if true}}", count: 10_000) + "x" + String(repeating: "{{end}}", count: 10_000)),
        template("10,000 nested parentheses", status: 1, line: 1, mentions: ["limit"],
                 "{{ " + String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000) + " }}"),
        template("10,001 nested parentheses", status: 1, line: 1, mentions: ["template-syntax", "limit"],
                 "{{ " + String(repeating: "(", count: 10_001) + "1" + String(repeating: ")", count: 10_001) + " }}"),
        template("20 nested {{range ls}}", status: 1, line: 1, mentions: ["limit"],
                 String(repeating: #"{{range ls "logstash/items"}}"#, count: 20) + "x" + String(repeating: "{{end}}", count: 20)),
        template("40 defines each calling the next twice", status: 1, mentions: ["limit"],
                 (0..<40).map { #"{{define "t\#($0)"}}{{template "t\#($0 + 1)"}}{{template "t\#($0 + 1)"}}{{end}}"# }.joined()
                     + #"{{define "t40"}}x{{end}}{{template "t0"}}"#),
        template("100,000 variable declarations", status: 0, String(repeating: "{{$v := 1}}", count: 100_000) + "{{$v}}"),
        template("100,000 pipeline stages", status: 1, line: 1, mentions: ["template-syntax"], #"{{ "x""# + String(repeating: " | print", count: 100_000) + " }}"),
    ]

    /// A Logstash template (its name ends in `.conf.ctmpl`, so its output is parsed as Logstash) whose
    /// one-line `body` renders inside a quoted plugin id; ten keys for `ls` to list.
    static func template(_ name: String, status: Int32, line: Int? = nil, mentions: [String] = [],
                         _ body: String) -> RobustnessCase {
        RobustnessCase(name: name, status: status, file: "kv/logstash/10-main.conf.ctmpl", line: line, mentions: mentions) { fixture in
            try fixture.write("kvctl.yaml", largeValues)
            try fixture.write("kv/logstash/pipeline.yaml", "config:\n  - key: logstash/main/10-main.conf\n    file: 10-main.conf.ctmpl\n"
                + (0..<10).map { "  - key: logstash/items/k\($0)\n    value: v\($0)\n" }.joined())
            try fixture.write("kv/logstash/10-main.conf.ctmpl",
                              "input { stdin { id => \"" + body + "\" } }\noutput { stdout { id => \"out\" } }\n")
        }
    }

    // MARK: Logstash

    /// Logstash's grammar (elastic/logstash logstash-core/lib/logstash/compiler/lscl/lscl_grammar.treetop)
    /// is a recursive-descent Treetop parser run on the JVM: tens of thousands of nesting levels
    /// overflow its stack and the pipeline does not start. An `else if` chain is a repetition in that
    /// grammar, not nesting, so a long chain is just a long pipeline.
    static let logstash: [RobustnessCase] = [
        pipeline("50,000 nested if blocks", status: 1, mentions: ["limit"],
                 "filter {\n" + String(repeating: "if [a] {", count: 50_000) + String(repeating: "}", count: 50_000) + "\n}\n"),
        pipeline("100,000 nested parentheses in a condition", status: 1, mentions: ["limit"],
                 "filter {\nif " + String(repeating: "(", count: 100_000) + "[a]" + String(repeating: ")", count: 100_000) + " { }\n}\n"),
        pipeline("100,000 nested arrays", status: 1, mentions: ["limit"],
                 "filter {\nmutate { id => \"m\" add_tag => " + String(repeating: "[", count: 100_000) + "\"a\""
                     + String(repeating: "]", count: 100_000) + " }\n}\n"),
        pipeline("else if chain of 100,000 branches", status: 0,
                 "filter {\nif [a] == 0 { }" + (1...100_000).map { " else if [a] == \($0) { }" }.joined() + "\n}\n"),
    ]

    static func pipeline(_ name: String, status: Int32, mentions: [String] = [], _ filter: String) -> RobustnessCase {
        RobustnessCase(name: name, status: status, file: "kv/logstash/20-filter.conf", mentions: mentions) { fixture in
            try fixture.write("kvctl.yaml", largeValues)
            try fixture.write("kv/logstash/pipeline.yaml", "config:\n  - key: logstash/main/20-filter.conf\n    file: 20-filter.conf\n")
            try fixture.write("kv/logstash/20-filter.conf", filter)
        }
    }

    // MARK: Grafana

    static let grafana: [RobustnessCase] = [
        RobustnessCase(name: "gridPos.x of Int64.max", status: 1, file: "kv/grafana/dashboard.json", line: 3,
                       mentions: ["grafana-gridpos-limit"]) { fixture in
            try dashboard(fixture, """
                {"title": "Grid", "uid": "robust-grid", "panels": [
                  {"id": 1, "type": "stat", "title": "p",
                   "gridPos": {"x": 9223372036854775807, "y": 0, "w": 12, "h": 8}}
                ]}
                """)
        },
        // Each panel overlaps the next one only: about 6,000 warnings, no error.
        RobustnessCase(name: "6,000 overlapping panels", status: 0, file: "kv/grafana/dashboard.json",
                       mentions: ["grafana-panel-overlap"]) { fixture in
            let panels = (0..<6_000).map {
                #"{"id": \#($0 + 1), "type": "stat", "title": "p", "gridPos": {"x": \#($0 % 2 * 6), "y": \#($0), "w": 12, "h": 2}}"#
            }
            try dashboard(fixture, #"{"title": "Overlaps", "uid": "robust-overlap", "panels": [\#n"#
                + panels.joined(separator: ",\n") + "\n]}\n")
        },
        // The version provisions a datasource, so every other name is checked (and missing).
        RobustnessCase(name: "legacy dashboard with 8,000 rows naming unknown datasources", status: 1,
                       file: "kv/grafana/dashboard.json", mentions: ["grafana-datasource-exists"]) { fixture in
            let rows = (0..<8_000).map {
                #"{"title": "r", "panels": [{"id": \#($0 + 1), "type": "graph", "title": "p", "datasource": "missing-\#($0)"}]}"#
            }
            try dashboard(fixture, #"{"title": "Legacy", "uid": "robust-rows", "rows": [\#n"# + rows.joined(separator: ",\n") + "\n]}\n",
                          datasources: "apiVersion: 1\ndatasources:\n  - name: Prometheus\n    type: prometheus\n    url: http://prometheus:9090\n")
        },
    ]

    static func dashboard(_ fixture: FixtureRepository, _ json: String, datasources: String? = nil) throws {
        try fixture.write("kvctl.yaml", largeValues)
        var manifest = "config:\n  - key: grafana/dashboards/dashboard.json\n    file: dashboard.json\n"
        if let datasources {
            manifest += "  - key: grafana/datasources/main.yaml\n    file: main.notkv.yaml\n"
            try fixture.write("kv/grafana/main.notkv.yaml", datasources)
        }
        try fixture.write("kv/grafana/manifest.yaml", manifest)
        try fixture.write("kv/grafana/dashboard.json", json)
    }

    // MARK: JSON Schema

    /// The value (8080, an integer) fails both schemas, so the exit status is 1 whether the engine
    /// finishes the evaluation or stops at its budget; what matters is that it stops in time.
    static let schemas: [RobustnessCase] = [
        // A setting's schema finding points at its entry (the `key:` line, line 2).
        RobustnessCase(name: "40 $defs each an allOf of two $refs to the next", status: 1, file: "kv/app.yaml", line: 3,
                       mentions: ["schema"]) { fixture in
            let defs = (0..<40).map { ##""d\##($0)": {"allOf": [{"$ref": "#/$defs/d\##($0 + 1)"}, {"$ref": "#/$defs/d\##($0 + 1)"}]}"## }
            try fixture.write("schemas/chain.schema.json", ##"{"$ref": "#/$defs/d0", "$defs": {"##
                + defs.joined(separator: ", ") + #", "d40": {"type": "string"}}}"#)
            try fixture.write("kv/app.yaml", "config:\n  - key: app/port\n    value: 8080\n    schema: chain.schema.json\n")
        },
        // Catastrophic backtracking in a backtracking engine; the string does not match.
        RobustnessCase(name: "pattern (a+)+$ against 5,000 a's and a !", status: 1, file: "kv/app.yaml", line: 3,
                       mentions: ["schema"]) { fixture in
            try fixture.write("schemas/redos.schema.json", #"{"type": "string", "pattern": "(a+)+$"}"#)
            try fixture.write("kv/app.yaml", "config:\n  - key: app/name\n    value: \(String(repeating: "a", count: 5_000))!\n"
                + "    schema: redos.schema.json\n")
        },
    ]

    // MARK: Key globs

    /// Neither glob matches its key, after (without linear-time matching) exponentially many tries.
    static let globs: [RobustnessCase] = [
        glob("rules: glob of 30 **/ segments against a long key", String(repeating: "**/", count: 30) + "x",
             key: Array(repeating: "a", count: 200).joined(separator: "/")),
        glob("*a*a...*b with 30 stars", String(repeating: "*a", count: 29) + "*b", key: String(repeating: "a", count: 200)),
    ]

    static func glob(_ name: String, _ pattern: String, key: String) -> RobustnessCase {
        RobustnessCase(name: name, status: 0) { fixture in
            try fixture.write("kvctl.yaml", "rules:\n  - keys: \"\(pattern)\"\n    type: text\n")
            try fixture.write("kv/app.yaml", "config:\n  - key: \(key)\n    value: \"1\"\n")
        }
    }

    // MARK: YAML

    /// go-yaml, which Grafana's provisioning and most Go consumers read YAML with, refuses a document
    /// whose aliases expand to far more nodes than it holds ("document contains excessive aliasing",
    /// allowedAliasRatio in go-yaml/yaml v3 decode.go).
    static let billionLaughs: String = {
        let names = "abcdefghi".map(String.init)
        return "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + (1..<names.count).map { level in
            "\(names[level]): &\(names[level]) [" + Array(repeating: "*\(names[level - 1])", count: 9).joined(separator: ", ") + "]\n"
        }.joined()
    }()

    static let yaml: [RobustnessCase] = [
        RobustnessCase(name: "YAML alias bomb in a data file", status: 1, file: "kv/data/lol.yaml",
                       mentions: ["alias"]) { fixture in
            try fixture.write("kv/app.yaml", "config:\n  - key: app/lol.yaml\n    file: data/lol.yaml\n")
            try fixture.write("kv/data/lol.yaml", billionLaughs)
        },
        RobustnessCase(name: "YAML alias bomb in a type: yaml value", status: 1, file: "kv/app.yaml",
                       mentions: ["alias"]) { fixture in
            let indented = billionLaughs.split(separator: "\n").map { "      \($0)\n" }.joined()
            try fixture.write("kv/app.yaml", "config:\n  - key: app/lol\n    type: yaml\n    value: |\n" + indented)
        },
        RobustnessCase(name: "YAML alias bomb in a datasource file", status: 1, file: "kv/grafana/main.notkv.yaml",
                       mentions: ["alias"]) { fixture in
            try fixture.write("kv/grafana/manifest.yaml", "config:\n  - key: grafana/datasources/main.yaml\n    file: main.notkv.yaml\n")
            try fixture.write("kv/grafana/main.notkv.yaml", "apiVersion: 1\n" + billionLaughs
                + "datasources:\n  - name: Prometheus\n    type: prometheus\n    jsonData: {lol: *i}\n")
        },
    ]

    // MARK: Paths: the repository's own secrets and the world outside it

    /// Written into .git/config and a file outside the repository; must never be printed.
    static let marker = "kvctl-robustness-secret-5f0e"

    static let paths: [RobustnessCase] = [
        RobustnessCase(name: "file: ../.git/config", status: 1, file: "kv/app.yaml", line: 3, mentions: [".git"],
                       absent: [marker], probe: ["get", "app/leak"]) { fixture in
            _ = try fixture.git("config", "robustness.token", marker)
            try fixture.write("kv/app.yaml", "config:\n  - key: app/leak\n    file: ../.git/config\n")
        },
        RobustnessCase(name: "a symlink into .git/", status: 1, file: "kv/app.yaml", line: 3, mentions: [".git"],
                       absent: [marker], probe: ["get", "app/leak"]) { fixture in
            _ = try fixture.git("config", "robustness.token", marker)
            try fixture.symlink("kv/git-config", to: "../.git/config")
            try fixture.write("kv/app.yaml", "config:\n  - key: app/leak\n    file: git-config\n")
        },
        RobustnessCase(name: "a manifest that is a symlink leading out of the repository", status: 1, file: "kv/outside.yaml",
                       absent: [marker], probe: ["ls"]) { fixture in
            try "config:\n  - key: outside/\(marker)\n    value: \(marker)\n".write(toFile: outside(fixture), atomically: true, encoding: .utf8)
            try fixture.symlink("kv/outside.yaml", to: outside(fixture))
            try fixture.write("kv/app.yaml", plainManifest)
        },
        // A cycle: a walker that follows directory symlinks never ends. kvctl does not follow it, and
        // says so (`symlink-unread`): what it did not read it cannot vouch for.
        RobustnessCase(name: "a directory symlink under the root", status: 1, file: "kv/loop", mentions: ["symlink-unread"]) { fixture in
            try fixture.symlink("kv/loop", to: ".")
            try fixture.write("kv/app.yaml", plainManifest)
        },
    ]

    /// A file beside the fixture, outside its repository; removed with the row.
    static func outside(_ fixture: FixtureRepository) -> String { fixture.path + "-outside.yaml" }

    static let plainManifest = "config:\n  - key: app/port\n    value: 8080\n"
    /// Lets the large inputs reach their parser instead of stopping at the default 512 KiB value limit.
    static let largeValues = "max-value-size: 16MiB\n"
}

@Suite struct Robustness {
    @Test(arguments: RobustnessCase.all)
    func hostileInput(_ row: RobustnessCase) throws {
        let fixture = try FixtureRepository()
        defer { try? FileManager.default.removeItem(atPath: RobustnessCase.outside(fixture)) }
        try row.write(fixture)
        let result = try run(kvctlBinary(), ["validate"], in: fixture.url, timeout: RobustnessCase.processTimeout)
        let output = result.standardOutput + result.standardError
        let excerpt = String(output.prefix(600))
        #expect(result.status == row.status, "exit \(result.status): \(excerpt)")
        // The ceiling is on the child's own CPU time: a busy loop spends it, while time spent waiting
        // for a core the parallel suite holds does not count. A hang that spends none (a deadlock)
        // meets the process timeout instead.
        #expect(result.cpuSeconds < RobustnessCase.cpuCeiling, "\(result.cpuSeconds) s of CPU (\(result.seconds) s wall)")
        #expect(result.peakMemoryBytes < RobustnessCase.memoryCeiling, "\(result.peakMemoryBytes / 1_048_576) MB")
        // A clean run names no file; only findings do.
        if let file = row.file, row.status != 0 || !row.mentions.isEmpty {
            let named = output.range(of: file)
            #expect(named != nil, "\(file) not named: \(excerpt)")
            // Text output: the file's line, then its findings as `  LINE:COLUMN  severity ...`.
            if let line = row.line, let named {
                let findings = output[named.upperBound...]
                #expect(findings.contains("\n  \(line):") || findings.hasPrefix(":\(line):"), "line \(line) not named: \(excerpt)")
            }
        }
        // Booleans first: #expect would print the whole output (a crash's backtrace) on failure.
        for word in row.mentions {
            let mentioned = output.localizedCaseInsensitiveContains(word)
            #expect(mentioned, "'\(word)' not in: \(excerpt)")
        }
        let probed = try row.probe.map { try run(kvctlBinary(), $0, in: fixture.url, timeout: RobustnessCase.processTimeout) }
        for secret in row.absent {
            let leaked = output.contains(secret) || probed.map { ($0.standardOutput + $0.standardError).contains(secret) } == true
            #expect(!leaked, "leaked '\(secret)'")
        }
    }
}
