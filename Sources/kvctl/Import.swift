import ArgumentParser
import Foundation
import GitKit
import KVCore
import Publishing
import Snapshots
import Validation

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Write manifests for keys already in a store.",
        discussion: """
            Keys keep their exact bytes: short single-line text is written inline (value:), anything else to a \
            file named after the key (file:). Keys under the meta prefix, keys the working tree already defines \
            and values the secret guard flags are left out and listed (secret values are never printed). \
            Existing files are never overwritten. Then commit, 'kvctl release' and 'kvctl publish': the keys \
            are adopted without being rewritten.
            """
    )

    @Option(name: .customShort("C"), help: ArgumentHelp("Run as if kvctl was started in <path>.", valueName: "path"))
    var directory = "."

    @Option(help: ArgumentHelp("Import only the keys under this prefix (all keys without it).", valueName: "prefix"))
    var prefix = ""

    @Option(help: ArgumentHelp("Read a 'consul kv export' JSON file instead of a store.", valueName: "file"))
    var from: String?

    @Option(help: ArgumentHelp("One manifest per group of keys sharing their first <n> segments (default: one per key folder).",
                               valueName: "n"))
    var depth: Int?

    @Flag(help: "Print the files that would be written; write nothing.")
    var dryRun = false

    @OptionGroup var store: StoreOptions

    func validate() throws {
        if let depth, depth < 1 { throw ValidationError("--depth must be at least 1") }
        if from != nil && (store.consul != nil || store.env != nil) {
            throw ValidationError("--from reads a file; drop --consul and --env")
        }
    }

    func run() async throws {
        let repository = try Repository(discovering: directory)
        guard let workdir = repository.workdir else { throw usageError("a bare repository has no working tree to import into") }
        let root = URL(fileURLWithPath: workdir)
        let worktree = try Revision.worktree.open(in: repository)
        let (config, configDiagnostics) = try KVConfig.load(from: worktree)
        try report(configDiagnostics.filter { $0.severity == .error })
        if let from {
            let entries = try Self.readExport(URL(fileURLWithPath: from, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)))
            try write(entries.filter { $0.key.hasPrefix(prefix) }, from: "'\(from)'", config: config, worktree: worktree, root: root)
        } else {
            try await store.withStore(config: config, repositoryRoot: root) { target, targetName in
                writeError("kvctl: reading \(prefix.isEmpty ? "every key" : "the keys under '\(prefix)'") from \(targetName)")
                let entries: [StoredEntry]
                do { entries = try await target.entries(under: prefix) } catch { throw refuse("\(error)") }
                try write(entries, from: target.description, config: config, worktree: worktree, root: root)
            }
        }
    }

    /// The `consul kv export` format: `[{"key", "flags", "value": base64}]`.
    static func readExport(_ url: URL) throws -> [StoredEntry] {
        struct Exported: Decodable {
            let key: String
            let flags: UInt64?
            let value: String?
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw usageError("cannot read \(url.path): \(error.localizedDescription)") }
        let items: [Exported]
        do { items = try JSONDecoder().decode([Exported].self, from: data) } catch {
            throw usageError("\(url.path) is not a 'consul kv export' file (a JSON array of key, flags and base64 value): \(error)")
        }
        return try items.map { item in
            guard let bytes = Data(base64Encoded: item.value ?? "") else { throw usageError("\(url.path): the value of '\(item.key)' is not base64") }
            return StoredEntry(key: item.key, value: Array(bytes), flags: item.flags ?? 0, modifyIndex: 0)
        }
    }

    private func write(_ found: [StoredEntry], from source: String, config: KVConfig, worktree: SourceTree, root: URL) throws {
        let defined = try existingKeys(config: config, worktree: worktree)
        var meta: [String] = [], refused: [String] = [], present: [String] = [], candidates: [StoredEntry] = []
        for entry in found {
            if entry.key.hasPrefix(config.metaPrefix) {
                meta.append(entry.key)
            } else if let problem = KeyRules.problem(with: entry.key) {
                refused.append("\(entry.key) (\(problem))")
            } else if defined.contains(entry.key) {
                present.append(entry.key)
            } else {
                candidates.append(entry)
            }
        }
        let probe = KVTree(candidates.map {
            KVEntry(key: $0.key, value: $0.value, origin: KeyOrigin(location: SourceLocation(file: source, line: 1, column: 1), file: nil))
        })
        let secrets = Validation.secretKeys(in: probe, config: config)
        let imported = candidates.filter { !secrets.contains($0.key) }
        let layout = ImportLayout(imported.map { ($0.key, $0.value) }, root: config.root, depth: depth,
                                  header: "Imported by kvctl import from \(source).",
                                  taken: { FileManager.default.fileExists(atPath: root.appendingPathComponent($0).path) })
        let written = layout.manifests + layout.files
        if !dryRun {
            for file in written {
                let url = root.appendingPathComponent(file.path)
                do {
                    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try Data(file.bytes).write(to: url, options: .withoutOverwriting)
                } catch { throw refuse("cannot write \(file.path): \(error.localizedDescription)") }
            }
        }
        if !written.isEmpty { print(written.map(\.path).joined(separator: "\n")) }
        let verb = dryRun ? "would import" : "imported"
        writeError("kvctl: \(verb) \(TreeDiff.count(imported.count, "key")) from \(source): "
            + "\(TreeDiff.count(layout.manifests.count, "manifest")), \(TreeDiff.count(layout.files.count, "value file"))")
        func list(_ keys: [String], _ why: String) {
            guard !keys.isEmpty else { return }
            writeError("kvctl: \(why):\n" + keys.map { "  \($0)" }.joined(separator: "\n"))
        }
        if !meta.isEmpty {
            writeError("kvctl: skipped \(TreeDiff.count(meta.count, "key")) under the meta prefix '\(config.metaPrefix)' (kvctl's own records)")
        }
        list(present, "skipped \(TreeDiff.count(present.count, "key")) the working tree already defines")
        list(refused, "skipped \(TreeDiff.count(refused.count, "key")) no manifest can define")
        list(secrets.sorted { $0.precedesInByteOrder($1) },
             "left out \(TreeDiff.count(secrets.count, "key")) whose value the secret guard flags (keep them in Vault; values not shown)")
        let foreign = imported.filter { $0.flags != 0 && VersionFlags(rawValue: $0.flags) == nil }
        list(foreign.map { "\($0.key) (flags \($0.flags))" },
             "\(TreeDiff.count(foreign.count, "key")) carry Flags another tool set: a publish keeps them while the value is unchanged, "
                + "and kvctl's version stamp replaces them when the key next changes")
    }

    /// Keys the working tree defines already: importing them again would define them twice.
    private func existingKeys(config: KVConfig, worktree: SourceTree) throws -> Set<String> {
        guard try worktree.kind(of: config.root) == .directory else { return [] }
        return Set(try ManifestLoader(config: config).load(from: worktree).tree.entries.map(\.key))
    }
}
