import CLibGit2
import Synchronization

/// Reads blobs from any thread. libgit2 objects must be used by one thread at a time, so the reader
/// owns a repository handle of its own and reads take turns on it.
public final class BlobReader: Sendable {
    private let handle: Mutex<Handle>

    /// A handle no one else touches: `Mutex` needs its value to be sendable.
    private final class Handle: @unchecked Sendable {
        let repository: Repository
        init(_ repository: Repository) { self.repository = repository }
    }

    /// Opens a second handle on `repository`'s git directory.
    public init(_ repository: Repository) throws(GitError) {
        handle = Mutex(Handle(try Repository(discovering: repository.gitDirectory)))
    }

    public func read(_ id: ObjectID) throws(GitError) -> [UInt8] {
        try handle.withLock { handle throws(GitError) in try handle.repository.blob(id) }
    }

    /// A blob's size from its object header, without inflating the rest.
    public func size(_ id: ObjectID) throws(GitError) -> Int {
        try handle.withLock { handle throws(GitError) in try handle.repository.blobSize(id) }
    }
}

extension Repository {
    func blobSize(_ id: ObjectID) throws(GitError) -> Int {
        var odb: OpaquePointer?
        try check(git_repository_odb(&odb, pointer), "cannot open the object database")
        defer { git_odb_free(odb) }
        var oid = id.raw
        var size = 0
        var type = GIT_OBJECT_ANY
        try check(git_odb_read_header(&size, &type, odb, &oid), "cannot read blob \(id.short)")
        return size
    }

    /// The `.git` folder (or the bare repository itself).
    public var gitDirectory: String {
        String(cString: git_repository_path(pointer))
    }
}
