#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Publishing

/// A `KVStore` in `.kvctl/` at the repository root, so that publishing works with no Consul. It keeps
/// Consul's bookkeeping (one index per transaction, CreateIndex/ModifyIndex per key) and its
/// transaction semantics: every condition is checked before anything changes, then the whole new
/// state is written to a temporary file and renamed over `store.json`, so a crash leaves the old
/// state or the new one. An exclusive lock on `store.lock` serialises kvctl processes.
public actor LocalStore: KVStore {
    public static let folderName = ".kvctl"
    public nonisolated let description = "the local store \(LocalStore.folderName)/"
    private let folder: URL
    nonisolated var folderURL: URL { folder }
    private var state = LocalStoreState()
    /// Identifies the file `state` was read from, to notice another process's writes.
    private var loadedStamp: FileStamp?

    public init(repositoryRoot: URL) {
        folder = repositoryRoot.appendingPathComponent(Self.folderName)
    }

    private var file: URL { folder.appendingPathComponent("store.json") }

    public func entries(under prefix: String) async throws -> [StoredEntry] {
        try reloadIfChanged()
        return state.entries(under: prefix)
    }

    /// Creates `.kvctl/`, which ignores itself so that `git add -A` never stages the store.
    func prepareFolder() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let ignore = folder.appendingPathComponent(".gitignore")
        if !FileManager.default.fileExists(atPath: ignore.path) { try Data("*\n".utf8).write(to: ignore) }
    }

    public func apply(_ operations: [StoreOperation]) async throws {
        try prepareFolder()
        let lock = open(folder.appendingPathComponent("store.lock").path, O_CREAT | O_RDWR, 0o644)
        guard lock >= 0 else { throw LocalStoreError("cannot open \(folder.path)/store.lock: \(String(cString: strerror(errno)))") }
        defer { close(lock) }
        guard flock(lock, LOCK_EX) == 0 else { throw LocalStoreError("cannot lock \(folder.path)/store.lock") }
        try reloadIfChanged()
        var next = state
        try next.apply(operations)
        let temporary = folder.appendingPathComponent("store.json.\(getpid()).tmp")
        try Data(next.encoded().utf8).write(to: temporary)
        guard rename(temporary.path, file.path) == 0 else {
            throw LocalStoreError("cannot replace \(file.path): \(String(cString: strerror(errno)))")
        }
        state = next
        loadedStamp = FileStamp(file)
    }

    private func reloadIfChanged() throws {
        let stamp = FileStamp(file)
        guard stamp != loadedStamp else { return }
        if stamp == nil {
            state = LocalStoreState()
        } else {
            do {
                state = try LocalStoreState(decoding: Data(contentsOf: file))
            } catch {
                throw LocalStoreError("\(file.path) is damaged (\(error)); move it away to start an empty local store")
            }
        }
        loadedStamp = stamp
    }
}

public struct LocalStoreError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Device, inode, size and modification time: a rename by another process changes the inode.
private struct FileStamp: Equatable {
    let device: UInt64, inode: UInt64, size: Int64, modified: Int64, modifiedNanoseconds: Int

    init?(_ url: URL) {
        var info = stat()
        guard stat(url.path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        #if canImport(Darwin)
        modified = Int64(info.st_mtimespec.tv_sec)
        modifiedNanoseconds = info.st_mtimespec.tv_nsec
        #else
        modified = Int64(info.st_mtim.tv_sec)
        modifiedNanoseconds = info.st_mtim.tv_nsec
        #endif
    }
}
