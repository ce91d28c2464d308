/// What a repository path is at one revision.
public enum SourceKind: Sendable, Equatable {
    case file, symlink, directory, submodule
}

public struct SourceFile: Sendable, Hashable {
    public let path: String
    public let kind: SourceKind

    public init(path: String, kind: SourceKind) {
        self.path = path
        self.kind = kind
    }
}

/// A read-only view of a repository's files at one revision (a commit, the index, the working tree).
/// Paths are repository-relative with `/` separators and no leading `/`.
public protocol SourceTree {
    /// How the revision is named to users, e.g. `v1.4.0 (3f2a1bc)` or `the index`.
    var label: String { get }
    /// Every non-folder entry below `folder`, recursively, sorted by path.
    func files(under folder: String) throws -> [SourceFile]
    /// The kind of entry at `path`, or nil when nothing is there. Symlinks are not followed.
    func kind(of path: String) throws -> SourceKind?
    /// A file's bytes; for a symlink, the link's target text.
    func contents(of path: String) throws -> [UInt8]
    /// A file's bytes to read on first use, with its git blob id when the revision has one.
    func lazyContents(of path: String) throws -> FileContent
}

extension SourceTree {
    public func lazyContents(of path: String) throws -> FileContent {
        FileContent(bytes: try contents(of: path))
    }
}
