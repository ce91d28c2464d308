import CLibGit2
import Foundation

/// How to authenticate to a remote. A token goes to https remotes as the password (the user name from
/// the URL, else `x-access-token`, which GitHub, Gitea and GitLab all accept beside a token); ssh remotes
/// use the keys of the running ssh-agent (`SSH_AUTH_SOCK`), when libgit2 was built with SSH.
public struct RemoteCredentials: Sendable {
    public var token: String?

    public init(token: String? = nil) {
        self.token = token
    }
}

/// A clone kept up to date by fetching: what `kvctl agent` works from.
public enum Mirror {
    /// Whether this libgit2 can reach `ssh://` remotes.
    public static var hasSSH: Bool {
        LibGit2.ensureInitialized()
        return git_libgit2_features() & Int32(GIT_FEATURE_SSH.rawValue) != 0
    }

    /// Verifies https remotes against the PEM certificates in `file` instead of the system's bundle, as
    /// git's `http.sslCAInfo` does: for a server whose certificate a private CA signed. For the whole
    /// process (libgit2 keeps one TLS configuration).
    public static func trustCertificates(inFile file: String) throws(GitError) {
        LibGit2.ensureInitialized()
        guard FileManager.default.isReadableFile(atPath: file) else {
            throw GitError(code: -1, message: "cannot read the CA file \(file)")
        }
        try check(kvctl_git_set_ssl_cert_file(file), "cannot use the CA file \(file)")
    }

    /// Clones `url` (a path, `file://`, `https://`, `ssh://`) into `path` when nothing is there, else opens
    /// the clone there; then fetches the branches and every tag, and moves the checked-out branch to its
    /// remote's tip (a hard reset: the clone is the agent's own, nobody edits it). Tags deleted or moved on
    /// the remote follow it too. Returns the tip now checked out.
    @discardableResult
    public static func update(url: String, at path: String, credentials: RemoteCredentials = .init()) throws(GitError) -> ObjectID {
        LibGit2.ensureInitialized()
        if url.hasPrefix("ssh://") && !hasSSH {
            throw GitError(code: -1, message: "cannot fetch \(url): this libgit2 was built without SSH; use https:// with a token")
        }
        let box = CredentialBox(credentials)
        let payload = Unmanaged.passUnretained(box).toOpaque()
        return try withExtendedLifetime(box) { () throws(GitError) -> ObjectID in
            let repository: Repository
            if FileManager.default.fileExists(atPath: path + "/.git") {
                repository = try Repository(discovering: path)
                try fetch(repository, url: url, payload: payload)
            } else {
                repository = try clone(url, into: path, payload: payload)
            }
            return try resetToRemote(repository)
        }
    }

