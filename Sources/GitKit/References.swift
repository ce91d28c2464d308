import CLibGit2

/// What HEAD points at.
public enum Head: Sendable, Equatable {
    /// A branch with no commit yet: a new, empty repository.
    case unborn
    /// A commit directly, not through a branch.
    case detached(ObjectID)
    case branch(String, ObjectID)
}

extension Repository {
    public func head() throws(GitError) -> Head {
        if try check(git_repository_head_unborn(pointer), "cannot read HEAD") == 1 { return .unborn }
        var reference: OpaquePointer?
        try check(git_repository_head(&reference, pointer), "cannot read HEAD")
        defer { git_reference_free(reference) }
        let id = ObjectID(git_reference_target(reference).pointee)
        if try check(git_repository_head_detached(pointer), "cannot read HEAD") == 1 { return .detached(id) }
        return .branch(String(cString: git_reference_shorthand(reference)), id)
    }
}
