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

    /// Every setting validation can read, as one text: all but `environments`, which say where a
    /// release goes, never whether it is valid. Rule positions are in it, since findings cite them.
    public var validationIdentity: String {
        var settings = self
        settings.environments = [:]
        return String(reflecting: settings)
    }

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
            fail(node, "'environments' must be a mapping of names to {address, datacenters, token-file, version or track}")
            return [:]
        }
        var environments: [String: ConsulEnvironment] = [:], afterNodes: [(String, Node)] = []
        for (nameNode, value) in mapping {
            guard let name = text(nameNode, "environment name"), let fields = value.mapping else {
                fail(value, "an environment must be a mapping like {address: https://consul.example.com:8501, datacenters: [dc1], token-file: ~/.consul-token, track: latest}")
                continue
            }
            var environment = ConsulEnvironment()
            var version: String?, track: Node?, pre: Node?, datacenter: Node?, datacenters: Node?
            for (field, setting) in fields {
                switch field.scalar?.string ?? "" {
                case "address": environment.address = text(setting, "address")
                case "datacenter": datacenter = setting
                case "datacenters": datacenters = setting
                case "token-file": environment.tokenFile = text(setting, "token-file")
                case "version": version = releaseTag(setting)
                case "track": track = setting
                case "pre": pre = setting
                case "after":
                    environment.after = text(setting, "after")
                    afterNodes.append((name, setting))
                case "soak": environment.soak = soak(setting)
                case "heal":
                    guard let flag = setting.scalar.flatMap({ ["true": true, "false": false][$0.string] }) else {
                        fail(setting, "'heal': expected true or false")
                        continue
                    }
                    environment.heal = flag
                case "token":
                    fail(field, "a token must not be written in the repository; put it in a file and name the file with 'token-file'")
                default:
                    fail(field, "unknown environment setting '\(field.scalar?.string ?? "?")'; expected \(Self.environmentFields)",
                         rule: LoaderRules.configUnknownSetting)
                }
            }
            switch (datacenter, datacenters) {
            case (let one?, nil): environment.datacenters = text(one, "datacenter").map { [$0] } ?? []
            case (nil, let list?): environment.datacenters = datacenterList(list)
            case (_?, _?): fail(value, "environment '\(name)' names both 'datacenter' and 'datacenters'; keep 'datacenters: [dc1, dc2]'")
            case (nil, nil): break
            }
            if environment.soak != nil && fields["after"] == nil {
                fail(value, "environment '\(name)' has 'soak' without 'after': a soak is how long a release must have run in the 'after' environment")
            }
            environment.pin = pin(value, name: name, version: version, track: track, pre: pre)
            environments[name] = environment
        }
        for (name, node) in afterNodes {
            checkGate(node, of: name, in: environments)
        }
        return environments
    }

    static let environmentFields = "address, datacenters, token-file, version, track, pre, after, soak or heal"

    /// A release tag like `v1.4.0`; the tag prefix may be set later in the file, so any text whose
    /// end is a semantic version passes here and the tag itself is looked up when the pin is used.
    private mutating func releaseTag(_ node: Node) -> String? {
        guard let tag = text(node, "version") else { return nil }
        guard let start = tag.firstIndex(where: \.isNumber), SemanticVersion(String(tag[start...])) != nil else {
            fail(node, "'version': expected a release tag like v1.4.0")
            return nil
        }
        return tag
    }

    private mutating func pin(_ environment: Node, name: String, version: String?, track: Node?, pre: Node?) -> EnvironmentPin? {
        var preReleases = false
        if let pre {
            guard let flag = pre.scalar.flatMap({ ["true": true, "false": false][$0.string] }) else {
                fail(pre, "'pre': expected true or false")
                return nil
            }
            preReleases = flag
            if track == nil { fail(pre, "'pre' goes with 'track': a 'version' names its release exactly") }
        }
        switch (version, track) {
        case (_, _?) where version != nil:
            fail(environment, "environment '\(name)' names both 'version' and 'track'; pin one release or follow a range, not both")
            return nil
        case (let version?, nil): return .version(version)
        case (nil, let track?):
            guard let range = text(track, "track"), let parsed = VersionTrack(range, preReleases: preReleases) else {
                fail(track, "'track': expected latest or a version range like \"1.x\" or \"1.4.x\"")
                return nil
            }
            return .track(parsed)
        default: return nil
        }
    }

    private mutating func datacenterList(_ node: Node) -> [String] {
        let names = list(node, "datacenters").compactMap { text($0, "datacenters entry") }
        if names.isEmpty, node.sequence != nil { fail(node, "'datacenters': expected at least one datacenter, like [dc1, dc2]") }
        if Set(names).count != names.count { fail(node, "'datacenters': a datacenter is listed twice") }
        return names
    }

    /// `30m`, `2h`, `1h30m`, `1d`: Go's duration units (https://pkg.go.dev/time#ParseDuration) from
    /// seconds up, with days added; stored in seconds.
    private mutating func soak(_ node: Node) -> Int? {
        guard let seconds = DurationText.seconds(node.scalar?.string ?? "") else {
            fail(node, "'soak': expected a duration like 30m, 2h or 1h30m (s, m, h, d), at most 366d")
            return nil
        }
        return seconds
    }

    /// `after:` names another environment, and following the chain never returns to `name`.
    private mutating func checkGate(_ node: Node, of name: String, in environments: [String: ConsulEnvironment]) {
        guard let first = environments[name]?.after else { return }
        guard environments[first] != nil else {
            let known = environments.keys.filter { $0 != name }.sorted()
            return fail(node, "'after': no environment '\(first)'" + (known.isEmpty ? "" : "; the others are \(known.joined(separator: ", "))"))
        }
        var chain = [name], next: String? = first
        while let current = next, !chain.contains(current) {
            chain.append(current)
            next = environments[current]?.after
        }
        if next == name {
            fail(node, "'after': environment '\(name)' waits for itself (\((chain + [name]).joined(separator: " → "))); the gates must not form a cycle")
        }
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
