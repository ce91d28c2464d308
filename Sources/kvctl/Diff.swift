import ArgumentParser
import Foundation
import GitKit
import KVCore
import Snapshots
import Validation
import Workflows

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two revisions key by key.",
        discussion: """
            'kvctl diff A B' compares two revisions. With only A, kvctl compares A with the working tree, \
            or with the index (--staged) or another revision (--at REV); with neither, the latest release \
            with the working tree. A version as publish takes it (2.0.0) names its release tag (v2.0.0). \
            Text values are shown as unified diffs; values over 64 KiB or not UTF-8 text are summarised by size and SHA-256. \
            Exits 0 whether or not anything differs.
            """
    )

    @OptionGroup var revisions: RevisionPair

    @Option(help: "Output format: text or json.")
    var output: OutputFormat = .text

    @Flag(help: "Also diff the rendered output of every template whose output changes, with the keys that caused it.")
    var rendered = false

    struct Value: Encodable {
        let size: Int
        let sha256: String
        /// The value itself when it is short UTF-8 text.
        let text: String?

        init(_ bytes: [UInt8]) {
            size = bytes.count
            sha256 = SHA256.hex(bytes)
            text = ValueText.text(of: bytes)
        }
    }

    struct Entry: Encodable {
        let key: String
        let value: Value
    }

    struct Change: Encodable {
        let key: String
        let from: Value
        let to: Value
        /// The unified diff of the two values; nil when either is summarised.
        let diff: String?
    }

    struct Report: Encodable {
        let from: String
        let to: String
        let added: [Entry]
        let removed: [Entry]
        let changed: [Change]
        /// With --rendered.
        let rendered: [RenderedChange]?
    }

    func run() throws {
        let (old, new, from, toName) = try revisions.load()
        let diff = TreeDiff(from: old.loaded.tree, to: new.loaded.tree)
        let renderedChanges = rendered
            ? VersionComparison(old: (old.loaded.tree, old.config), new: (new.loaded.tree, new.config)).renderedChanges(oldLabel: from, newLabel: toName)
            : nil

        switch output {
        case .json:
            print(try jsonText(Report(
                from: from, to: toName,
                added: diff.added.map { Entry(key: $0.key, value: Value($0.value)) },
                removed: diff.removed.map { Entry(key: $0.key, value: Value($0.value)) },
                changed: diff.changed.map {
                    Change(key: $0.new.key, from: Value($0.old.value), to: Value($0.new.value),
                           diff: KeyDiffText.unified($0.old.value, $0.new.value, old: "\(from):\($0.new.key)", new: "\(toName):\($0.new.key)"))
                },
                rendered: renderedChanges)))
        case .text:
            FileHandle.standardOutput.write(Data(text(diff, from: from, to: toName).utf8))
            if let renderedChanges { FileHandle.standardOutput.write(Data(Self.text(renderedChanges).utf8)) }
        }
        writeError("\(diff.summary) from \(old.source.label) to \(new.source.label)")
        try report((old.diagnostics + new.diagnostics).filter { $0.severity == .error })
    }

    /// A list of keys (`+` added, `-` removed, `~` changed; summarised values inline), then the text values' diffs.
    private func text(_ diff: TreeDiff, from: String, to: String) -> String {
        var lines: [(key: String, text: String)] = [], bodies: [(key: String, text: String)] = []
        let missing = "/dev/null"
        for entry in diff.added {
            let body = KeyDiffText.unified([], entry.value, old: missing, new: "\(to):\(entry.key)")
            lines.append((entry.key, "+ \(entry.key)" + (body == nil ? " (\(ValueText.summary(of: entry.value)))" : "")))
            if let body { bodies.append((entry.key, body)) }
        }
        for entry in diff.removed {
            let body = KeyDiffText.unified(entry.value, [], old: "\(from):\(entry.key)", new: missing)
            lines.append((entry.key, "- \(entry.key)" + (body == nil ? " (\(ValueText.summary(of: entry.value)))" : "")))
            if let body { bodies.append((entry.key, body)) }
        }
        for change in diff.changed {
            let key = change.new.key
            let body = KeyDiffText.unified(change.old.value, change.new.value, old: "\(from):\(key)", new: "\(to):\(key)")
            let summary = " (\(ValueText.summary(of: change.old.value)) -> \(ValueText.summary(of: change.new.value)))"
            lines.append((key, "~ \(key)" + (body == nil ? summary : "")))
            if let body { bodies.append((key, body)) }
        }
        // Keys in byte order, as `ls` and Consul sort them.
        let byKey = { (a: (key: String, text: String), b: (key: String, text: String)) in a.key.precedesInByteOrder(b.key) }
        let list = lines.sorted(by: byKey).map { $0.text + "\n" }.joined()
        let diffs = bodies.sorted(by: byKey).map(\.text).joined()
        return diffs.isEmpty ? list : list + "\n" + diffs
    }

    /// Each changed rendering under a `rendered KEY (caused by …)` line.
    static func text(_ changes: [RenderedChange]) -> String {
        guard !changes.isEmpty else { return "\nno rendered output changes\n" }
        return changes.map { "\nrendered \($0.key) (caused by \($0.causes.joined(separator: ", ")))\n\($0.diff)" }.joined()
    }
}

