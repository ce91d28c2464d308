import CLibGit2

/// The staging area. Keeps its repository alive.
public final class Index {
    let pointer: OpaquePointer
    public let repository: Repository

    init(pointer: OpaquePointer, repository: Repository) {
        self.pointer = pointer
        self.repository = repository
    }

    deinit { git_index_free(pointer) }

    /// Every stage-0 entry (conflicted paths have no stage 0 and are skipped), sorted by path.
    public func entries() -> [GitEntry] {
        var result: [GitEntry] = []
        let count = git_index_entrycount(pointer)
        result.reserveCapacity(count)
        for position in 0..<count {
            guard let entry = git_index_get_byindex(pointer, position)?.pointee else { continue }
            // Stage bits live in flags (GIT_INDEX_ENTRY_STAGEMASK, shifted by GIT_INDEX_ENTRY_STAGESHIFT).
            guard (Int32(entry.flags) & 0x3000) >> 12 == 0 else { continue }
            let mode = FileMode(rawMode: entry.mode) ?? .blob
            result.append(GitEntry(path: String(cString: entry.path), id: ObjectID(entry.id), mode: mode))
        }
        return result
    }

    /// Paths with unresolved merge conflicts: the staged view is not well defined for them.
    public var conflictedPaths: [String] {
        var paths: Set<String> = []
        for position in 0..<git_index_entrycount(pointer) {
            guard let entry = git_index_get_byindex(pointer, position)?.pointee else { continue }
            if (Int32(entry.flags) & 0x3000) >> 12 != 0 { paths.insert(String(cString: entry.path)) }
        }
        return paths.sorted()
    }
}
