/// Resolves a manifest's `file:` reference to the repository file whose bytes become the value,
/// following symlinks the way the filesystem would, and refusing anything that leaves the repository
/// or enters a git folder.
struct PathResolver {
    enum Outcome {
        case file(String, via: [String])
        /// The path ends at a folder: never a value, but what a symlink under the root may lead to.
        case folder(String)
        case failure(String)
    }

    let source: SourceTree
    private var kinds: [String: SourceKind?] = [:]
    /// Every symlink followed so far, whether or not the path it was on resolved.
    private(set) var followed: Set<String> = []

    init(source: SourceTree) {
        self.source = source
    }

    /// `reference` is relative to `folder` (the manifest's folder, repository-relative).
    mutating func resolve(_ reference: String, from folder: String) throws -> Outcome {
        if reference.isEmpty { return .failure("the path is empty; expected a path relative to the manifest's folder") }
        if reference.hasPrefix("/") {
            return .failure("'\(reference)' is an absolute path; expected a path relative to the manifest's folder")
        }
        var pending = ArraySlice(segments(folder) + segments(reference))
        var resolved: [String] = []
        var links: [String] = []
        while let part = pending.popFirst() {
            switch part {
            case "", ".": continue
            case "..":
                guard resolved.popLast() != nil else { return .failure(escapeMessage(reference, links)) }
                continue
            // git's own files (config with remote URLs that often carry tokens, hooks, objects) are never
            // values; git refuses to track any case of `.git`, so only a link or a work tree can reach one.
            case let name where name.lowercased() == ".git":
                return .failure("'\((resolved + [part]).joined(separator: "/"))' is inside a git folder"
                    + (links.isEmpty ? "" : " (reached through symlink '\(links.last!)')")
                    + "; kvctl never reads git's own files, whose remote URLs often carry tokens")
            default: resolved.append(part)
            }
            let path = resolved.joined(separator: "/")
            switch try kind(of: path) {
            case nil:
                return .failure("no file at '\(path)'" + (links.isEmpty ? "" : " (reached through symlink '\(links.last!)')"))
            case .directory?:
                if pending.isEmpty { return .folder(path) }
            case .submodule?:
                return .failure("'\(path)' is a submodule; expected a file tracked by this repository")
            case .file?:
                guard pending.isEmpty else { return .failure("'\(path)' is a file, so '\(reference)' cannot continue below it") }
                return .file(path, via: links)
            case .symlink?:
                links.append(path)
                followed.insert(path)
                if links.count > 40 { return .failure("too many levels of symlinks at '\(path)'") }
                let target = String(decoding: try source.contents(of: path), as: UTF8.self)
                if target.hasPrefix("/") {
                    return .failure("symlink '\(path)' points to the absolute path '\(target)', outside the repository")
                }
                resolved.removeLast()
                pending = ArraySlice(segments(target)) + pending
            }
        }
        return .failure("the path is empty; expected a path relative to the manifest's folder")
    }

    private mutating func kind(of path: String) throws -> SourceKind? {
        if let known = kinds[path] { return known }
        let found = try source.kind(of: path)
        kinds[path] = found
        return found
    }

    private func escapeMessage(_ reference: String, _ links: [String]) -> String {
        if let link = links.last {
            return "symlink '\(link)' leads outside the repository; expected a target inside it"
        }
        return "'\(reference)' leads outside the repository through '..'; expected a path inside it"
    }

    private func segments(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }
}