    private static func fetchOptions(_ payload: UnsafeMutableRawPointer) throws(GitError) -> git_fetch_options {
        var options = git_fetch_options()
        try check(git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION)), "cannot prepare a fetch")
        options.callbacks.credentials = credentialCallback
        options.callbacks.payload = payload
        options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_ALL
        options.prune = GIT_FETCH_PRUNE
        return options
    }

    private static func clone(_ url: String, into path: String, payload: UnsafeMutableRawPointer) throws(GitError) -> Repository {
        var options = git_clone_options()
        try check(git_clone_options_init(&options, UInt32(GIT_CLONE_OPTIONS_VERSION)), "cannot prepare a clone")
        options.fetch_opts = try fetchOptions(payload)
        var raw: OpaquePointer?
        try check(git_clone(&raw, url, path, &options), "cannot clone \(redacted(url))")
        return Repository(owning: raw!)
    }

    private static func fetch(_ repository: Repository, url: String, payload: UnsafeMutableRawPointer) throws(GitError) {
        // An anonymous remote on the flag's URL (it may change between runs: a new token, a moved
        // repository), made without reading the repository's config: libgit2 1.5 (Debian 12) leaks
        // ~20 KB in every regex match that fails (libgit2/libgit2#6382, fixed in 1.6), and looking up a
        // named remote or rewriting its URL by `url.<base>.insteadOf` matches a regex against each
        // config entry, which cost the agent ~2 MB per fetch. So git's URL rewrites do not apply here.
        var create = git_remote_create_options()
        try check(git_remote_create_options_init(&create, UInt32(GIT_REMOTE_CREATE_OPTIONS_VERSION)), "cannot prepare a fetch")
        create.repository = repository.pointer
        create.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF.rawValue | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC.rawValue
        var remote: OpaquePointer?
        try check(git_remote_create_with_opts(&remote, url, &create), "cannot fetch \(redacted(url))")
        defer { git_remote_free(remote) }
        var options = try fetchOptions(payload)
        // Tags are forced so a moved tag follows the remote; pruning drops deleted branches and tags.
        let specs = ["+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"]
        try withStrArray(specs) { (array: inout git_strarray) throws(GitError) in
            try check(git_remote_fetch(remote, &array, &options, nil), "cannot fetch \(redacted(url))")
        }
    }

    /// The branch HEAD is on, reset to `refs/remotes/origin/<branch>`. A remote whose HEAD names no
    /// branch it has (a bare repository made with another default branch) leaves the clone without one:
    /// then HEAD follows origin's main, else master, detached.
    private static func resetToRemote(_ repository: Repository) throws(GitError) -> ObjectID {
        var checkout = git_checkout_options()
        try check(git_checkout_options_init(&checkout, UInt32(GIT_CHECKOUT_OPTIONS_VERSION)), "cannot prepare a checkout")
        checkout.checkout_strategy = GIT_CHECKOUT_FORCE.rawValue | GIT_CHECKOUT_REMOVE_UNTRACKED.rawValue
        if case .branch(let branch, _) = try repository.head(), let tip = try? repository.resolveCommit("refs/remotes/origin/\(branch)") {
            try check(git_reset(repository.pointer, tip.pointer, GIT_RESET_HARD, &checkout), "cannot check out origin/\(branch)")
            return tip.id
        }
        guard let tip = ["main", "master"].lazy.compactMap({ try? repository.resolveCommit("refs/remotes/origin/\($0)") }).first else {
            throw GitError(code: -1, message: "the remote of \(repository.workdir ?? "the clone") has no branch its HEAD names, nor main or master")
        }
        var id = tip.id.raw
        try check(git_repository_set_head_detached(repository.pointer, &id), "cannot move HEAD to \(tip.id.short)")
        try check(git_checkout_head(repository.pointer, &checkout), "cannot check out \(tip.id.short)")
        return tip.id
    }

    /// A URL for messages: no password or token that may be written in it.
    public static func redacted(_ url: String) -> String {
        guard var parts = URLComponents(string: url), parts.password != nil || parts.user != nil else { return url }
        parts.password = nil
        parts.user = nil
        return parts.string ?? url
    }
}

/// What the credential callback reads; a token is offered once, so a refused one fails the fetch
/// instead of being retried forever (libgit2 calls the callback again after each refusal).
private final class CredentialBox {
    let credentials: RemoteCredentials
    var attempts = 0
    init(_ credentials: RemoteCredentials) { self.credentials = credentials }
}

private let credentialCallback: git_credential_acquire_cb = { out, _, userFromURL, allowed, payload in
    guard let payload, let out else { return GIT_PASSTHROUGH.rawValue }
    let box = Unmanaged<CredentialBox>.fromOpaque(payload).takeUnretainedValue()
    box.attempts += 1
    guard box.attempts <= 1 else { return GIT_EAUTH.rawValue }
    let user = userFromURL.map { String(cString: $0) }
    if allowed & GIT_CREDENTIAL_SSH_KEY.rawValue != 0 {
        return git_credential_ssh_key_from_agent(out, user ?? "git")
    }
    if allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT.rawValue != 0, let token = box.credentials.token {
        return git_credential_userpass_plaintext_new(out, user ?? "x-access-token", token)
    }
    return GIT_PASSTHROUGH.rawValue
}

/// A `git_strarray` over `strings` for the duration of `body`.
private func withStrArray(_ strings: [String], _ body: (inout git_strarray) throws(GitError) -> Void) throws(GitError) {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    var pointers = copies
    try pointers.withUnsafeMutableBufferPointer { (buffer) throws(GitError) in
        var array = git_strarray(strings: buffer.baseAddress, count: buffer.count)
        try body(&array)
    }
}
