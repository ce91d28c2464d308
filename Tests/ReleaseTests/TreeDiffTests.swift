import KVCore
import Testing

private func tree(_ pairs: [String: String]) -> KVTree {
    KVTree(pairs.map { KVEntry(key: $0.key, value: Array($0.value.utf8),
                               origin: KeyOrigin(location: SourceLocation(file: "kv/a.yaml", line: 1, column: 1), file: nil)) })
}

@Suite struct TreeDiffs {
    @Test func classifiesKeys() {
        let diff = TreeDiff(from: tree(["a": "1", "b": "2", "c": "3"]), to: tree(["a": "1", "b": "20", "d": "4"]))
        #expect(diff.added.map(\.key) == ["d"])
        #expect(diff.removed.map(\.key) == ["c"])
        #expect(diff.changed.map(\.new.key) == ["b"])
        #expect(diff.changed.first?.old.value == Array("2".utf8))
        #expect(diff.summary == "1 added, 1 changed, 1 removed")
    }

    @Test func proposesTheLevelTheChangeCallsFor() {
        let base = tree(["a": "1", "b": "2"])
        let removal = TreeDiff(from: base, to: tree(["a": "1", "c": "3"])).proposedLevel
        #expect(removal?.level == .major)
        #expect(removal?.reason == "1 key removed (b); readers of a removed key break")

        let addition = TreeDiff(from: base, to: tree(["a": "10", "b": "2", "c": "3", "d": "4", "e": "5", "f": "6"])).proposedLevel
        #expect(addition?.level == .minor)
        #expect(addition?.reason == "4 keys added (c, d, e, and 1 more) and none removed")

        let values = TreeDiff(from: base, to: tree(["a": "1", "b": "3"])).proposedLevel
        #expect(values?.level == .patch)
        #expect(values?.reason == "only values changed: 1 key (b)")

        #expect(TreeDiff(from: base, to: base).proposedLevel == nil)
        #expect(TreeDiff(from: base, to: base).isEmpty)
    }

