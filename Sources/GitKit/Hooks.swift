import CLibGit2
import Foundation

/// Installs hook scripts into a repository's hooks folder without clobbering hooks written by others.
public struct HookInstaller {
    public enum Outcome: Equatable {
        case installed(path: String)
        /// `backup` is where a hook kvctl did not write was kept.
        case replaced(path: String, backup: String?)
        case unchanged(path: String)
    }

    public enum Failure: Error, CustomStringConvertible {
        case foreignHook(path: String)

        public var description: String {
            switch self {
            case .foreignHook(let path):
                "\(path) exists and was not written by kvctl; pass --force to replace it (it is kept as \(path)\(HookInstaller.backupSuffix))"
            }
        }
    }

    /// The line that marks a hook as ours, so reinstalling and uninstalling are safe.
    public let marker: String
    public let folder: String

    public init(repository: Repository, marker: String) {
        self.marker = marker
        folder = Self.hooksFolder(of: repository)
    }

    /// Where git looks for hooks: `core.hooksPath` when set (git-config(1): a relative path is taken from
    /// where hooks run, the working tree's root, or the git folder of a bare repository), otherwise the
    /// common directory's `hooks/`, shared by every worktree of the repository.
    static func hooksFolder(of repository: Repository) -> String {
        var common = String(cString: git_repository_commondir(repository.pointer))
        if common.hasSuffix("/") { common.removeLast() }
        guard var configured = repository.configPath("core.hooksPath"), !configured.isEmpty else { return common + "/hooks" }
        while configured.count > 1 && configured.hasSuffix("/") { configured.removeLast() }
        if configured.hasPrefix("/") { return configured }
        return (repository.workdir ?? common) + "/" + configured
    }

    /// Git runs hooks by their exact name only (githooks(5)), so a copy under this suffix never runs.
    public static let backupSuffix = ".kvctl-backup"

    /// A hook kvctl did not write is replaced only with `force`, and then kept beside it as
    /// `NAME.kvctl-backup` (`-2`, `-3`, ... when earlier backups exist: none is ever overwritten).
    public func install(_ name: String, script: String, force: Bool) throws -> Outcome {
        let path = folder + "/" + name
        let existing = FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
        if let existing, !existing.contains(marker), !force { throw Failure.foreignHook(path: path) }
        if existing == script { return .unchanged(path: path) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var backup: String?
        if let existing, !existing.contains(marker) {
            var candidate = path + Self.backupSuffix, number = 1
            while FileManager.default.fileExists(atPath: candidate) {
                number += 1
                candidate = path + Self.backupSuffix + "-\(number)"
            }
            try FileManager.default.copyItem(atPath: path, toPath: candidate)
            backup = candidate
        }
        try Data(script.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return existing == nil ? .installed(path: path) : .replaced(path: path, backup: backup)
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

extension Repository {
    /// A path setting from the repository's configuration (all levels), `~/` expanded; nil when unset.
    func configPath(_ name: String) -> String? {
        var config: OpaquePointer?
        guard git_repository_config_snapshot(&config, pointer) == 0 else { return nil }
        defer { git_config_free(config) }
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        guard git_config_get_path(&buffer, config, name) == 0, let text = buffer.ptr else { return nil }
        return String(cString: text)
    }
}