/// Loads a revision; an unknown one is a usage error naming the tags closest to what was typed.
func loadRevision(_ revision: Revision, in repository: Repository, cached: Bool = false) throws -> LoadedRevision {
    do {
        return try LoadedRevision(revision, in: repository, cached: cached)
    } catch let error as GitError where error.isNotFound {
        guard case .commit(let spec) = revision else { throw error }
        if try repository.head() == .unborn { throw usageError(error.message) }
        let near = Suggestions.nearest(spec, among: try repository.tags().map(\.name))
        throw usageError("unknown revision '\(spec)'" + (near.isEmpty ? "" : "; did you mean \(near.joined(separator: ", "))?"))
    }
}

/// Two revisions to compare: A (default: the latest release), and B or the working tree (or --staged, --at).
struct RevisionPair: ParsableArguments {
    @Argument(help: ArgumentHelp("The older revision: a tag, a version like 2.0.0, a branch, commit or expression like HEAD~2 (default: the latest release).",
                                 valueName: "from"))
    var from: String?

    @Argument(help: ArgumentHelp("The newer revision; without it, the working tree (or --staged, --at).", valueName: "to"))
    var to: String?

    @OptionGroup var source: RevisionOptions

    func validate() throws {
        if to != nil, source.at != nil || source.staged || source.worktree {
            throw ValidationError("name the newer revision either as the second argument or with --at, --staged or --worktree, not both")
        }
    }

    /// Both revisions and their names as resolved (a version names its release tag). `cached` lets the
    /// newer revision's validation reuse earlier results, as `validate` does.
    func load(cached: Bool = false) throws -> (old: LoadedRevision, new: LoadedRevision, from: String, to: String) {
        let repository = try Repository(discovering: source.directory)
        let tags = try ReleaseTags(repository: repository, prefix: try tagPrefix(in: repository))
        guard let from = try from.map({ releaseTag($0, in: tags) }) ?? tags.latest?.tag.name else {
            throw usageError("there is no release to compare with yet; name a revision (kvctl diff REV) or create one with kvctl release")
        }
        let to = self.to.map { releaseTag($0, in: tags) }, at = source.at.map { releaseTag($0, in: tags) }
        let new = try loadRevision(to.map(Revision.commit) ?? at.map(Revision.commit) ?? source.revision, in: repository, cached: cached)
        return (try loadRevision(.commit(from), in: repository), new, from, to ?? at ?? (source.staged ? "staged" : "worktree"))
    }

    /// `2.0.0` names the release tag `v2.0.0`, as `publish 2.0.0` does, when there is one; anything else is a revision.
    private func releaseTag(_ spec: String, in tags: ReleaseTags) -> String {
        guard let version = SemanticVersion(spec), tags.names.contains(tags.prefix + version.description) else { return spec }
        return tags.prefix + version.description
    }
}
