import CLibGit2

/// A failed libgit2 call, carrying libgit2's own message.
public struct GitError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String

    public var isNotFound: Bool { code == GIT_ENOTFOUND.rawValue }
    public var isAmbiguous: Bool { code == GIT_EAMBIGUOUS.rawValue }
    public var description: String { message }

    /// Reads libgit2's thread-local last error; must be called right after the failing call.
    static func last(_ code: Int32, _ context: @autoclosure () -> String) -> GitError {
        var message = context()
        if let error = git_error_last(), let text = error.pointee.message {
            message += ": " + String(cString: text)
        }
        return GitError(code: code, message: message)
    }
}

@discardableResult
func check(_ code: Int32, _ context: @autoclosure () -> String) throws(GitError) -> Int32 {
    guard code >= 0 else { throw GitError.last(code, context()) }
    return code
}

/// libgit2 must be initialised once per process before any other call.
enum LibGit2 {
    private static let initialized: Int32 = git_libgit2_init()
    static func ensureInitialized() { _ = initialized }
}
