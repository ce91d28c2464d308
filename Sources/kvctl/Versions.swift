import ArgumentParser
import Foundation
import GitKit
import KVCore
import Snapshots

struct Versions: ParsableCommand {
    static let configuration = CommandConfiguration(
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
        releases.printWarnings()
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

/// The release tags: annotated tags named prefix + semantic version, oldest version first.
struct ReleaseTags {
    struct Release {
        let version: SemanticVersion
        let tag: TagReference
        let commit: ObjectID
    }

    let prefix: String
    let releases: [Release]
    /// Every tag name, releases or not: a new release must not reuse any.
    let names: Set<String>
    private let notVersions: [String]
    private let lightweight: [String]

    init(repository: Repository, prefix: String) throws {
        let tags = try repository.tags()
        var releases: [Release] = [], notVersions: [String] = [], lightweight: [String] = []
        for tag in tags {
            guard let version = SemanticVersion(tag.name, prefix: prefix), let commit = tag.commit else {
                notVersions.append(tag.name)
                continue
            }
            guard tag.isAnnotated else {
                lightweight.append(tag.name)
                continue
            }
            releases.append(Release(version: version, tag: tag, commit: commit))
        }
        // Equal precedence (build metadata differs): order by name so output is stable.
        self.releases = releases.sorted { ($0.version, $0.tag.name) < ($1.version, $1.tag.name) }
        names = Set(tags.map(\.name))
        self.notVersions = notVersions
        self.lightweight = lightweight
        self.prefix = prefix
    }

    var latest: Release? { releases.last }

    func printWarnings() {
        if !notVersions.isEmpty {
            writeError("kvctl: warning: ignoring tags that are not releases (named '\(prefix)' + a semantic version, like \(prefix)1.2.0, on a commit): "
                + notVersions.joined(separator: ", "))
        }
        if !lightweight.isEmpty {
            writeError("kvctl: warning: ignoring lightweight tags (releases are annotated tags): \(lightweight.joined(separator: ", "))")
        }
    }
}

/// The tag prefix from `kvctl.yaml` at HEAD; the default in a repository without commits.
func tagPrefix(in repository: Repository) throws -> String {
    guard try repository.head() != .unborn else { return KVConfig().tagPrefix }
    let (config, diagnostics) = try KVConfig.load(from: RevisionSnapshot(repository: repository, revision: "HEAD"))
    try report(diagnostics.filter { $0.severity == .error })
    return config.tagPrefix
}
