import Yams

/// Settings from the optional `kvctl.yaml` at the repository root. No file means these defaults.
/// Unknown settings are errors: a misspelt setting silently ignored is a release going wrong later.
public struct KVConfig: Sendable, Equatable {
    public static let fileName = "kvctl.yaml"

    /// The folder holding manifests, relative to the repository root.
    public var root = "kv"
    /// The folder holding JSON Schema documents, relative to the repository root.
    public var schemas = "schemas"
    /// What release tags start with: `v` makes version 1.4.0 the tag `v1.4.0`.
    public var tagPrefix = "v"
    /// The largest value accepted, in bytes: Consul's default `kv_max_value_size`.
    public var maxValueSize = 512 * 1024
    /// Rules attaching a schema or a content type to keys or repository paths, in file order.
    public var rules: [ContentRule] = []
    /// Key prefixes whose snippets a consumer concatenates into one Logstash pipeline.
    public var logstashPipelines: [String] = []
    /// Keys that other repositories define, which templates here may read.
    public var externalKeys: [KeyGlob] = []
    /// This repository's name in the store, under which its version record lives; nil means the
    /// repository folder's name.
    public var name: String?
    /// Where kvctl keeps version records in the store, one folder per repository name.
    public var metaPrefix = "kvctl/"
    /// Key prefixes where a publish also deletes keys the version does not define, whoever wrote them.
    public var prune: [String] = []
    /// Keys written in a publish's last transaction, telling consumers everything else is there.
    public var sentinels: [KeyGlob] = []
    public var transaction = TransactionLimits()
    /// How many deletions a publish may make without `--allow-deletes`.
    public var deleteGuard = DeleteGuard()
    /// Named Consul targets for `--env NAME`.
    public var environments: [String: ConsulEnvironment] = [:]

    public init() {}

    /// The largest size a setting may name. Consul keeps a whole KV entry in one Raft log entry, so
    /// sizes beyond a few hundred MiB cannot be served anyway; the cap keeps size arithmetic far from overflow.
    public static let largestSize = 1024 * 1024 * 1024

    static let settings = ["root", "schemas", "tag-prefix", "max-value-size", "rules", "logstash-pipelines", "external-keys",
                           "name", "meta-prefix", "prune", "sentinels", "transaction", "delete-guard", "environments"]

    /// Reads `kvctl.yaml` from a revision when it has one.
    public static func load(from source: SourceTree) throws -> (KVConfig, [Diagnostic]) {
        guard try source.kind(of: fileName) == .file else { return (KVConfig(), []) }
        return parse(try source.contents(of: fileName))
    }

    public static func parse(_ bytes: [UInt8], file: String = fileName) -> (KVConfig, [Diagnostic]) {
        switch YAMLDocument.compose(bytes, file: file) {
        case .failure(let diagnostic): return (KVConfig(), [diagnostic])
        case .success(let composed):
            guard let node = composed.root else { return (KVConfig(), composed.repeats) }
            var parser = SettingsParser(file: file)
            parser.parse(node)
            return (parser.config, (composed.repeats + parser.diagnostics).sortedByLocation())
        }
    }
}

/// `rules:` entry: keys (or repository paths) matching `glob` get `schema` and/or `type`.
public struct ContentRule: Sendable, Equatable {
    public enum Target: Sendable, Equatable {
        case keys(KeyGlob)
        case paths(KeyGlob)
    }

    public let target: Target
    public let schema: Located<String>?
    public let type: Located<String>?
    public let location: SourceLocation

    public func matches(_ entry: KVEntry) -> Bool {
        switch target {
        case .keys(let glob): glob.matches(entry.key)
        case .paths(let glob): entry.origin.file.map(glob.matches) ?? false
        }
    }
}

/// Reads each setting, reporting every problem with its position.
private struct SettingsParser {
    let file: String
    var config = KVConfig()
    var diagnostics: [Diagnostic] = []

    mutating func fail(_ node: Node, _ message: String, rule: Rule = LoaderRules.configInvalid) {
        diagnostics.append(rule.finding(at: YAMLDocument.location(of: node, in: file), message))
    }

