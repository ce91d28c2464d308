#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLibGit2

/// A path whose state differs between HEAD, the index and the working tree.
public struct StatusEntry: Sendable, Equatable {
    public let path: String
    /// `git status --short`'s two columns: index then working tree (`M `, ` M`, `??`, `UU`...).
    public let code: String
}

extension Repository {
    /// Paths under `pathspecs` (literal repository-relative files or folders) that are staged, modified
    /// or untracked; ignored files are left out, as `git status` leaves them out.
    public func status(of pathspecs: [String]) throws(GitError) -> [StatusEntry] {
        var options = git_status_options()
        try check(git_status_options_init(&options, UInt32(GIT_STATUS_OPTIONS_VERSION)), "cannot prepare a status query")
        options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR
        options.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED.rawValue | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS.rawValue
            | GIT_STATUS_OPT_DISABLE_PATHSPEC_MATCH.rawValue

        let strings = pathspecs.map { strdup($0) }
        defer { strings.forEach { free($0) } }
        var list: OpaquePointer?
        var code: Int32 = 0
        strings.withUnsafeBufferPointer { buffer in
            options.pathspec = git_strarray(strings: UnsafeMutablePointer(mutating: buffer.baseAddress), count: buffer.count)
            code = git_status_list_new(&list, pointer, &options)
        }
        try check(code, "cannot read the status of \(pathspecs.joined(separator: ", "))")
        defer { git_status_list_free(list) }

        var result: [StatusEntry] = []
        for index in 0..<git_status_list_entrycount(list) {
            guard let entry = git_status_byindex(list, index)?.pointee else { continue }
            guard let delta = (entry.index_to_workdir ?? entry.head_to_index)?.pointee,
                  let path = delta.new_file.path ?? delta.old_file.path else { continue }
            result.append(StatusEntry(path: String(cString: path), code: Self.shortCode(entry.status.rawValue)))
        }
        return result
    }

    private static func shortCode(_ flags: UInt32) -> String {
        func has(_ flag: git_status_t) -> Bool { flags & flag.rawValue != 0 }
        if has(GIT_STATUS_CONFLICTED) { return "UU" }
        if has(GIT_STATUS_WT_NEW) && !has(GIT_STATUS_INDEX_NEW) { return "??" }
        let index: [(git_status_t, String)] = [(GIT_STATUS_INDEX_NEW, "A"), (GIT_STATUS_INDEX_MODIFIED, "M"),
            (GIT_STATUS_INDEX_DELETED, "D"), (GIT_STATUS_INDEX_RENAMED, "R"), (GIT_STATUS_INDEX_TYPECHANGE, "T")]
        let worktree: [(git_status_t, String)] = [(GIT_STATUS_WT_MODIFIED, "M"), (GIT_STATUS_WT_DELETED, "D"),
            (GIT_STATUS_WT_RENAMED, "R"), (GIT_STATUS_WT_TYPECHANGE, "T"), (GIT_STATUS_WT_UNREADABLE, "!")]
        return (index.first { has($0.0) }?.1 ?? " ") + (worktree.first { has($0.0) }?.1 ?? " ")
    }
}
