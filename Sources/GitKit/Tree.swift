import CLibGit2

/// A tree object at a known repository-relative path. Keeps its repository alive.
public final class Tree {
    let pointer: OpaquePointer
    public let repository: Repository
    /// Where this tree sits in the commit ("" for the root), so walked paths come out repository-relative.
    public let path: String

    init(pointer: OpaquePointer, repository: Repository, path: String) {
        self.pointer = pointer
        self.repository = repository
        self.path = path
    }

    deinit { git_tree_free(pointer) }

    /// The entry at `relativePath` below this tree, or nil when there is none.
    public func entry(at relativePath: String) throws(GitError) -> GitEntry? {
        var entry: OpaquePointer?
        let code = git_tree_entry_bypath(&entry, pointer, relativePath)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check(code, "cannot look up \(relativePath)")
        defer { git_tree_entry_free(entry) }
        return Self.gitEntry(entry!, path: join(path, relativePath))
    }

    /// The subtree at `relativePath`, or nil when there is none or it is not a folder.
    public func subtree(at relativePath: String) throws(GitError) -> Tree? {
        guard let found = try entry(at: relativePath), found.mode == .tree else { return nil }
        var oid = found.id.raw
        var tree: OpaquePointer?
        try check(git_tree_lookup(&tree, repository.pointer, &oid), "cannot read tree \(found.path)")
        return Tree(pointer: tree!, repository: repository, path: found.path)
    }

    /// Every entry below this tree, folders included, depth first, in git's (byte) order.
    public func walk() throws(GitError) -> [GitEntry] {
        var result: [GitEntry] = []
        try walk(pointer, prefix: path, into: &result)
        return result
    }

    private func walk(_ tree: OpaquePointer, prefix: String, into result: inout [GitEntry]) throws(GitError) {
        for index in 0..<git_tree_entrycount(tree) {
            let entry = git_tree_entry_byindex(tree, index)!
            let entryPath = join(prefix, String(cString: git_tree_entry_name(entry)))
            let item = Self.gitEntry(entry, path: entryPath)
            result.append(item)
            guard item.mode == .tree else { continue }
            var child: OpaquePointer?
            try check(git_tree_lookup(&child, repository.pointer, git_tree_entry_id(entry)), "cannot read tree \(entryPath)")
            defer { git_tree_free(child) }
            try walk(child!, prefix: entryPath, into: &result)
        }
    }

    private static func gitEntry(_ entry: OpaquePointer, path: String) -> GitEntry {
        let mode = FileMode(rawMode: git_tree_entry_filemode(entry).rawValue) ?? .blob
        return GitEntry(path: path, id: ObjectID(git_tree_entry_id(entry).pointee), mode: mode)
    }
}

func join(_ prefix: String, _ name: String) -> String {
    prefix.isEmpty ? name : prefix + "/" + name
}
