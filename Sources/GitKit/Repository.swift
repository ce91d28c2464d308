import CLibGit2
import Foundation

/// An open repository. Owns its `git_repository` and frees it on deinit.
/// Not thread-safe: use one instance per thread.
public final class Repository {
    let pointer: OpaquePointer

    /// Opens the repository containing `path`, searching parent folders like git does.
    public init(discovering path: String) throws(GitError) {
        LibGit2.ensureInitialized()
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        try check(git_repository_discover(&buffer, path, 0, nil), "not a git repository (or any parent up to /): \(absolute)")
        var repo: OpaquePointer?
        try check(git_repository_open(&repo, buffer.ptr), "cannot open repository at \(path)")
        pointer = repo!
    }

    /// Takes over a repository libgit2 just opened or cloned.
    init(owning pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { git_repository_free(pointer) }

    /// The working tree's root with no trailing slash, or nil for a bare repository.
    public var workdir: String? {
        guard let dir = git_repository_workdir(pointer) else { return nil }
        var path = String(cString: dir)
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }

    /// Resolves anything `git rev-parse` accepts (tag, branch, short sha, HEAD~2) to the commit it names.
    /// In a repository without commits every revision is unknown, and the error says why.
    public func resolveCommit(_ spec: String) throws(GitError) -> Commit {
        var object: OpaquePointer?
        let code = git_revparse_single(&object, pointer, spec)
        if code < 0, (try? head()) == .unborn {
            throw GitError(code: code, message: "unknown revision '\(spec)': the repository has no commits yet; commit the configuration first")
        }
        try check(code, "unknown revision '\(spec)'")
        defer { git_object_free(object) }
        var commit: OpaquePointer?
        try check(git_object_peel(&commit, object, GIT_OBJECT_COMMIT), "'\(spec)' does not name a commit")
        return Commit(pointer: commit!, repository: self)
    }

    /// The staged index, read fresh from disk.
    public func index() throws(GitError) -> Index {
        var index: OpaquePointer?
        try check(git_repository_index(&index, pointer), "cannot read the index")
        try check(git_index_read(index, 0), "cannot refresh the index")
        return Index(pointer: index!, repository: self)
    }

    /// The bytes of a blob.
    public func blob(_ id: ObjectID) throws(GitError) -> [UInt8] {
        var oid = id.raw
        var blob: OpaquePointer?
        try check(git_blob_lookup(&blob, pointer, &oid), "cannot read blob \(id.short)")
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let raw = git_blob_rawcontent(blob) else { return [] }
        return Array(UnsafeRawBufferPointer(start: raw, count: size))
    }

    /// Whether git would ignore `path` (relative to the working tree) under .gitignore rules.
    public func isIgnored(_ path: String) throws(GitError) -> Bool {
        var ignored: Int32 = 0
        try check(git_ignore_path_is_ignored(&ignored, pointer, path), "cannot check ignore rules for \(path)")
        return ignored != 0
    }
}
