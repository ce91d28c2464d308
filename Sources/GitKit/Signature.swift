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
    /// The committer as git resolves it, which is who git tags with: `GIT_COMMITTER_NAME` /
    /// `GIT_COMMITTER_EMAIL`, then `committer.name` / `committer.email`, then `user.name` /
    /// `user.email` (repository, global, system), and `EMAIL` for the address alone, name and address
    /// resolved independently (git/git Documentation/config/user.txt and git-commit-tree(1)), stamped
    /// now. libgit2's `git_signature_default` reads `user.*` only. An empty variable counts as unset.
    /// When either part is missing the error says how to set it.
    public func defaultSignature(environment: [String: String]) throws(GitError) -> Signature {
        func variable(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let name = variable("GIT_COMMITTER_NAME") ?? configString("committer.name") ?? configString("user.name")
        let email = variable("GIT_COMMITTER_EMAIL") ?? configString("committer.email") ?? configString("user.email") ?? variable("EMAIL")
        guard let name, let email else {
            throw GitError(code: GIT_ENOTFOUND.rawValue, message: """
                no identity to sign with: git configuration has no \(name == nil ? "user.name" : "user.email") \
                (kvctl resolves it as git does: GIT_COMMITTER_NAME / GIT_COMMITTER_EMAIL, committer.*, user.*, EMAIL). Set it with:
                  git config --global user.name "Your Name"
                  git config --global user.email "you@example.com"
                (or drop --global to set them for this repository only)
                """)
        }
        var raw: UnsafeMutablePointer<git_signature>?
        try check(git_signature_now(&raw, name, email), "invalid identity '\(name) <\(email)>'")
        defer { git_signature_free(raw) }
        return Signature(raw!.pointee)
    }

    /// A string setting from the repository's configuration (all levels); nil when unset or empty.
    func configString(_ key: String) -> String? {
        var config: OpaquePointer?
        guard git_repository_config_snapshot(&config, pointer) == 0 else { return nil }
        defer { git_config_free(config) }
        var value: UnsafePointer<CChar>?
        guard git_config_get_string(&value, config, key) == 0, let value else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }
}
