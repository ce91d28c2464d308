import KVCore

/// An in-memory revision for core tests: files, folders implied by their paths, and symlinks.
public struct MemoryTree: SourceTree {
    public let label = "memory"
    private var files: [String: [UInt8]] = [:]
    private var links: [String: String] = [:]

    public init(_ files: [String: String] = [:], symlinks: [String: String] = [:]) {
        self.files = files.mapValues { Array($0.utf8) }
        links = symlinks
    }

    /// Files given as bytes, for content that is not UTF-8.
    public init(bytes files: [String: [UInt8]]) {
        self.files = files
    }

    public func files(under folder: String) throws -> [SourceFile] {
        let prefix = folder + "/"
        let regular = files.keys.filter { $0.hasPrefix(prefix) }.map { SourceFile(path: $0, kind: .file) }
        let symlinks = links.keys.filter { $0.hasPrefix(prefix) }.map { SourceFile(path: $0, kind: .symlink) }
        return (regular + symlinks).sorted { $0.path < $1.path }
    }

    public func kind(of path: String) throws -> SourceKind? {
        if files[path] != nil { return .file }
        if links[path] != nil { return .symlink }
        let prefix = path + "/"
        return (files.keys.contains { $0.hasPrefix(prefix) } || links.keys.contains { $0.hasPrefix(prefix) }) ? .directory : nil
    }

    public func contents(of path: String) throws -> [UInt8] {
        if let bytes = files[path] { return bytes }
        if let target = links[path] { return Array(target.utf8) }
        throw FixtureError("no file \(path)")
    }
}
