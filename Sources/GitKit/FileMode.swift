import CLibGit2

/// The kinds of tree and index entries kvctl distinguishes.
public enum FileMode: Sendable, Equatable {
    case blob, executable, symlink, tree, submodule

    init?(rawMode: UInt32) {
        switch rawMode {
        case GIT_FILEMODE_BLOB.rawValue: self = .blob
        case GIT_FILEMODE_BLOB_EXECUTABLE.rawValue: self = .executable
        case GIT_FILEMODE_LINK.rawValue: self = .symlink
        case GIT_FILEMODE_TREE.rawValue: self = .tree
        case GIT_FILEMODE_COMMIT.rawValue: self = .submodule
        default: return nil
        }
    }
}

/// One entry found by walking a tree or the index: a repository-relative path.
public struct GitEntry: Sendable {
    public let path: String
    public let id: ObjectID
    public let mode: FileMode
}
