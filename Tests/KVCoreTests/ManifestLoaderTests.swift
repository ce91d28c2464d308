import KVCore
import Testing
import TestSupport

private func load(_ files: [String: String], symlinks: [String: String] = [:]) throws -> LoadedTree {
    try ManifestLoader(config: KVConfig()).load(from: MemoryTree(files, symlinks: symlinks))
}

private func value(_ loaded: LoadedTree, _ key: String) -> String? {
    loaded.tree[key].map { String(decoding: $0.value, as: UTF8.self) }
}

private func errors(_ loaded: LoadedTree) -> [Diagnostic] {
    loaded.diagnostics.filter { $0.severity == .error }
}

/// Quoting, escapes, block scalars and what is null follow YAML 1.2.2 (https://yaml.org/spec/1.2.2/:
/// §7.3 flow scalars, §8.1 block scalars, §10.3.2 the core schema's null `~`/`null`/empty). Keeping the
/// plain scalar's text (`1.10`, `0700`) rather than a parsed number is kvctl's documented rule: Consul
/// stores bytes, and consumers such as consul-template read them as text.
@Suite struct ScalarValues {
    @Test("a scalar keeps its source text", arguments: [
        ("1.10", "1.10"), ("0700", "0700"), ("yes", "yes"), ("'quoted: text'", "quoted: text"),
        ("\"tab\\there\"", "tab\there"), ("8080", "8080"), ("true", "true"), ("1e3", "1e3"), ("''", ""),
        ("2024-01-02", "2024-01-02"), ("~x", "~x"),
    ])
    func sourceText(written: String, stored: String) throws {
        let loaded = try load(["kv/a.yaml": "config:\n  - key: k\n    value: \(written)\n"])
        #expect(errors(loaded).isEmpty)
        #expect(value(loaded, "k") == stored)
    }

    /// YAML's !!binary (https://yaml.org/type/binary.html) means decoded bytes; kvctl keeps text, so it says to use `file:`.
    @Test func binaryTagIsAnErrorPointingToFile() throws {
        let loaded = try load(["kv/a.yaml": "config:\n  - key: k\n    value: !!binary aGVsbG8=\n  - key: ok\n    value: '!!binary'\n"])
        let found = try #require(errors(loaded).first)
        #expect(errors(loaded).count == 1)
        #expect(found.rule == "value-binary")
        #expect(found.location == SourceLocation(file: "kv/a.yaml", line: 3, column: 12))
        #expect(found.message.contains("reference it with 'file:'"))
        #expect(loaded.tree["k"] == nil)
        #expect(value(loaded, "ok") == "!!binary")
    }

    /// hashicorp/consul#22835: 1.21.5 refuses keys outside `^[a-zA-Z0-9,_./\-?&=]+$`; #22850's releases
    /// refuse leading or trailing spaces. Other versions take both, so these are warnings.
    @Test("keys some Consul versions refuse are warnings naming them", arguments: [
        ("acme - host", "1.21.5", true), ("café", "1.21.5", true), ("a:b", "1.21.5", true), ("a%2Fb", "1.21.5", true),
        (" padded", "22850", true), ("config/app/port", "", false), ("a,b_c.d/e-f?g&h=i", "", false),
    ])
    func consulVersionWarnings(key: String, version: String, warned: Bool) throws {
        let loaded = try load(["kv/a.yaml": "config:\n  - key: '\(key)'\n    value: 1\n"])
        #expect(errors(loaded).isEmpty)
        #expect(loaded.tree[key] != nil)
        let warnings = loaded.diagnostics.filter { $0.rule == "key-consul-versions" }
        #expect(warnings.count == (warned ? 1 : 0))
        if warned {
            #expect(warnings[0].severity == .warning)
            #expect(warnings[0].location == SourceLocation(file: "kv/a.yaml", line: 2, column: 10))
            #expect(warnings[0].message.contains(version))
        }
    }

    @Test func blockScalarKeepsNewlines() throws {
        let loaded = try load(["kv/a.yaml": "config:\n  - key: k\n    value: |\n      one\n      two\n"])
        #expect(value(loaded, "k") == "one\ntwo\n")
    }

    @Test("null, sequences and mappings are not values", arguments: [
        ("value:", "null", 11), ("value: ~", "null", 12), ("value: null", "null", 12),
        ("value: [1, 2]", "sequence", 12), ("value: {a: 1}", "mapping", 12),
    ])
    func nonScalarValue(line: String, word: String, column: Int) throws {
        let loaded = try load(["kv/a.yaml": "config:\n  - key: k\n    \(line)\n"])
        let found = try #require(errors(loaded).first)
        #expect(found.rule == "value-not-scalar")
        #expect(found.location == SourceLocation(file: "kv/a.yaml", line: 3, column: column))
        #expect(found.message.contains(word))
        #expect(loaded.tree["k"] == nil)
    }
}

