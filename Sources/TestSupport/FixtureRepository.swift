import Foundation

/// A real git repository in a temporary folder, built with the git CLI (tests only: the product
/// itself never runs git). Removed when the value is released.
public final class FixtureRepository: @unchecked Sendable {
    public let url: URL
    public var path: String { url.path }

    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("kvctl-fixture-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try git("init", "-q", "-b", "main")
        try git("config", "user.name", "Fixture Tagger")
        try git("config", "user.email", "fixture@example.com")
        try git("config", "commit.gpgsign", "false")
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// A fixture holding, committed, the files of `paths` in the checkout at `root` that git tracks (what
    /// a fresh clone has), so tests of the project's own tree never see a developer's untracked or
    /// ignored files. Where git cannot read `root` (a source archive), every file under `paths`.
    public static func copy(of paths: [String], in root: URL) throws -> FixtureRepository {
        let fixture = try FixtureRepository()
        let listed = try run("/usr/bin/env", ["git", "ls-files", "-z", "--"] + paths, in: root)
        let files = listed.status == 0
            ? listed.standardOutput.split(separator: "\0").map(String.init)
            : paths.flatMap { path -> [String] in
                let enumerator = FileManager.default.enumerator(atPath: root.appendingPathComponent(path).path)
                let nested = (enumerator?.allObjects as? [String] ?? []).map { path + "/" + $0 }
                return nested.isEmpty ? [path] : nested
            }
        for file in files {
            var isFolder: ObjCBool = false
            let source = root.appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: source.path, isDirectory: &isFolder), !isFolder.boolValue else { continue }
            try fixture.write(file, bytes: Array(try Data(contentsOf: source)))
        }
        try fixture.commitAll("copy of \(paths.joined(separator: ", "))")
        return fixture
    }

    /// Writes `text` (or raw bytes) at a repository-relative path, creating folders.
    public func write(_ relativePath: String, _ text: String) throws {
        try write(relativePath, bytes: Array(text.utf8))
    }

    public func write(_ relativePath: String, bytes: [UInt8]) throws {
        let file = url.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: file)
    }

    public func symlink(_ relativePath: String, to target: String) throws {
        let file = url.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: file.path, withDestinationPath: target)
    }

    public func remove(_ relativePath: String) throws {
        try FileManager.default.removeItem(at: url.appendingPathComponent(relativePath))
    }

    /// Stages everything and commits; returns the new commit's id.
    @discardableResult
    public func commitAll(_ message: String = "change") throws -> String {
        try git("add", "-A")
        try git("commit", "-q", "-m", message)
        return try git("rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @discardableResult
    public func git(_ arguments: String...) throws -> String {
        let result = try run("/usr/bin/env", ["git"] + arguments, in: url)
        guard result.status == 0 else {
            throw FixtureError("git \(arguments.joined(separator: " ")) failed: \(result.standardError)")
        }
        return result.standardOutput
    }
}

public struct FixtureError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
