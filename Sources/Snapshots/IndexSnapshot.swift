import GitKit
import KVCore

/// The files as staged in the index: what the next commit will contain.
public final class IndexSnapshot: SourceTree {
    public let label = "the index (staged changes)"
    private let repository: Repository
    private let entries: [String: GitEntry]
    private let sortedPaths: [String]
    private let folders: Set<String>
    private let reader: BlobReader

    public init(repository: Repository) throws {
        self.repository = repository
        reader = try BlobReader(repository)
        let index = try repository.index()
        let conflicted = index.conflictedPaths
        guard conflicted.isEmpty else { throw SnapshotError.conflicts(conflicted) }
        let all = index.entries()
        entries = Dictionary(all.map { ($0.path, $0) }, uniquingKeysWith: { _, last in last })
        sortedPaths = all.map(\.path)
        var folders: Set<String> = []
        for path in sortedPaths {
            var parts = path.split(separator: "/").dropLast()
            while !parts.isEmpty {
                guard folders.insert(parts.joined(separator: "/")).inserted else { break }
                parts = parts.dropLast()
            }
        }
        self.folders = folders
    }

    public func files(under folder: String) throws -> [SourceFile] {
        let prefix = folder + "/"
        return sortedPaths.filter { $0.hasPrefix(prefix) }.map { SourceFile(path: $0, kind: entries[$0]!.mode.sourceKind) }
    }

    public func kind(of path: String) throws -> SourceKind? {
        if let entry = entries[path] { return entry.mode.sourceKind }
        return folders.contains(path) ? .directory : nil
    }

    public func contents(of path: String) throws -> [UInt8] {
        guard let entry = entries[path] else { throw SnapshotError.missing(path, in: label) }
        return try repository.blob(entry.id)
    }

    public func lazyContents(of path: String) throws -> FileContent {
        guard let entry = entries[path] else { throw SnapshotError.missing(path, in: label) }
        return FileContent(blob: entry.id, reader: reader)
    }
}