@Suite struct Keys {
    @Test("invalid keys are rejected with the reason", arguments: [
        ("/lead", "starts with '/'"), ("trail/", "ends with '/'"), ("a//b", "empty segment"),
        ("a/./b", "'.' segment"), ("a/../b", "'..' segment"), ("\"a\\u0007b\"", "control character U+0007"),
        ("\"\"", "the key is empty"),
    ])
    func invalid(key: String, reason: String) throws {
        let loaded = try load(["kv/a.yaml": "config:\n  - key: \(key)\n    value: 1\n"])
        let found = try #require(errors(loaded).first)
        #expect(found.message.contains(reason), "\(found.message)")
        #expect(found.location.line == 2)
    }

    @Test func duplicateInOneManifestNamesBothPlaces() throws {
        let loaded = try load(["kv/a.yaml": "config:\n  - key: k\n    value: 1\n  - key: k\n    value: 2\n"])
        let found = try #require(errors(loaded).first)
        #expect(found.rule == "key-duplicate")
        #expect(found.location == SourceLocation(file: "kv/a.yaml", line: 4, column: 10))
        #expect(found.message.contains("kv/a.yaml:2:10"))
        #expect(value(loaded, "k") == "1")
    }

    @Test func duplicateAcrossManifests() throws {
        let loaded = try load([
            "kv/a.yaml": "config:\n  - key: shared\n    value: 1\n",
            "kv/b/c.yaml": "# comment\nconfig:\n  - key: shared\n    value: 2\n",
        ])
        let found = try #require(errors(loaded).first)
        #expect(found.location.file == "kv/b/c.yaml")
        #expect(found.message.contains("kv/a.yaml:2:10"))
    }
}

@Suite struct Structure {
    @Test func everyProblemIsReportedInOneRun() throws {
        let loaded = try load([
            "kv/a.yaml": """
                config:
                  - key: ok
                    value: 1
                  - key: both
                    value: 1
                    file: x.txt
                  - key: neither
                  - value: 3
                  - key: typo
                    valeu: 4
                  - just a string
                """,
            "kv/b.yaml": "config:\n  - key: missing\n    file: nowhere.txt\n",
        ])
        let found = errors(loaded).map { "\($0.location.file):\($0.location.line):\($0.location.column) \($0.rule)" }
        #expect(found == [
            "kv/a.yaml:6:11 manifest-structure", // both value and file: at the file
            "kv/a.yaml:7:5 manifest-structure", // neither
            "kv/a.yaml:8:5 manifest-structure", // no key
            "kv/a.yaml:9:5 manifest-structure", // typo leaves no value
            "kv/a.yaml:10:5 manifest-structure", // the typo itself
            "kv/a.yaml:11:5 manifest-structure", // not a mapping
            "kv/b.yaml:3:11 file-reference",
        ])
        #expect(value(loaded, "ok") == "1")
    }

    @Test func yamlSyntaxErrorHasLineAndColumn() throws {
        let loaded = try load(["kv/a.yaml": "config:\n  - key: a\n    value: [unclosed\n"])
        let found = try #require(errors(loaded).first)
        #expect(found.rule == "yaml-syntax")
        #expect(found.location.file == "kv/a.yaml")
        #expect(found.location.line == 4)
    }

    @Test func invalidUTF8IsLocated() throws {
        var bytes = Array("config:\n  - key: a\n    value: caf".utf8)
        bytes += [0xE9, 0x0A]
        let raw = RawTree(path: "kv/a.yaml", bytes: bytes)
        let loaded = try ManifestLoader(config: KVConfig()).load(from: raw)
        let found = try #require(errors(loaded).first)
        #expect(found.location == SourceLocation(file: "kv/a.yaml", line: 3, column: 15))
        #expect(found.message.contains("UTF-8"))
    }

    @Test func dataFilesAreNotManifests() throws {
        let loaded = try load([
            "kv/a.yaml": "config:\n  - key: owners\n    file: owners.notkv.yaml\n  - key: ds\n    file: ds.yaml\n",
            "kv/owners.notkv.yaml": "config:\n  - key: would-be\n    value: 1\n",
            "kv/ds.yaml": "apiVersion: 1\ndatasources: []\n",
            "kv/broken-data.yaml": "a: [\n",
        ])
        #expect(loaded.manifests == ["kv/a.yaml"])
        #expect(loaded.tree["would-be"] == nil)
        #expect(value(loaded, "ds") == "apiVersion: 1\ndatasources: []\n")
        #expect(errors(loaded).isEmpty)
        #expect(loaded.orphans == ["kv/broken-data.yaml"])
    }

    @Test func orphansAreWarnings() throws {
        let loaded = try load([
            "kv/a.yaml": "config:\n  - key: k\n    file: used.txt\n",
            "kv/used.txt": "x",
            "kv/stray.json": "{}",
        ])
        #expect(loaded.orphans == ["kv/stray.json"])
        #expect(loaded.diagnostics.map(\.severity) == [.warning])
        #expect(loaded.diagnostics.first?.rule == "orphan-file")
    }
}

