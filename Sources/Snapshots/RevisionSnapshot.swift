import GitKit
import KVCore

/// The files of one commit, read from git's object database.
public final class RevisionSnapshot: SourceTree {
    public let label: String
    public let commit: Commit
    private let root: Tree
    /// Blob ids seen while listing, so reading a listed file needs no second path lookup.
    private var listed: [String: GitEntry] = [:]
    private var listedRoot: String?
    private let reader: BlobReader

    public init(repository: Repository, revision: String) throws(GitError) {
        commit = try repository.resolveCommit(revision)
        root = try commit.tree()
        reader = try BlobReader(repository)
        label = revision == commit.id.description ? commit.id.short : "\(revision) (\(commit.id.short))"
    }

    public func files(under folder: String) throws -> [SourceFile] {
        guard let subtree = try root.subtree(at: folder) else { return [] }
        let entries = try subtree.walk()
        for entry in entries { listed[entry.path] = entry }
        listedRoot = folder
        return entries.filter { $0.mode != .tree }.map { SourceFile(path: $0.path, kind: $0.mode.sourceKind) }
    }

    public func kind(of path: String) throws -> SourceKind? {
        if let entry = listed[path] { return entry.mode.sourceKind }
        if path == listedRoot { return .directory }
        return try root.entry(at: path)?.mode.sourceKind
    }

    public func contents(of path: String) throws -> [UInt8] {
        try root.repository.blob(try entry(at: path).id)
    }

    public func lazyContents(of path: String) throws -> FileContent {
        FileContent(blob: try entry(at: path).id, reader: reader)
    }

    private func entry(at path: String) throws -> GitEntry {
        guard let entry = try listed[path] ?? root.entry(at: path) else {
            throw SnapshotError.missing(path, in: label)
        }
        return entry
    }
}

extension FileMode {
    var sourceKind: SourceKind {
        switch self {
        case .blob, .executable: .file
        case .symlink: .symlink
        case .tree: .directory
        case .submodule: .submodule
        }
    }
}

extension FileContent {
    convenience init(blob: ObjectID, reader: BlobReader) {
        self.init(id: blob.description, size: { try reader.size(blob) }) { try reader.read(blob) }
    }
}

public enum SnapshotError: Error, CustomStringConvertible {
    case missing(String, in: String)
    case unreadable(String, reason: String)
    case conflicts([String])

    public var description: String {
        switch self {
        case let .missing(path, label): "'\(path)' does not exist in \(label)"
        case let .unreadable(path, reason): "cannot read '\(path)': \(reason)"
        case let .conflicts(paths):
            "the index has unresolved merge conflicts in \(paths.joined(separator: ", ")); resolve them before validating what is staged"
        }
    }
}
