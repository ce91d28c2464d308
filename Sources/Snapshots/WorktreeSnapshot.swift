#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GitKit
import KVCore

/// The files on disk in the working tree, tracked or not, minus what .gitignore excludes:
/// what `git add -A` would stage.
public final class WorktreeSnapshot: SourceTree {
    public let label = "the working tree"
    private let repository: Repository
    private let workdir: String

    public init(repository: Repository) throws {
        guard let workdir = repository.workdir else {
            throw SnapshotError.unreadable(".", reason: "the repository is bare and has no working tree; pass --at REV")
        }
        self.repository = repository
        self.workdir = workdir
    }

    public func files(under folder: String) throws -> [SourceFile] {
        var result: [SourceFile] = []
        try walk(folder, into: &result)
        return result.sorted { $0.path.precedesInByteOrder($1.path) }
    }

    private func walk(_ folder: String, into result: inout [SourceFile]) throws {
        guard let directory = opendir(workdir + "/" + folder) else { return }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." || name == ".git" { continue }
            let path = folder + "/" + name
            guard let kind = try kind(of: path), try !repository.isIgnored(path) else { continue }
            if kind == .directory {
                try walk(path, into: &result)
            } else {
                result.append(SourceFile(path: path, kind: kind))
            }
        }
    }

    public func kind(of path: String) throws -> SourceKind? {
        var info = stat()
        guard lstat(workdir + "/" + path, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFLNK: return .symlink
        case S_IFDIR:
            var gitInfo = stat()
            return lstat(workdir + "/" + path + "/.git", &gitInfo) == 0 ? .submodule : .directory
        default: return nil
        }
    }

    public func contents(of path: String) throws -> [UInt8] {
        let full = workdir + "/" + path
        if try kind(of: path) == .symlink {
            var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
            let length = buffer.withUnsafeMutableBufferPointer { readlink(full, $0.baseAddress!, $0.count) }
            guard length >= 0 else { throw SnapshotError.unreadable(path, reason: String(cString: strerror(errno))) }
            return Array(buffer.prefix(length))
        }
        return try readFile(full, display: path)
    }

    public func lazyContents(of path: String) throws -> FileContent {
        if try kind(of: path) == .symlink { return FileContent(bytes: try contents(of: path)) }
        let full = workdir + "/" + path
        return FileContent(id: nil) { try readFile(full, display: path) }
    }
}

/// A whole file's bytes; `display` names it in the error.
func readFile(_ full: String, display: String) throws -> [UInt8] {
    let descriptor = open(full, O_RDONLY)
    guard descriptor >= 0 else { throw SnapshotError.unreadable(display, reason: String(cString: strerror(errno))) }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
        if count < 0 { throw SnapshotError.unreadable(display, reason: String(cString: strerror(errno))) }
        if count == 0 { return bytes }
        bytes.append(contentsOf: chunk.prefix(count))
    }
}