@Suite struct FileReferences {
    @Test func relativeToTheManifestFolderAndOutsideTheRoot() throws {
        let loaded = try load([
            "kv/svc/a.yaml": "config:\n  - key: one\n    file: files/one.txt\n  - key: two\n    file: ../../shared/two.txt\n",
            "kv/svc/files/one.txt": "1\n",
            "shared/two.txt": "2\n",
        ])
        #expect(errors(loaded).isEmpty)
        #expect(value(loaded, "one") == "1\n")
        #expect(value(loaded, "two") == "2\n")
        #expect(loaded.tree["two"]?.origin.file == "shared/two.txt")
    }

    @Test("references that must fail", arguments: [
        ("/etc/passwd", "absolute path"),
        ("../../../etc/passwd", "leads outside the repository"),
        ("missing.txt", "no file at 'kv/missing.txt'"),
        ("sub", "is a folder"),
        ("sub/f.txt/x", "is a file"),
        ("out-abs", "absolute path '/etc/passwd'"),
        ("out-rel", "symlink 'kv/out-rel' leads outside"),
        ("loop", "too many levels of symlinks"),
    ])
    func failing(reference: String, reason: String) throws {
        let loaded = try load(
            ["kv/a.yaml": "config:\n  - key: k\n    file: \(reference)\n", "kv/sub/f.txt": "x"],
            symlinks: ["kv/out-abs": "/etc/passwd", "kv/out-rel": "../../x", "kv/loop": "loop"]
        )
        let found = try #require(errors(loaded).first { $0.rule == "file-reference" })
        #expect(found.message.contains(reason), "\(found.message)")
        #expect(found.location == SourceLocation(file: "kv/a.yaml", line: 3, column: 11))
    }

    @Test func symlinksInsideTheRepositoryAreFollowed() throws {
        let loaded = try load(
            ["kv/a.yaml": "config:\n  - key: k\n    file: link/data.txt\n", "shared/data.txt": "d"],
            symlinks: ["kv/link": "../shared"]
        )
        #expect(errors(loaded).isEmpty)
        #expect(value(loaded, "k") == "d")
        #expect(loaded.orphans.isEmpty)
    }
}

@Suite struct Settings {
    @Test func defaultsWithoutAFile() throws {
        let (config, diagnostics) = try KVConfig.load(from: MemoryTree([:]))
        #expect(config == KVConfig())
        #expect(diagnostics.isEmpty)
    }

    @Test func unknownSettingIsAnError() {
        let (config, diagnostics) = KVConfig.parse(Array("root: config\nschemsa: s\n".utf8))
        #expect(config.root == "config")
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.location == SourceLocation(file: "kvctl.yaml", line: 2, column: 1))
        #expect(diagnostics.first?.message.contains("unknown setting 'schemsa'") == true)
    }

    @Test func rootMustStayInside() {
        let (_, diagnostics) = KVConfig.parse(Array("root: ../elsewhere\n".utf8))
        #expect(diagnostics.first?.rule == "config-invalid")
    }

    @Test func missingRootIsAnError() {
        #expect(throws: LoadError.self) { try load(["other/a.yaml": "config: []\n"]) }
    }
}

/// `consul kv import` reads `[{"key", "flags", "value": base64}]` (hashicorp/consul
/// command/kv/impexp/kvimpexp.go, Entry), and `consul kv export` writes it tab-indented, keys sorted.
@Suite struct Export {
    @Test func consulImportFormat() throws {
        let loaded = try load(["kv/a.yaml": "config:\n  - key: b\n    value: \"x\\\"y\"\n  - key: a\n    value: hi\n"])
        #expect(ConsulExport.json(loaded.tree) == """
            [
            \t{
            \t\t"key": "a",
            \t\t"flags": 0,
            \t\t"value": "aGk="
            \t},
            \t{
            \t\t"key": "b",
            \t\t"flags": 0,
            \t\t"value": "eCJ5"
            \t}
            ]
            """)
    }
}

/// A revision holding one file of arbitrary bytes (MemoryTree stores text).
private struct RawTree: SourceTree {
    let label = "raw"
    let path: String
    let bytes: [UInt8]
    func files(under folder: String) throws -> [SourceFile] { [SourceFile(path: path, kind: .file)] }
    func kind(of path: String) throws -> SourceKind? { path == self.path ? .file : path == "kv" ? .directory : nil }
    func contents(of path: String) throws -> [UInt8] { bytes }
}
