/// The annotated tag's message: a one-line subject (what `git tag -n` shows), the keys added,
/// changed and removed since the previous release, then the user's own text.
public enum ReleaseNotes {
    public static func message(tag: String, previousTag: String?, diff: TreeDiff, note: String?) -> String {
        var text = "Release \(tag): " + (previousTag.map { "\(diff.summary) since \($0)" } ?? "\(TreeDiff.count(diff.added.count, "key")) (first release)")
        text += "\n"
        let sections = [("Added", diff.added.map(\.key)), ("Changed", diff.changed.map(\.new.key)), ("Removed", diff.removed.map(\.key))]
        for (title, keys) in sections where !keys.isEmpty {
            text += "\n\(title):\n" + keys.map { "  \($0)\n" }.joined()
        }
        if diff.isEmpty, let previousTag { text += "\nNo key changed since \(previousTag).\n" }
        if let note = note?.trimmingTrailingNewlines, !note.isEmpty { text += "\n\(note)\n" }
        return text
    }
}

private extension String {
    var trimmingTrailingNewlines: String {
        var text = self
        while text.hasSuffix("\n") { text.removeLast() }
        return text
    }
}
