import KVCore
import Testing
import TestSupport

private func load(_ files: [String: String], symlinks: [String: String] = [:]) throws -> LoadedTree {
    try ManifestLoader(config: KVConfig()).load(from: MemoryTree(files, symlinks: symlinks))
}

private func findings(_ loaded: LoadedTree) -> [String] {
    loaded.diagnostics.map { "\($0.location.file):\($0.location.line):\($0.location.column) \($0.severity.rawValue) \($0.rule)" }
}

@Suite struct ClaimedManifests {
    /// The first top-level key is `config`, so the file is a manifest, and a broken one is an error.
    @Test("files that claim to be manifests", arguments: [
        ("\u{FEFF}config:\n  - key: a\n    value: [unclosed\n", "kv/a.yaml:4:1 error yaml-syntax"),
        ("config:\n  key: a\n  value: 1\n", "kv/a.yaml:2:3 error manifest-structure"),
        ("config:\n", "kv/a.yaml:1:1 error manifest-structure"),
        ("# settings\n\"config\":\n  - key: a\n    value: [unclosed\n", "kv/a.yaml:5:1 error yaml-syntax"),
        ("'config' :\n  - key: a\n    value: \"open\n", "kv/a.yaml:4:1 error yaml-syntax"),
        ("config: some text\n", "kv/a.yaml:1:9 error manifest-structure"),
    ])
    func brokenManifestIsAnError(text: String, expected: String) throws {
        let loaded = try load(["kv/a.yaml": text])
        #expect(findings(loaded) == [expected])
        #expect(loaded.orphans.isEmpty)
        #expect(loaded.manifests == ["kv/a.yaml"])
    }

    @Test func theMessageSaysWhy() throws {
        let mapping = try #require(try load(["kv/a.yaml": "config:\n  key: a\n"]).diagnostics.first)
        #expect(mapping.message.contains("'config' is a mapping"), "\(mapping.message)")
        let empty = try #require(try load(["kv/a.yaml": "config:\n"]).diagnostics.first)
        #expect(empty.message.contains("'config' is empty"), "\(empty.message)")
    }

    /// A file some `file:` reads is data, whatever its first key.
    @Test func aFileReadAsDataIsNotAManifest() throws {
        let loaded = try load([
            "kv/a.yaml": "config:\n  - key: raw\n    file: template.yaml\n",
            "kv/template.yaml": "config:\n  key: a\n",
        ])
        #expect(findings(loaded).isEmpty)
        #expect(loaded.tree["raw"] != nil)
    }

    @Test func otherYAMLStaysData() throws {
        let loaded = try load(["kv/data.yaml": "name: x\nconfig: [\n"])
        #expect(findings(loaded) == ["kv/data.yaml:1:1 warning orphan-file"])
    }
}

@Suite struct RepeatedFields {
    @Test func reportedAtTheRepeatAndTheRestIsStillChecked() throws {
        let loaded = try load(["kv/a.yaml": """
            config:
              - key: first
                value: 1
                value: 2
              - key: bad//key
                value: 3
              - key: fine
                value: 4
            """])
        #expect(findings(loaded) == ["kv/a.yaml:4:5 error yaml-syntax", "kv/a.yaml:5:10 error key-invalid"])
        let repeated = try #require(loaded.diagnostics.first)
        #expect(repeated.message.contains("'value' is repeated"), "\(repeated.message)")
        #expect(repeated.message.contains("first at line 3, column 5"), "\(repeated.message)")
        // The first occurrence is the one kept.
        #expect(loaded.tree["first"].map { String(decoding: $0.value, as: UTF8.self) } == "1")
        #expect(loaded.tree["fine"] != nil)
    }

    @Test func everyRepeatIsReported() throws {
        let loaded = try load(["kv/a.yaml": "config:\n  - key: a\n    key: b\n    value: 1\n    value: |\n      x\n  - {key: c, value: 1, value: 2}\n"])
        #expect(findings(loaded) == ["kv/a.yaml:3:5 error yaml-syntax", "kv/a.yaml:5:5 error yaml-syntax",
                                     "kv/a.yaml:7:24 error yaml-syntax"])
        #expect(loaded.tree.count == 2)
    }

    @Test func inSettingsToo() {
        let (config, diagnostics) = KVConfig.parse(Array("root: a\nroot: b\nschemas: s\n".utf8))
        #expect(diagnostics.map { "\($0.location.line):\($0.location.column) \($0.rule)" } == ["2:1 yaml-syntax"])
        #expect(config.root == "a")
        #expect(config.schemas == "s")
    }
}