    @Test func releaseNotesListKeysThenTheMessage() {
        let diff = TreeDiff(from: tree(["a": "1", "gone": "x"]), to: tree(["a": "2", "new/one": "y", "new/two": "z"]))
        #expect(ReleaseNotes.message(tag: "v2.0.0", previousTag: "v1.0.0", diff: diff, note: "Ship it.\n") == """
            Release v2.0.0: 2 added, 1 changed, 1 removed since v1.0.0

            Added:
              new/one
              new/two

            Changed:
              a

            Removed:
              gone

            Ship it.

            """)
        let first = TreeDiff(from: tree([:]), to: tree(["a": "1"]))
        #expect(ReleaseNotes.message(tag: "v1.0.0", previousTag: nil, diff: first, note: nil) == "Release v1.0.0: 1 key (first release)\n\nAdded:\n  a\n")
        let none = TreeDiff(from: tree(["a": "1"]), to: tree(["a": "1"]))
        #expect(ReleaseNotes.message(tag: "v1.0.1", previousTag: "v1.0.0", diff: none, note: "")
            == "Release v1.0.1: 0 added, 0 changed, 0 removed since v1.0.0\n\nNo key changed since v1.0.0.\n")
    }
}

/// Expected hunks are what GNU diffutils prints for the same inputs (`diff -u --label a --label b`, a
/// real run), so `patch` and every reader of unified diffs take them. One deliberate difference: when
/// neither side ends in a newline (most Consul values), GNU marks both; kvctl marks only a difference.
@Suite struct UnifiedDiffs {
    @Test func oneLineValues() {
        #expect(UnifiedDiff.render(old: "8080", new: "8081", oldLabel: "a", newLabel: "b") == """
            --- a
            +++ b
            @@ -1 +1 @@
            -8080
            +8081

            """)
        #expect(UnifiedDiff.render(old: "same\n", new: "same\n", oldLabel: "a", newLabel: "b") == "")
    }

    @Test func addedAndRemovedValues() {
        #expect(UnifiedDiff.render(old: "", new: "x\ny\n", oldLabel: "/dev/null", newLabel: "b") == "--- /dev/null\n+++ b\n@@ -0,0 +1,2 @@\n+x\n+y\n")
        #expect(UnifiedDiff.render(old: "x\n", new: "", oldLabel: "a", newLabel: "/dev/null") == "--- a\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n")
    }

    @Test func contextAndSeparateHunks() {
        let old = (1...20).map { "line \($0)\n" }.joined()
        var lines = (1...20).map { "line \($0)" }
        lines[1] = "line two"
        lines.insert("inserted", at: 15)
        let new = lines.map { $0 + "\n" }.joined()
        #expect(UnifiedDiff.render(old: old, new: new, oldLabel: "a", newLabel: "b") == """
            --- a
            +++ b
            @@ -1,5 +1,5 @@
             line 1
            -line 2
            +line two
             line 3
             line 4
             line 5
            @@ -13,6 +13,7 @@
             line 13
             line 14
             line 15
            +inserted
             line 16
             line 17
             line 18

            """)
    }

    @Test func nearbyChangesShareAHunk() {
        let diff = UnifiedDiff.render(old: "a\nb\nc\nd\ne\nf\ng\nh\n", new: "A\nb\nc\nd\ne\nf\ng\nH\n", oldLabel: "a", newLabel: "b")
        #expect(diff.components(separatedBy: "@@ ").count == 2)
        #expect(diff.contains("@@ -1,8 +1,8 @@"))
    }

    @Test func finalNewlineIsMarkedOnlyWhenItDiffers() {
        #expect(UnifiedDiff.render(old: "a\nb", new: "a\nb\n", oldLabel: "a", newLabel: "b") == """
            --- a
            +++ b
            @@ -1,2 +1,2 @@
             a
            -b
            \\ No newline at end of file
            +b

            """)
    }

    @Test func hugeRewritesStillDiffCorrectly() {
        let old = (0..<2500).map { "old \($0)\n" }.joined(), new = (0..<2500).map { "new \($0)\n" }.joined()
        let diff = UnifiedDiff.render(old: old, new: new, oldLabel: "a", newLabel: "b")
        #expect(diff.hasPrefix("--- a\n+++ b\n@@ -1,2500 +1,2500 @@\n-old 0\n"))
        #expect(diff.split(separator: "\n").filter { $0.hasPrefix("+new") }.count == 2500)
    }

    @Test func valuesAreTextOrSummaries() {
        #expect(ValueText.text(of: Array("héllo\n".utf8)) == "héllo\n")
        #expect(ValueText.text(of: [0x66, 0x00, 0x67]) == nil)
        #expect(ValueText.text(of: [0xff, 0xfe]) == nil)
        #expect(ValueText.text(of: Array(repeating: 0x61, count: ValueText.maximumSize + 1)) == nil)
        #expect(ValueText.summary(of: Array("abc".utf8)) == "3 bytes, sha256 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}

/// "abc", the 448-bit message and a million "a"s are FIPS 180-2's examples (Appendix B); the 55, 56
/// and 64 byte inputs straddle the padding block boundary, with digests from coreutils `sha256sum`.
@Suite struct Hashing {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        (String(repeating: "a", count: 55), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
        (String(repeating: "a", count: 56), "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"),
        (String(repeating: "a", count: 64), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
    ])
    func knownVectors(_ input: String, _ digest: String) {
        #expect(SHA256.hex(Array(input.utf8)) == digest)
    }

    @Test func oneMillionAs() {
        #expect(SHA256.hex(Array(repeating: 0x61, count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}

@Suite struct Suggesting {
    @Test func nearestTagsFirst() {
        let tags = ["v1.0.0", "v1.1.0", "v2.0.0", "v10.4.2", "deploy"]
        #expect(Suggestions.nearest("v1.0.1", among: tags) == ["v1.0.0", "v1.1.0", "v2.0.0"])
        #expect(Suggestions.nearest("v1.1", among: tags) == ["v1.1.0"])
        #expect(Suggestions.nearest("main", among: tags).isEmpty)
        #expect(Suggestions.distance("kitten", "sitting") == 3)
        #expect(Suggestions.distance("", "abc") == 3)
    }
}

@Suite struct TagPrefixSetting {
    @Test func defaultsToV() {
        #expect(KVConfig().tagPrefix == "v")
        #expect(KVConfig.parse(Array("root: kv\n".utf8)).0.tagPrefix == "v")
    }

    @Test func readsAPrefix() {
        let (config, diagnostics) = KVConfig.parse(Array("tag-prefix: release/\n".utf8))
        #expect(diagnostics.isEmpty)
        #expect(config.tagPrefix == "release/")
        #expect(KVConfig.parse(Array("tag-prefix: ''\n".utf8)).0.tagPrefix == "")
    }

    @Test(arguments: ["tag-prefix: 'a b'", "tag-prefix: '../x'", "tag-prefix: '-v'", "tag-prefix: [v]", "tag-prefix: 'v~'"])
    func rejectsPrefixesThatMakeBadTagNames(_ yaml: String) {
        let diagnostics = KVConfig.parse(Array((yaml + "\n").utf8)).1
        #expect(diagnostics.map(\.rule) == ["config-invalid"])
        #expect(diagnostics.first?.message.hasPrefix("'tag-prefix': expected") == true)
    }
}
