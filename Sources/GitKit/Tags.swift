import CLibGit2

/// One tag reference, copied out of libgit2.
public struct TagReference: Sendable {
    /// The annotated tag object's content; lightweight tags have none.
    public struct Annotation: Sendable {
        /// Nil for the rare tag objects written without a tagger line.
        public let tagger: Signature?
        public let message: String
    }

    /// The name without `refs/tags/`.
    public let name: String
    /// The commit the tag leads to, or nil when it names a tree or a blob.
    public let commit: ObjectID?
    public let annotation: Annotation?

    public var isAnnotated: Bool { annotation != nil }
}

extension Repository {
    /// Every tag, in name order.
    public func tags() throws(GitError) -> [TagReference] {
        var names = git_strarray()
        try check(git_tag_list(&names, pointer), "cannot list tags")
        defer { git_strarray_dispose(&names) }
        var result: [TagReference] = []
        for index in 0..<names.count {
            result.append(try tag(named: String(cString: names.strings[index]!)))
        }
        return result
    }

    private func tag(named name: String) throws(GitError) -> TagReference {
        var oid = git_oid()
        try check(git_reference_name_to_id(&oid, pointer, "refs/tags/" + name), "cannot read tag \(name)")
        var object: OpaquePointer?
        try check(git_object_lookup(&object, pointer, &oid, GIT_OBJECT_ANY), "cannot read the object of tag \(name)")
        defer { git_object_free(object) }

        var annotation: TagReference.Annotation?
        if git_object_type(object) == GIT_OBJECT_TAG {
            // A git_tag is a git_object: libgit2 hands out the same pointer for both.
            annotation = TagReference.Annotation(tagger: git_tag_tagger(object).map { Signature($0.pointee) },
                                                 message: String(cString: git_tag_message(object)))
        }
        var peeled: OpaquePointer?
        var commit: ObjectID?
        if git_object_peel(&peeled, object, GIT_OBJECT_COMMIT) == 0 {
            commit = ObjectID(git_object_id(peeled).pointee)
            git_object_free(peeled)
        }
        return TagReference(name: name, commit: commit, annotation: annotation)
    }

    /// Creates the annotated tag `name` on `commit`; never moves an existing tag (fails with `isExists`).
    @discardableResult
    public func createAnnotatedTag(_ name: String, at commit: Commit, tagger: Signature, message: String) throws(GitError) -> ObjectID {
        var oid = git_oid()
        try tagger.withRaw { (raw) throws(GitError) -> Void in
            try check(git_tag_create(&oid, pointer, name, commit.pointer, raw, message, 0), "cannot create tag \(name)")
        }
        return ObjectID(oid)
    }
}

extension GitError {
    /// The object or reference to create is already there.
    public var isExists: Bool { code == GIT_EEXISTS.rawValue }
}