    mutating func parse(_ node: Node) {
        guard let mapping = node.mapping else {
            return fail(node, "expected a mapping of settings (\(KVConfig.settings.joined(separator: ", ")))")
        }
        for (keyNode, value) in mapping {
            let name = keyNode.scalar?.string ?? ""
            switch name {
            case "root": config.root = folder(value, name) ?? config.root
            case "schemas": config.schemas = folder(value, name) ?? config.schemas
            case "tag-prefix": config.tagPrefix = tagPrefix(value) ?? config.tagPrefix
            case "max-value-size": config.maxValueSize = size(value) ?? config.maxValueSize
            case "rules": config.rules = list(value, name).compactMap { rule($0) }
            case "logstash-pipelines": config.logstashPipelines = list(value, name).compactMap { prefix($0, "logstash-pipelines entry") }
            case "name": config.name = repositoryName(value) ?? config.name
            case "meta-prefix": config.metaPrefix = prefix(value, name) ?? config.metaPrefix
            case "prune": config.prune = list(value, name).compactMap { prefix($0, "prune entry") }
            case "sentinels": config.sentinels = list(value, name).compactMap { text($0, "sentinels entry") }.map(KeyGlob.init)
            case "transaction": config.transaction = transaction(value) ?? config.transaction
            case "delete-guard": config.deleteGuard = deleteGuard(value) ?? config.deleteGuard
            case "environments": config.environments = environments(value)
            case "external-keys": config.externalKeys = list(value, name).compactMap { text($0, "external-keys entry") }.map(KeyGlob.init)
            default:
                fail(keyNode, "unknown setting '\(name)'; expected one of \(KVConfig.settings.joined(separator: ", "))",
                     rule: LoaderRules.configUnknownSetting)
            }
        }
    }

    private mutating func text(_ node: Node, _ name: String) -> String? {
        guard let scalar = node.scalar, !YAMLDocument.isNull(scalar) else {
            fail(node, "'\(name)' must be a non-empty text")
            return nil
        }
        return scalar.string
    }

    private mutating func list(_ node: Node, _ name: String) -> [Node] {
        guard let sequence = node.sequence else {
            fail(node, "'\(name)' must be a list")
            return []
        }
        return Array(sequence)
    }

    private mutating func folder(_ node: Node, _ name: String) -> String? {
        guard let raw = text(node, name) else { return nil }
        let trimmed = raw.hasSuffix("/") ? String(raw.dropLast()) : raw
        if trimmed.isEmpty || trimmed.split(separator: "/", omittingEmptySubsequences: false).contains(where: { ["", ".", ".."].contains($0) }) {
            fail(node, "'\(name)': expected a relative folder path inside the repository, like 'kv', without empty, '.' or '..' segments")
            return nil
        }
        return trimmed
    }