@Suite struct Tabs {
    @Test("a tab in the indentation is named", arguments: [
        ("config:\n\t- key: a\n\t  value: 1\n", 2, 1),
        ("config:\n  - key: a\n  \tvalue: 1\n", 3, 3),
    ])
    func tabIndentation(text: String, line: Int, column: Int) throws {
        let found = try #require(try load(["kv/a.yaml": text]).diagnostics.first)
        #expect(found.rule == "yaml-syntax")
        #expect(found.location == SourceLocation(file: "kv/a.yaml", line: line, column: column))
        #expect(found.message.contains("YAML forbids tabs for indentation"), "\(found.message)")
    }
}

@Suite struct Limits {
    @Test("sizes that overflow are refused, not trapped on", arguments: [
        "max-value-size: 9223372036854775807KiB\n", "max-value-size: 9223372036854775807MiB\n",
        "max-value-size: 9223372036854775807\n", "transaction:\n  max-bytes: 9223372036854775807KiB\n",
    ])
    func hugeSize(text: String) {
        let (config, diagnostics) = KVConfig.parse(Array(text.utf8))
        #expect(config.maxValueSize == KVConfig().maxValueSize)
        #expect(config.transaction == TransactionLimits())
        let found = diagnostics.first
        #expect(diagnostics.count == 1)
        #expect(found?.rule == "config-invalid")
        #expect(found?.message.contains("expected at most 1024MiB") == true, "\(found?.message ?? "")")
    }

    @Test func largestSizeIsAccepted() {
        let (config, diagnostics) = KVConfig.parse(Array("max-value-size: 1024MiB\n".utf8))
        #expect(diagnostics.isEmpty)
        #expect(config.maxValueSize == KVConfig.largestSize)
    }

    @Test func aliasBombIsRefusedWhereItCrossesTheLimit() throws {
        switch YAMLDocument.compose(Array(aliasBomb().utf8), file: "kv/bomb.yaml") {
        case .success: Issue.record("a billion laughs composed")
        case .failure(let found):
            #expect(found.rule == "yaml-alias-limit")
            #expect(found.location.file == "kv/bomb.yaml")
            // Line 6's fifth alias takes the expansion past 400,000 nodes.
            #expect(found.location.line == 6)
            #expect(found.location.column == 30)
            #expect(found.message.contains("400000"), "\(found.message)")
        }
    }

    @Test func fewAliasesAreFine() throws {
        let text = "base: &base {a: 1, b: 2}\none: *base\ntwo: {<<: *base, c: 3}\n"
        guard case .success(let composed) = YAMLDocument.compose(Array(text.utf8), file: "x.yaml") else {
            Issue.record("ordinary aliases refused")
            return
        }
        #expect(composed.root?.mapping?.count == 3)
    }

    @Test func aliasBombInAManifestAndInSettings() throws {
        let loaded = try load(["kv/a.yaml": "config:\n  - key: a\n    value: 1\nx:\n" + aliasBomb(indent: "  ")])
        #expect(findings(loaded) == ["kv/a.yaml:10:32 error yaml-alias-limit"])
        let (_, diagnostics) = KVConfig.parse(Array(aliasBomb().utf8))
        #expect(diagnostics.map(\.rule) == ["yaml-alias-limit"])
    }
}

@Suite struct GitFolder {
    @Test("references into a git folder are refused", arguments: [
        "../.git/config", "../.GIT/config", "sub/.git/config", "into-git",
    ])
    func refused(reference: String) throws {
        let loaded = try load(["kv/a.yaml": "config:\n  - key: k\n    file: \(reference)\n", ".git/config": "[remote]\n",
                               "kv/sub/readme.txt": "x"],
                              symlinks: ["kv/into-git": "../.git/config"])
        let found = try #require(loaded.diagnostics.first { $0.rule == "file-reference" })
        #expect(found.message.contains("inside a git folder"), "\(found.message)")
        #expect(loaded.tree["k"] == nil)
    }
}

@Suite struct UnfollowedSymlinks {
    @Test func manifestAndFolderLinksAreReported() throws {
        let loaded = try load(["kv/a.yaml": "config:\n  - key: k\n    value: 1\n", "shared/m.yaml": "config:\n  - key: s\n    value: 1\n"],
                              symlinks: ["kv/out.yaml": "../../elsewhere/m.yaml", "kv/in.yaml": "../shared/m.yaml",
                                         "kv/dir": "../shared", "kv/note.txt": "../shared/m.yaml"])
        #expect(findings(loaded) == ["kv/dir:1:1 error symlink-unread", "kv/in.yaml:1:1 error symlink-unread",
                                     "kv/note.txt:1:1 warning orphan-file", "kv/out.yaml:1:1 error symlink-unread"])
        let out = try #require(loaded.diagnostics.last)
        #expect(out.message.contains("leads outside the repository"), "\(out.message)")
        let folder = try #require(loaded.diagnostics.first)
        #expect(folder.message.contains("leads to the folder 'shared'"), "\(folder.message)")
    }
}
