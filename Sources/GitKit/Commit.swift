import CLibGit2

/// A commit and its root tree. Keeps its repository alive.
public final class Commit {
    let pointer: OpaquePointer
    public let repository: Repository

    init(pointer: OpaquePointer, repository: Repository) {
        self.pointer = pointer
        self.repository = repository
    }

    deinit { git_commit_free(pointer) }

    public var id: ObjectID { ObjectID(git_commit_id(pointer).pointee) }

    public func tree() throws(GitError) -> Tree {
        var tree: OpaquePointer?
        try check(git_commit_tree(&tree, pointer), "cannot read the tree of commit \(id.short)")
        return Tree(pointer: tree!, repository: repository, path: "")
    }
}
