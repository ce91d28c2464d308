import CLibGit2
import Foundation

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

extension Commit {
    /// The full message, as written.
    public var message: String { git_commit_message(pointer).map { String(cString: $0) } ?? "" }

    /// The message's first paragraph, on one line.
    public var summary: String { git_commit_summary(pointer).map { String(cString: $0) } ?? "" }

    public var author: Signature { Signature(git_commit_author(pointer).pointee) }

    public var committer: Signature { Signature(git_commit_committer(pointer).pointee) }
}

/// One commit that changed a file, with the file's bytes there (nil when the commit removed it).
public struct FileChange {
    public let commit: Commit
    public let bytes: [UInt8]?
}

extension Repository {
    /// Commits `bytes` as the file at `path` (repository-relative) on top of HEAD, as `git commit` of that
    /// one file would: the new tree is HEAD's with only that blob replaced (whatever else is staged stays
    /// staged, uncommitted), HEAD's branch moves to the commit, and the working tree's file and its index
    /// entry are written to match. libgit2 refuses when HEAD moved meanwhile.
    @discardableResult
    public func commit(file path: String, bytes: [UInt8], message: String, signature: Signature) throws(GitError) -> ObjectID {
        let head = try resolveCommit("HEAD")
        let base = try head.tree()
        let mode = try base.entry(at: path)?.mode == .executable ? GIT_FILEMODE_BLOB_EXECUTABLE : GIT_FILEMODE_BLOB
        var blob = git_oid()
        try check(git_blob_create_from_buffer(&blob, pointer, bytes, bytes.count), "cannot write the new \(path)")
        var treeID = git_oid()
        let rawPath = strdup(path)
        defer { free(rawPath) }
        var update = git_tree_update(action: GIT_TREE_UPDATE_UPSERT, id: blob, filemode: mode, path: rawPath)
        try check(git_tree_create_updated(&treeID, pointer, base.pointer, 1, &update), "cannot write the tree with the new \(path)")
        var tree: OpaquePointer?
        try check(git_tree_lookup(&tree, pointer, &treeID), "cannot read the new tree")
        defer { git_tree_free(tree) }
        var commitID = git_oid()
        try signature.withRaw { (raw) throws(GitError) -> Void in
            var parents: [OpaquePointer?] = [head.pointer]
            try check(git_commit_create(&commitID, pointer, "HEAD", raw, raw, nil, message, tree, 1, &parents),
                      "cannot commit \(path)")
        }
        guard let workdir else { return ObjectID(commitID) }
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: workdir + "/" + path))
        } catch {
            throw GitError(code: -1, message: "committed \(ObjectID(commitID).short), but cannot write \(path) in the working tree: \(error)")
        }
        let index = try self.index()
        try check(git_index_add_bypath(index.pointer, path), "committed \(ObjectID(commitID).short), but cannot stage \(path)")
        try check(git_index_write(index.pointer), "committed \(ObjectID(commitID).short), but cannot write the index")
        return ObjectID(commitID)
    }

    /// The commits on HEAD's first-parent line (the branch's own history, as `git log --first-parent`)
    /// that changed the file at `path` from their parent, newest first; a root commit counts when it has the file.
    public func history(of path: String) throws(GitError) -> [FileChange] {
        var walk: OpaquePointer?
        try check(git_revwalk_new(&walk, pointer), "cannot walk the history")
        defer { git_revwalk_free(walk) }
        try check(git_revwalk_push_head(walk), "cannot walk the history from HEAD")
        try check(git_revwalk_simplify_first_parent(walk), "cannot walk the history")
        var ids: [git_oid] = []
        var id = git_oid()
        while git_revwalk_next(&id, walk) == 0 { ids.append(id) }
        var changes: [FileChange] = []
        var newer: (commit: Commit, blob: ObjectID?)?
        for var raw in ids {
            var object: OpaquePointer?
            try check(git_commit_lookup(&object, pointer, &raw), "cannot read commit \(ObjectID(raw).short)")
            let commit = Commit(pointer: object!, repository: self)
            let blob = try commit.tree().entry(at: path)?.id
            if let newer, newer.blob != blob {
                changes.append(FileChange(commit: newer.commit, bytes: try newer.blob.map { id throws(GitError) in try self.blob(id) }))
            }
            newer = (commit, blob)
        }
        if let newer, let blob = newer.blob {
            changes.append(FileChange(commit: newer.commit, bytes: try self.blob(blob)))
        }
        return changes
    }
}