    /// Empty is allowed (tags like `1.4.0`); otherwise characters that are safe in any ref name,
    /// so every version gives a valid tag.
    private mutating func tagPrefix(_ node: Node) -> String? {
        let prefix = node.scalar?.string ?? ""
        let allowed = prefix.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "-_./".unicodeScalars.contains($0)
        }
        guard node.scalar != nil, allowed, !prefix.contains(".."), !prefix.contains("//"), !prefix.hasPrefix("/"),
              !prefix.hasPrefix("."), !prefix.hasPrefix("-") else {
            fail(node, "'tag-prefix': expected letters, digits, '-', '_', '.' and '/', like 'v' or 'release/'")
            return nil
        }
        return prefix
    }

    /// Bytes as a number, or with a KiB/MiB suffix (`512KiB`), at most `KVConfig.largestSize`.
    private mutating func size(_ node: Node, _ name: String = "max-value-size") -> Int? {
        let raw = (node.scalar?.string ?? "").replacingOccurrences(of: " ", with: "")
        let units = [("KiB", 1024), ("MiB", 1024 * 1024), ("", 1)]
        for (suffix, factor) in units where raw.hasSuffix(suffix) {
            guard let number = Int(raw.dropLast(suffix.count)), number > 0 else { continue }
            let (bytes, overflow) = number.multipliedReportingOverflow(by: factor)
            guard !overflow, bytes <= KVConfig.largestSize else {
                fail(node, "'\(name)': \(raw) is more than kvctl accepts; expected at most \(KVConfig.largestSize / (1024 * 1024))MiB")
                return nil
            }
            return bytes
        }
        fail(node, "'\(name)': expected a size in bytes, or with KiB or MiB, like 524288 or 512KiB")
        return nil
    }

    private mutating func prefix(_ node: Node, _ name: String) -> String? {
        guard let raw = text(node, name) else { return nil }
        let prefix = raw.hasSuffix("/") ? raw : raw + "/"
        if let problem = KeyRules.problem(with: String(prefix.dropLast())) {
            fail(node, "invalid key prefix '\(raw)': \(problem)")
            return nil
        }
        return prefix
    }

    /// One key segment: the record lives at `<meta-prefix><name>/record`.
    private mutating func repositoryName(_ node: Node) -> String? {
        guard let name = text(node, "name") else { return nil }
        guard !name.contains("/"), KeyRules.problem(with: name) == nil else {
            fail(node, "'name': expected one key segment without '/', like 'settings' or 'dashboards'")
            return nil
        }
        return name
    }

    private mutating func transaction(_ node: Node) -> TransactionLimits? {
        guard let fields = node.mapping else {
            fail(node, "'transaction' must be a mapping like {max-operations: 64, max-bytes: 512KiB}")
            return nil
        }
        var limits = TransactionLimits()
        for (name, value) in fields {
            switch name.scalar?.string ?? "" {
            case "max-operations":
                guard let count = value.scalar.flatMap({ Int($0.string) }), count > 1 else {
                    fail(value, "'max-operations': expected a number of operations above 1, like 64")
                    continue
                }
                limits.maxOperations = count
            case "max-bytes": limits.maxBytes = size(value, "max-bytes") ?? limits.maxBytes
            default:
                fail(name, "unknown transaction setting '\(name.scalar?.string ?? "?")'; expected max-operations or max-bytes",
                     rule: LoaderRules.configUnknownSetting)
            }
        }
        return limits
    }

    /// `off`, or `{percent: 25, keys: 500}` with either field left at its default.
    private mutating func deleteGuard(_ node: Node) -> DeleteGuard? {
        if let scalar = node.scalar, ["off", "false"].contains(scalar.string) { return .off }
        guard let fields = node.mapping else {
            fail(node, "'delete-guard' must be 'off' or a mapping like {percent: 25, keys: 500}")
            return nil
        }
        var guardSetting = DeleteGuard()
        for (name, value) in fields {
            let field = name.scalar?.string ?? ""
            let number = value.scalar.flatMap { Int($0.string.hasSuffix("%") ? String($0.string.dropLast()) : $0.string) }
            switch field {
            case "percent":
                guard let number, (0...100).contains(number) else {
                    fail(value, "'percent': expected a share of the owned keys from 0 to 100, like 25")
                    continue
                }
                guardSetting.percent = number
            case "keys":
                guard let number, number >= 0 else {
                    fail(value, "'keys': expected a number of keys, 0 or more, like 500")
                    continue
                }
                guardSetting.keys = number
            default:
                fail(name, "unknown delete-guard setting '\(field)'; expected percent or keys", rule: LoaderRules.configUnknownSetting)
            }
        }
        return guardSetting
    }

    private mutating func environments(_ node: Node) -> [String: ConsulEnvironment] {
        guard let mapping = node.mapping else {
            fail(node, "'environments' must be a mapping of names to {address, datacenter, token-file}")
            return [:]
        }
        var environments: [String: ConsulEnvironment] = [:]
        for (nameNode, value) in mapping {
            guard let name = text(nameNode, "environment name"), let fields = value.mapping else {
                fail(value, "an environment must be a mapping like {address: https://consul.example.com:8501, datacenter: dc1, token-file: ~/.consul-token}")
                continue
            }
            var environment = ConsulEnvironment()
            for (field, setting) in fields {
                switch field.scalar?.string ?? "" {
                case "address": environment.address = text(setting, "address")
                case "datacenter": environment.datacenter = text(setting, "datacenter")
                case "token-file": environment.tokenFile = text(setting, "token-file")
                case "token":
                    fail(field, "a token must not be written in the repository; put it in a file and name the file with 'token-file'")
                default:
                    fail(field, "unknown environment setting '\(field.scalar?.string ?? "?")'; expected address, datacenter or token-file",
                         rule: LoaderRules.configUnknownSetting)
                }
            }
            environments[name] = environment
        }
        return environments
    }

    private mutating func rule(_ node: Node) -> ContentRule? {
        guard let fields = node.mapping else {
            fail(node, "a rule must be a mapping like {keys: 'config/*/port', schema: types/port.schema.json}")
            return nil
        }
        let known = ["keys", "paths", "schema", "type"]
        for (name, _) in fields where !known.contains(name.scalar?.string ?? "") {
            fail(name, "unknown rule field '\(name.scalar?.string ?? "?")'; expected one of \(known.joined(separator: ", "))",
                 rule: LoaderRules.configUnknownSetting)
        }
        let at = YAMLDocument.location(of: node, in: file)
        let target: ContentRule.Target
        switch (fields["keys"], fields["paths"]) {
        case (let keys?, nil):
            guard let glob = text(keys, "keys") else { return nil }
            target = .keys(KeyGlob(glob))
        case (nil, let paths?):
            guard let glob = text(paths, "paths") else { return nil }
            target = .paths(KeyGlob(glob))
        default:
            fail(node, "a rule needs exactly one of 'keys' (a key glob) or 'paths' (a repository path glob)")
            return nil
        }
        let schema = fields["schema"].flatMap { located($0, "schema") }
        let type = fields["type"].flatMap { located($0, "type") }
        guard schema != nil || type != nil else {
            fail(node, "a rule needs 'schema', 'type' or both")
            return nil
        }
        return ContentRule(target: target, schema: schema, type: type, location: at)
    }

    private mutating func located(_ node: Node, _ name: String) -> Located<String>? {
        text(node, name).map { Located($0, at: YAMLDocument.location(of: node, in: file)) }
    }
}
