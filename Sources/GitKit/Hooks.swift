import CLibGit2
import Foundation

/// Installs hook scripts into a repository's hooks folder without clobbering hooks written by others.
public struct HookInstaller {
    public enum Outcome: Equatable {
        case installed(path: String)
        case replaced(path: String)
        case unchanged(path: String)
    }

    public enum Failure: Error, CustomStringConvertible {
        case foreignHook(path: String)

        public var description: String {
            switch self {
            case .foreignHook(let path):
                "\(path) exists and was not written by kvctl; pass --force to replace it (keep a copy if you still need it)"
            }
        }
    }

    /// The line that marks a hook as ours, so reinstalling and uninstalling are safe.
    public let marker: String
    public let folder: String

    public init(repository: Repository, marker: String) {
        self.marker = marker
        // The common directory holds the hooks shared by every worktree of the repository.
        var path = String(cString: git_repository_commondir(repository.pointer))
        if path.hasSuffix("/") { path.removeLast() }
        folder = path + "/hooks"
    }

    public func install(_ name: String, script: String, force: Bool) throws -> Outcome {
        let path = folder + "/" + name
        let existing = FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
        if let existing, !existing.contains(marker), !force { throw Failure.foreignHook(path: path) }
        if existing == script { return .unchanged(path: path) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(script.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return existing == nil ? .installed(path: path) : .replaced(path: path)
    }

    /// Removes the hook only when it is ours; returns whether anything was removed.
    public func uninstall(_ name: String) throws -> Bool {
        let path = folder + "/" + name
        guard let existing = FileManager.default.contents(atPath: path) else { return false }
        guard String(decoding: existing, as: UTF8.self).contains(marker) else { throw Failure.foreignHook(path: path) }
        try FileManager.default.removeItem(atPath: path)
        return true
    }
}
