import Foundation
import KVCore
import Testing

/// The backtracking matcher KeyGlob used before it ran as an automaton: the semantics to keep.
/// Exponential on hostile patterns, so it only sees the short ones below.
private func reference(_ pattern: ArraySlice<UInt8>, _ text: ArraySlice<UInt8>) -> Bool {
    let slash = UInt8(ascii: "/"), star = UInt8(ascii: "*"), question = UInt8(ascii: "?")
    guard let first = pattern.first else { return text.isEmpty }
    if first == star {
        let crossesSegments = pattern.dropFirst().first == star
        let rest = pattern.dropFirst(crossesSegments ? 2 : 1)
        if crossesSegments && rest.first == slash && reference(rest.dropFirst(), text) { return true }
        var candidate = text
        while true {
            if reference(rest, candidate) { return true }
            guard let next = candidate.first, crossesSegments || next != slash else { return false }
            candidate = candidate.dropFirst()
        }
    }
    guard let next = text.first else { return false }
    if first == question ? next == slash : first != next { return false }
    return reference(pattern.dropFirst(), text.dropFirst())
}

private func all(_ alphabet: [Character], upTo length: Int) -> [String] {
    var result = [""], layer = [""]
    for _ in 0..<length {
        layer = layer.flatMap { prefix in alphabet.map { prefix + String($0) } }
        result += layer
    }
    return result
}

@Suite struct KeyGlobMatching {
    @Test("documented forms", arguments: [
        ("config/*/port", "config/app/port", true), ("config/*/port", "config/a/b/port", false),
        ("config/**/port", "config/a/b/port", true), ("config/**/port", "config/port", true),
        ("config/**", "config/a/b", true), ("a?c", "abc", true), ("a?c", "a/c", false),
        ("*.json", "dir/x.json", false), ("**.json", "dir/x.json", true), ("", "", true), ("x", "", false),
    ])
    func documented(pattern: String, text: String, expected: Bool) {
        #expect(KeyGlob(pattern).matches(text) == expected)
    }

    /// Every pattern of up to 5 characters over `a / * ?` against every text of up to 5 over `a b /`.
    @Test func agreesWithTheBacktrackingMatcher() {
        let patterns = all(["a", "/", "*", "?"], upTo: 5), texts = all(["a", "b", "/"], upTo: 5)
        var disagreements: [String] = []
        for pattern in patterns {
            let glob = KeyGlob(pattern)
            for text in texts where glob.matches(text) != reference(Array(pattern.utf8)[...], Array(text.utf8)[...]) {
                disagreements.append("\(pattern) ~ \(text)")
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(20))")
    }

    /// Patterns that made the backtracking matcher run for ever; the ceiling only catches a hang.
    @Test func hostilePatternsFinishQuickly() {
        let key = String(repeating: "a/", count: 2_000) + "c"
        let segments = KeyGlob(String(repeating: "**/", count: 30) + "b")
        let stars = KeyGlob(String(repeating: "*a", count: 30) + "*b")
        let started = Date()
        #expect(!segments.matches(key))
        #expect(!stars.matches(String(repeating: "a", count: 5_000)))
        #expect(KeyGlob(String(repeating: "**/", count: 30) + "c").matches(key))
        #expect(Date().timeIntervalSince(started) < 10)
    }
}
