import KVCore
import Testing
import TestSupport

/// `kvctl import` writes manifests that the loader reads back as exactly the bytes the store held.
@Suite struct ImportLayoutTests {
    /// Every value shape the issue names, and the ones YAML quoting gets wrong most often.
    static let shapes: [(String, [UInt8])] = [
        ("empty", []), ("trailing-newline", Array("text\n".utf8)), ("crlf", Array("one\r\ntwo\r\n".utf8)),
        ("decimal", Array("1.10".utf8)), ("octal", Array("0700".utf8)), ("boolean", Array("yes".utf8)),
        ("bom", [0xEF, 0xBB, 0xBF] + Array("text".utf8)), ("latin1", [0x63, 0x61, 0x66, 0xE9]),
        ("nul", [0x00, 0x01, 0x02]), ("null-word", Array("null".utf8)), ("tilde", Array("~".utf8)),
        ("quote", Array("it's \"quoted\"".utf8)), ("colon", Array("a: b # not a comment".utf8)),
        ("spaces", Array("  padded  ".utf8)), ("tab", Array("a\tb".utf8)), ("dash", Array("-".utf8)),
        ("json", Array(#"{"a": [1, 2]}"#.utf8)), ("yaml", Array("a: 1\nb:\n  - 2\n".utf8)),
        ("long", Array(String(repeating: "x", count: 500).utf8)), ("url", Array("http://a.example:80/x?y=1".utf8)),
        ("unicode", Array("café ☕".utf8)), ("line-separator", Array("a\u{2028}b".utf8)),
    ]

    private func roundTrip(_ entries: [(key: String, value: [UInt8])], depth: Int? = nil) throws -> (ImportLayout, LoadedTree) {
        let layout = ImportLayout(entries, root: "kv", depth: depth, header: "test")
        var files: [String: [UInt8]] = [:]
        for file in layout.manifests + layout.files { files[file.path] = file.bytes }
        return (layout, try ManifestLoader(config: KVConfig()).load(from: MemoryTree(bytes: files)))
    }

    @Test func everyShapeKeepsItsBytes() throws {
        let entries = Self.shapes.map { ("config/svc/\($0.0)", $0.1) }
        let (layout, loaded) = try roundTrip(entries)
        #expect(loaded.diagnostics.filter { $0.severity == .error }.isEmpty, "\(loaded.diagnostics)")
        #expect(layout.manifests.map(\.path) == ["kv/config/svc.yaml"])
        for (key, value) in entries {
            #expect(loaded.tree[key]?.value == value, "\(key)")
        }
        #expect(loaded.orphans.isEmpty)
    }

    @Test func shortTextIsInlineAndTheRestInFilesWithTheirExtension() throws {
        let (layout, _) = try roundTrip(Self.shapes.map { ("config/svc/\($0.0)", $0.1) })
        let manifest = String(decoding: layout.manifests[0].bytes, as: UTF8.self)
        #expect(manifest.contains("- key: config/svc/decimal\n    value: 1.10\n"))
        #expect(manifest.contains("- key: config/svc/octal\n    value: 0700\n"))
        #expect(manifest.contains("- key: config/svc/boolean\n    value: yes\n"))
        #expect(manifest.contains("- key: config/svc/empty\n    value: ''\n"))
        let files = Set(layout.files.map(\.path))
        for expected in ["kv/config/svc/json.json", "kv/config/svc/yaml.notkv.yaml", "kv/config/svc/latin1.bin",
                         "kv/config/svc/nul.bin", "kv/config/svc/trailing-newline.txt", "kv/config/svc/crlf.txt",
                         "kv/config/svc/bom.txt", "kv/config/svc/long.txt"] {
            #expect(files.contains(expected), "\(expected) in \(files)")
        }
    }

    @Test func depthGroupsFoldersIntoOneManifest() throws {
        let entries: [(key: String, value: [UInt8])] = [
            ("config/a/http/port", Array("80".utf8)), ("config/a/log/level", Array("info".utf8)),
            ("config/b/port", Array("81".utf8)), ("top", Array("1".utf8)), ("config/a/tls/ca.pem", Array("-----BEGIN CERTIFICATE-----\nx\n".utf8)),
        ]
        let (perFolder, _) = try roundTrip(entries)
        #expect(perFolder.manifests.map(\.path) == ["kv/top-level.yaml", "kv/config/a/http.yaml", "kv/config/a/log.yaml",
                                                   "kv/config/a/tls.yaml", "kv/config/b.yaml"])
        let (grouped, loaded) = try roundTrip(entries, depth: 2)
        #expect(grouped.manifests.map(\.path) == ["kv/top-level.yaml", "kv/config/a.yaml", "kv/config/b.yaml"])
        #expect(grouped.files.map(\.path) == ["kv/config/a/tls/ca.pem"])
        #expect(loaded.tree.count == entries.count)
        #expect(loaded.diagnostics.filter { $0.severity == .error }.isEmpty, "\(loaded.diagnostics)")
    }

    /// Names a file system or git minds, and two keys that would share a file, still load as their keys.
    @Test func awkwardKeysGetDistinctSafePaths() throws {
        let entries: [(key: String, value: [UInt8])] = [
            ("c/.git", Array("a\nb".utf8)), ("c/with space#x", Array("1\n".utf8)), ("c/With space#x", Array("2\n".utf8)),
            ("c/x.txt", Array("3\n".utf8)), ("c/x", Array("4\n".utf8)), ("c/ünï", Array("5\n".utf8)),
            ("c/'quoted key': x", Array("6".utf8)),
        ]
        let (layout, loaded) = try roundTrip(entries)
        #expect(loaded.diagnostics.filter { $0.severity == .error }.isEmpty, "\(loaded.diagnostics)")
        for (key, value) in entries { #expect(loaded.tree[key]?.value == value, "\(key)") }
        #expect(!layout.files.contains { $0.path.contains("/.git") })
        #expect(Set(layout.files.map { $0.path.lowercased() }).count == layout.files.count)
    }

    @Test func existingPathsAreNeverReused() throws {
        let layout = ImportLayout([("config/a/port", Array("80".utf8))], root: "kv", header: "test",
                                  taken: { $0 == "kv/config/a.yaml" })
        #expect(layout.manifests.map(\.path) == ["kv/config/a-2.yaml"])
    }
}
