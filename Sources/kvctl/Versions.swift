import ArgumentParser
import Foundation
import GitKit
import KVCore
import Snapshots
import Workflows

struct Versions: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "versions",
        abstract: "List releases in semver order with date and key count."
    )

    @OptionGroup var location: RepositoryOptions

    @Option(help: "Output format: text or json.")
    var output: OutputFormat = .text

    struct Row: Encodable {
        let tag: String
        let version: String
        /// The tagger's date, ISO 8601 in the tagger's time zone.
        let date: String?
        let commit: String
        let tagger: String?
        let email: String?
        /// Nil when the tree at the tag does not load (a tag kvctl did not make).
        let keys: Int?
    }

    func run() throws {
        let repository = try Repository(discovering: location.directory)
        let releases = try ReleaseTags(repository: repository, prefix: try tagPrefix(in: repository))
        releases.warnings.forEach(writeError)
        let rows = releases.releases.map { release in
            let tagger = release.tag.annotation?.tagger
            return Row(tag: release.tag.name, version: release.version.description, date: tagger.map(Self.date),
                       commit: release.commit.description, tagger: tagger?.name, email: tagger?.email,
                       keys: keyCount(at: release, in: repository))
        }
        switch output {
        case .json: print(try jsonText(rows))
        case .text:
            let width = rows.map(\.tag.count).max() ?? 0
            for row in rows {
                let who = row.tagger.map { "\($0) <\(row.email ?? "")>" } ?? "unknown tagger"
                let keys = row.keys.map { TreeDiff.count($0, "key") } ?? "? keys"
                print([row.tag.padding(toLength: width, withPad: " ", startingAt: 0), row.date ?? "-",
                       String(row.commit.prefix(7)), keys, who].joined(separator: "  "))
            }
        }
        writeError(TreeDiff.count(rows.count, "release") + (try repository.head() == .unborn ? " (the repository has no commits yet)" : ""))
    }

    private func keyCount(at release: ReleaseTags.Release, in repository: Repository) -> Int? {
        do {
            return try LoadedRevision(.commit(release.commit.description), in: repository).loaded.tree.count
        } catch {
            writeError("kvctl: warning: cannot read the tree of \(release.tag.name): \(error)")
            return nil
        }
    }

    static func date(_ signature: Signature) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(secondsFromGMT: signature.offsetMinutes * 60)
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(signature.time)))
    }
}

/// `-C PATH` alone, for commands that read the repository's tags rather than one revision's tree.
struct RepositoryOptions: ParsableArguments {
    @Option(name: .customShort("C"), help: ArgumentHelp("Run as if kvctl was started in <path>.", valueName: "path"))
    var directory = "."
}
