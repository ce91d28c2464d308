#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GitKit
import KVCore
import Synchronization

/// Validation results kept in the git folder (`.git/kvctl/cache`) between runs, so a pre-commit
/// run re-checks only what changed. The file holds one context: the kvctl binary, the settings
/// validation reads (not the environments' pins and connections: promoting a release must not make
/// the next commit re-check everything) and the schema blobs. Any change to those discards every record; records are otherwise
/// keyed by everything they depend on, so they never go stale, and records a run did not use are
/// dropped when it saves.
public final class ResultCache: ResultMemo {
    private static let magic = "kvctl-cache 1"
    private let path: String
    private let context: String
    private let state: Mutex<State>

    private struct State {
        var records: [String: [UInt8]]
        var used: Set<String> = []
        var changed = false
    }

    init(gitDirectory: String, context: String) {
        let folder = gitDirectory.hasSuffix("/") ? gitDirectory + "kvctl" : gitDirectory + "/kvctl"
        path = folder + "/cache"
        self.context = context
        state = Mutex(State(records: Self.read(path, context: context) ?? [:]))
    }

    public func recall(_ key: String) -> [UInt8]? {
        state.withLock { state in
            guard let record = state.records[key] else { return nil }
            state.used.insert(key)
            return record
        }
    }

    public func store(_ key: String, _ record: [UInt8]) {
        state.withLock { state in
            state.records[key] = record
            state.used.insert(key)
            state.changed = true
        }
    }

    /// Writes the records this run used, when anything differs from the file. The cache only saves
    /// time, so a repository kvctl cannot write to is not an error.
    public func save() {
        let (records, changed) = state.withLock { state in
            (state.records.filter { state.used.contains($0.key) }, state.changed || state.used.count != state.records.count)
        }
        guard changed else { return }
        var writer = RecordWriter()
        writer.write(Self.magic)
        writer.write(context)
        writer.write(records.sorted { $0.key < $1.key }) { writer, record in
            writer.write(record.key)
            writer.write(record.value)
        }
        let folder = String(path.dropLast("/cache".count))
        mkdir(folder, 0o755)
        let temporary = path + ".\(getpid())"
        guard let file = fopen(temporary, "wb") else { return }
        let written = writer.bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
        if written == writer.bytes.count { rename(temporary, path) } else { unlink(temporary) }
    }

    private static func read(_ path: String, context: String) -> [String: [UInt8]]? {
        guard let bytes = try? readFile(path, display: path) else { return nil }
        var reader = RecordReader(bytes)
        guard reader.string() == magic, reader.string() == context,
              let records = reader.list({ reader -> (String, [UInt8])? in
                  guard let key = reader.string(), let record = reader.raw() else { return nil }
                  return (key, record)
              }) else { return nil }
        return Dictionary(records, uniquingKeysWith: { _, last in last })
    }
}

extension ResultCache {
    /// The cache for a revision whose settings and schemas have blob ids (a commit or the index);
    /// nil for the working tree, whose files would have to be read to be identified.
    static func open(for source: SourceTree, config: KVConfig, repository: Repository) throws -> ResultCache? {
        if try source.kind(of: KVConfig.fileName) != nil, try source.lazyContents(of: KVConfig.fileName).id == nil { return nil }
        var parts = [toolIdentity, config.validationIdentity]
        for path in try source.kind(of: config.schemas) == .directory ? try source.files(under: config.schemas).map(\.path) : [] {
            guard try source.kind(of: path) != nil else { parts.append("\(path) absent"); continue }
            guard let id = try source.lazyContents(of: path).id else { return nil }
            parts.append("\(path) \(id)")
        }
        return ResultCache(gitDirectory: repository.gitDirectory, context: parts.joined(separator: "\n"))
    }

    /// The running executable's size and modification time: a rebuilt kvctl may check differently.
    private static let toolIdentity: String = {
        var info = stat()
        guard stat("/proc/self/exe", &info) == 0 || stat(CommandLine.arguments[0], &info) == 0 else {
            return "kvctl unknown build \(getpid())"
        }
        return "kvctl \(info.st_size) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
    }()
}
