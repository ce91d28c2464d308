import Foundation
@testable import KVCore
import Testing

/// Parses with both paths. The fast one may decline (nil), but when it answers, its manifest must be the
/// Yams path's: same entries, values, locations and diagnostics.
@discardableResult
private func bothPaths(_ bytes: [UInt8], path: String = "kv/a.yaml",
                       sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Manifest? {
    let slow = Manifest.parseWithYams(bytes, path: path)
    let fast = Manifest.parseFast(bytes, path: path)
    if let fast {
        #expect(fast == slow, "\(String(decoding: bytes, as: UTF8.self).debugDescription)", sourceLocation: sourceLocation)
    }
    return fast
}

@discardableResult
private func bothPaths(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Manifest? {
    bothPaths(Array(text.utf8), sourceLocation: sourceLocation)
}

private let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// What bench/bench.py's `service_manifests` writes.
private func benchManifest(_ m: Int) -> String {
    var lines = ["# settings of service \(m)", "config:"]
    for k in 0..<20 {
        let key = "config/service-\(String(format: "%03d", m))/setting-\(String(format: "%02d", k))"
        lines += k < 2 ? ["  - key: \(key)", "    file: files/blob-\(k).json"]
                       : ["  - key: \(key)   # tuned \(m)", "    value: \(m * 100 + k)"]
    }
    return lines.joined(separator: "\n") + "\n"
}

@Suite struct ManifestFastPath {
    @Test func sampleTreeManifests() throws {
        let root = repository.appendingPathComponent("kv")
        let files = try #require(FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil))
            .compactMap { $0 as? URL }.filter { Manifest.isCandidate($0.path) }
        #expect(files.count >= 10)
        var accepted: Set<String> = []
        for file in files {
            let relative = "kv/" + file.path.dropFirst(root.path.count + 1)
            if bothPaths(Array(try Data(contentsOf: file)), path: relative) != nil { accepted.insert(relative) }
        }
        // Of today's files, only the two service manifests with `value: |` blocks and the data files go to Yams.
        #expect(accepted.isSuperset(of: ["kv/meta.yaml", "kv/grafana/grafana.yaml", "kv/logstash/pipeline.yaml",
                             "kv/logstash/settings.yaml", "kv/services/catalog.yaml", "kv/services/gateway.yaml",
                             "kv/services/search-indexer.yaml"]))
    }

    @Test func benchManifestsTakeTheFastPath() throws {
        for m in [0, 7, 82, 499] {
            let manifest = try #require(bothPaths(benchManifest(m)))
            #expect(manifest.entries.count == 20 && manifest.diagnostics.isEmpty)
        }
        let manifest = try #require(bothPaths(benchManifest(82)))
        #expect(manifest.entries[2].key == "config/service-082/setting-02")
        #expect(manifest.entries[2].location == SourceLocation(file: "kv/a.yaml", line: 7, column: 10))
        #expect(manifest.entries[2].payload == .value(Array("8202".utf8), at: SourceLocation(file: "kv/a.yaml", line: 8, column: 12)))
        #expect(manifest.entries[0].payload == .file("files/blob-0.json", at: SourceLocation(file: "kv/a.yaml", line: 4, column: 11)))
    }

    /// `X` in the template is replaced by each value text.
    @Test("value forms the fast path reads", arguments: [
        "8080", "1.10", "0700", "yes", "a#b", "a # comment", "http://host:80/p?q=1", "-1", "~x", "a[1]{x}, y",
        "'it''s'", "''", "'x # y'", "'a: b'", "'back\\slash'", "\"\"", "\"a: b # c\"", "\"it's\"", "''   # c",
        "\"5s\"   # c", "null", "Null", "NULL", "~", "", "   ", "   # only a comment", "grüße 🎉", "'日本語'",
        "trailing   ", "0 3 * * *", "a'b\"c", "---x", "a - b", "a :b",
    ])
    func acceptedValue(value: String) throws {
        try #require(bothPaths("config:\n  - key: k\n    value: \(value)\n") != nil)
    }

    @Test("value forms left to Yams", arguments: [
        "[1, 2]", "{a: 1}", "&anchor x", "*alias", "!!str 5", "!tag x", "|\n      a", ">\n      a", "a\n      b",
        "'a\n      b'", "\"a\n      b\"", "\"tab\\there\"", "\"\\u00e9\"", "'a' b", "\"a\"#b", "'open", "a: b", "a:",
        "- a", "-", "? x", ":x", "@x", "`x`", "%x", ",x", "a\tb", "\u{85}x", "a\u{2028}b", "\u{FEFF}x", "\u{7}",
        "\n      - a", "\n    - a", "\n      x: 1", "'a''",
    ])
    func rejectedValue(value: String) throws {
        #expect(bothPaths("config:\n  - key: k\n    value: \(value)\n") == nil)
    }

    @Test("documents", arguments: [
        // (accepted by the fast path, document)
        (true, "# c\n\nconfig:   # the list\n  # lead\n  - key: a   # k\n    value: 1   # v\n\n  - key: b\n    file: f.json\n"),
        (true, "config:\n- key: a\n  value: 1\n- key: b\n  value: 2\n"),
        (true, "config:\n  -   key: a\n      value: 1\n  - key: b\n    value: 2\n"),
        (true, "config:\r\n  - key: a\r\n    value: 1\r\n  - key: b   \r\n    value: 'x'\r\n"),
        (true, "config:\n  - key: a\n    value: 1"),
        (true, "config:\n  - key: a   \n    value: b   \n   \n"),
        (true, "config:\n  - key: a\n# column one\n        # deep\n    value: 1\n"),
        (true, "config:\n  - value: 1\n    key: a\n"),
        (true, "config:\n  - key: a\n    value: 1\n    colour: red\n    null: x\n    Key: y\n"),
        (true, "config:\n  - value: 1\n"),
        (true, "config:\n  - type: json\n    value: 1\n"),
        (true, "config:\n  - key: a\n"),
        (true, "config:\n  - key: a\n    value: 1\n    file: f\n"),
        (true, "config:\n  - key: a\n    file:\n"),
        (true, "config:\n  - key:\n    value: 1\n"),
        (true, "config:\n  - key: ~\n    value: 1\n"),
        (true, "config:\n  - key: ''\n    value: 1\n"),
        (true, "config:\n  - key: \"\"\n    value: 1\n"),
        (true, "config:\n  - key: a/../b\n    value: 1\n"),
        (true, "config:\n  - key: /a\n    value: 1\n  - key: config/ü\n    value: 2\n"),
        (true, "config:\n  - key: a\n    value: 1\n    sentinel: true\n    schema: s.json\n    type: 'text'\n    allow-secret: \"ok\"\n"),
        (true, "config:\n  - key: a\n    value: 1\n    sentinel: yes\n    schema:\n    type: ''\n    allow-secret: ~\n"),
        (true, "config:\n  - key: a\n    value: 1\n    sentinel: \"true\"\n"),
        (true, "config:\n  - key: a\n    value: null\n  - key: b\n    value: ~\n  - key: c\n    value:\n  - key: d\n    value: \"\"\n"),
        (true, "config:\n  - key: a   # naïve comment ✓\n    value: 1\n"),
        (false, "config:\n  - key: a\n    value: 1\n    value: 2\n"),
        (false, "config:\n  - key: a\n    key: b\n    value: 1\n"),
        (false, "config:\n  - key: a\n    value: 1\n    value:\n"),
        (false, "config: []\n"),
        (false, "config:\n"),
        (false, "config:\n# nothing\n"),
        (false, "config:\n  - key: a\n    value: 1\nother: 1\n"),
        (false, "other: 1\nconfig:\n  - key: a\n    value: 1\n"),
        (false, "config:\n  - key: a\n    value: 1\nconfig:\n  - key: b\n    value: 1\n"),
        (false, "---\nconfig:\n  - key: a\n    value: 1\n"),
        (false, "config:\n  - key: a\n    value: 1\n...\n"),
        (false, "%YAML 1.1\n---\nconfig:\n  - key: a\n    value: 1\n"),
        (false, "\u{FEFF}config:\n  - key: a\n    value: 1\n"),
        (false, "config:\n\t- key: a\n    value: 1\n"),
        (false, "config:\r  - key: a\r    value: 1\r"),
        (false, "config:\n  - key: a\n   value: 1\n"),
        (false, "config:\n  - key: a\n     value: 1\n"),
        (false, "config:\n  - key: a\n    value: 1\n - key: b\n   value: 2\n"),
        (false, "config:\n  -\n    key: a\n    value: 1\n"),
        (false, "config:\n  - just text\n"),
        (false, "config:\n  - \"key\": a\n    value: 1\n"),
        (false, "config:\n  - key : a\n    value: 1\n"),
        (false, "config:\n  - ? key\n    : a\n"),
        (false, "config:\n  - key: a\n    value: 1\n  - - nested\n"),
        (false, "config:\n  - key: a\n    \(String(repeating: "x", count: 100)): 1\n"),
        (false, " config:\n  - key: a\n    value: 1\n"),
        (false, "config: # c\n  key: a\n"),
        (false, "config:#c\n  - key: a\n    value: 1\n"),
        (false, "config:\n  - key: a\n    value: 1\n  - key: b\n    value: 'x\n      y'\n"),
        (false, "config:\n  - key: a\n    value: \"x\\\"y\"\n"),
    ])
    func document(accepted: Bool, text: String) {
        #expect((bothPaths(text) != nil) == accepted)
    }

    /// Locations for errors on a whole entry, on field names and on empty values, checked by hand on top of
    /// the comparison with Yams.
    @Test func locations() throws {
        let manifest = try #require(bothPaths("config:\n  -   value: 1\n      colour: red\n  - key: a\n    value:\n"))
        #expect(manifest.diagnostics.map(\.location) == [
            SourceLocation(file: "kv/a.yaml", line: 3, column: 7),
            SourceLocation(file: "kv/a.yaml", line: 2, column: 7),
            SourceLocation(file: "kv/a.yaml", line: 5, column: 11),
        ])
    }

    /// Random edits to plain manifests with the characters YAML treats specially: wherever the fast path
    /// still answers, Yams must agree.
    @Test func randomEdits() {
        let bases = [
            benchManifest(3),
            "# c\nconfig:\n  - key: a/b   # k\n    value: 'it''s'\n  - key: c\n    value: \"x: y\"\n    type: text\n"
                + "\n  -   key: d\n      file: f.json   # f\n      sentinel: true\n  - key: e\n    value:\n",
            "config:\r\n- key: ü/a\r\n  value: grüße # ✓\r\n- key: b\r\n  value: ''\r\n  schema: s.json",
        ].map { Array($0.utf8) }
        let pieces = [" ", "'", "\"", "#", ":", "-", "[", "]", "{", "}", "&", "*", "!", "|", ">", "%", "@", "\t", "\r",
                      "\n", "~", "?", ",", "\\", "a", "1", "ü", "\u{85}", "\u{FEFF}", "\r\n", "''", ": ", " #", "- ",
                      "  ", "\n  ", "\n    ", "---", "null", "key: x"].map { Array($0.utf8) }
        var random = SplitMix64(seed: 42)
        var accepted = 0
        for round in 0..<4000 {
            var bytes = bases[round % bases.count]
            for _ in 0..<(1 + random.next(3)) {
                let at = random.next(bytes.count + 1)
                switch random.next(3) {
                case 0: bytes.insert(contentsOf: pieces[random.next(pieces.count)], at: at)
                case 1 where at < bytes.count: bytes.remove(at: at)
                default: if at < bytes.count { bytes.replaceSubrange(at...at, with: pieces[random.next(pieces.count)]) }
                }
            }
            if bothPaths(bytes) != nil { accepted += 1 }
        }
        // Most edits are rejected; enough are accepted for the comparison to mean something.
        #expect(accepted > 500)
    }
}

private struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }
}
