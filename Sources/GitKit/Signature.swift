import CLibGit2

/// Who did something in git and when: a tagger or committer, copied out of libgit2.
public struct Signature: Sendable, Equatable {
    public let name: String
    public let email: String
    /// Seconds since the Unix epoch.
    public let time: Int64
    /// The signer's time zone, in minutes east of UTC.
    public let offsetMinutes: Int

    init(_ raw: git_signature) {
        name = String(cString: raw.name)
        email = String(cString: raw.email)
        time = Int64(raw.when.time)
        offsetMinutes = Int(raw.when.offset)
    }

    /// Calls `body` with a libgit2 copy of this signature, freed afterwards.
    func withRaw<T>(_ body: (UnsafeMutablePointer<git_signature>) throws(GitError) -> T) throws(GitError) -> T {
        var raw: UnsafeMutablePointer<git_signature>?
        try check(git_signature_new(&raw, name, email, git_time_t(time), Int32(offsetMinutes)),
                  "invalid signature '\(name) <\(email)>'")
        defer { git_signature_free(raw) }
        return try body(raw!)
    }
}

extension Repository {
    /// `user.name` and `user.email` from git configuration (repository, global, system), stamped now.
    /// When either is unset the error says how to set them, since libgit2's message does not.
    public func defaultSignature() throws(GitError) -> Signature {
        var raw: UnsafeMutablePointer<git_signature>?
        let code = git_signature_default(&raw, pointer)
        if code == GIT_ENOTFOUND.rawValue {
            let cause = GitError.last(code, "no identity to sign with")
            throw GitError(code: code, message: """
                \(cause.message); kvctl reads user.name and user.email from git configuration. Set them with:
                  git config --global user.name "Your Name"
                  git config --global user.email "you@example.com"
                (or drop --global to set them for this repository only)
                """)
        }
        try check(code, "cannot read user.name and user.email from git configuration")
        defer { git_signature_free(raw) }
        return Signature(raw!.pointee)
    }
}
