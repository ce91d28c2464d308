/// How big one `/v1/txn` request may be. Consul refuses more operations than the handler's `maxTxnOps`,
/// fixed in its code: 64 before Consul 1.14, 128 since (hashicorp/consul#14599); 64 suits both. When
/// `max-operations` is not set, a publish to a Consul that reports 1.14 or later uses 128.
/// Bodies over `txn_max_req_len` (512 KiB) are refused too.
public struct TransactionLimits: Sendable, Equatable {
    /// 64 unless set.
    public var maxOperations: Int {
        get { operations ?? 64 }
        set { operations = newValue }
    }
    public var maxBytes = 512 * 1024
    /// Nil until set (`transaction.max-operations`, or by code): only then is the server's limit used.
    public private(set) var operations: Int?

    public var followsServer: Bool { operations == nil }

    public init(maxOperations: Int? = nil, maxBytes: Int = 512 * 1024) {
        operations = maxOperations
        self.maxBytes = maxBytes
    }

    /// `maxTxnOps` of the Consul that reports `version` (`Config.Version` of `/v1/agent/self`, such as
    /// `1.14.0` or `1.15.2+ent`): 128 from 1.14 on, 64 before; nil when it is not a version.
    public static func consulMaxOperations(version: String) -> Int? {
        let numbers = version.split(separator: ".", maxSplits: 2).prefix(2).map { Int($0.prefix { $0.isASCII && $0.isNumber }) }
        guard numbers.count == 2, let major = numbers[0], let minor = numbers[1] else { return nil }
        return major > 1 || (major == 1 && minor >= 14) ? 128 : 64
    }
}

/// A named Consul in `kvctl.yaml` (`--env NAME`), and what it should run. The token itself never
/// lives in the repository: only the path of a file holding it.
public struct ConsulEnvironment: Sendable, Hashable {
    public var address: String?
    /// Where the environment's store is, in publishing order: the first is the canary.
    public var datacenters: [String]
    public var tokenFile: String?
    /// The release the environment should run (`version:` or `track:`); nil when nothing is pinned.
    public var pin: EnvironmentPin?
    /// The environment a release must have reached first (`after:`), and for how long (`soak:`, in
    /// seconds): the gates `kvctl promote` checks.
    public var after: String?
    public var soak: Int?
    /// `heal: true`: `kvctl agent` re-applies owned keys changed outside kvctl instead of only reporting them.
    public var heal = false

    public init(address: String? = nil, datacenters: [String] = [], tokenFile: String? = nil, pin: EnvironmentPin? = nil,
                after: String? = nil, soak: Int? = nil) {
        self.address = address
        self.datacenters = datacenters
        self.tokenFile = tokenFile
        self.pin = pin
        self.after = after
        self.soak = soak
    }

    public init(address: String? = nil, datacenter: String?, tokenFile: String? = nil) {
        self.init(address: address, datacenters: datacenter.map { [$0] } ?? [], tokenFile: tokenFile)
    }

    /// The one datacenter named, nil when none or several are (the agent's own datacenter, or a
    /// choice the caller must make).
    public var datacenter: String? { datacenters.count == 1 ? datacenters[0] : nil }
}

/// What an environment should run: one release, or the highest release in a range.
public enum EnvironmentPin: Sendable, Hashable, CustomStringConvertible {
    /// `version: v1.4.0`, as written (with or without the tag prefix).
    case version(String)
    case track(VersionTrack)

    public var description: String {
        switch self {
        case .version(let version): "version \(version)"
        case .track(let track): "track \(track)"
        }
    }
}

/// `track: latest`, `track: "1.x"` or `track: "1.4.x"`: npm's X-ranges (https://github.com/npm/node-semver#x-ranges-12x-1x-12-),
/// where `1.x` means `>=1.0.0 <2.0.0-0`. As npm does by default, pre-releases match only with
/// `pre: true` (node-semver's `includePrerelease`).
public struct VersionTrack: Sendable, Hashable, CustomStringConvertible {
    /// Nil for `latest`.
    public let major: Int?
    public let minor: Int?
    public let preReleases: Bool

    public init(major: Int? = nil, minor: Int? = nil, preReleases: Bool = false) {
        self.major = major
        self.minor = minor
        self.preReleases = preReleases
    }

    /// `latest`, `1`, `1.x`, `1.4`, `1.4.x` (`*` or `X` for `x`); nil otherwise.
    public init?(_ text: String, preReleases: Bool) {
        if text == "latest" || text == "*" || text == "x" || text == "X" {
            self.init(preReleases: preReleases)
            return
        }
        var parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        while let last = parts.last, ["x", "X", "*"].contains(last), parts.count > 1 { parts.removeLast() }
        let numbers = parts.map { part -> Int? in
            guard !part.isEmpty, part.count <= 9, part.allSatisfy(\.isASCII), part.allSatisfy(\.isNumber),
                  part == "0" || !part.hasPrefix("0") else { return nil }
            return Int(part)
        }
        guard (1...2).contains(numbers.count), numbers.allSatisfy({ $0 != nil }) else { return nil }
        self.init(major: numbers[0], minor: numbers.count > 1 ? numbers[1] : nil, preReleases: preReleases)
    }

    public func matches(_ version: SemanticVersion) -> Bool {
        (major.map { $0 == version.major } ?? true) && (minor.map { $0 == version.minor } ?? true)
            && (version.preRelease.isEmpty || preReleases)
    }

    /// The highest of `versions` in the range.
    public func highest(of versions: [SemanticVersion]) -> SemanticVersion? {
        versions.filter(matches).max()
    }

    public var description: String {
        let range = major.map { major in minor.map { "\(major).\($0).x" } ?? "\(major).x" } ?? "latest"
        return preReleases ? range + " (pre-releases too)" : range
    }
}

/// `delete-guard`: how many deletions a publish or rollback may make without `--allow-deletes N`, as
/// a share of the keys the repository owns and as a count; the smaller limit wins. Peer tools have
/// wiped whole stores after a bad merge or an empty root: the guard makes such a plan stop and ask.
public struct DeleteGuard: Sendable, Equatable {
    /// Nil turns the guard off (`delete-guard: off`).
    public var percent: Int?
    public var keys: Int

    public init(percent: Int? = 25, keys: Int = 500) {
        self.percent = percent
        self.keys = keys
    }

    public static let off = DeleteGuard(percent: nil, keys: Int.max)

    /// The most deletions allowed when the repository owns `owned` keys; the share is rounded up, so
    /// one deletion among 4 owned keys passes at 25%. A first publish owns nothing, so any deletion
    /// (by `prune:`) needs `--allow-deletes`.
    public func limit(owned: Int) -> Int {
        guard let percent else { return Int.max }
        return min(keys, (owned * percent + 99) / 100)
    }
}

/// The keys and prefixes one consul-template template in the version reads (literal arguments of
/// `key`, `keyOrDefault`, `keyExists`, `ls`, `safeLs`, `tree`, `safeTree`, this datacenter only).
/// A publish writes each read set in one transaction when it fits, so the template never renders
/// half old, half new.
public struct TemplateReadSet: Sendable, Hashable {
    /// The template's own key.
    public let template: String
    public let keys: [String]
    /// Raw prefixes, as Consul lists them (`config/a` also lists `config/ab`).
    public let prefixes: [String]

    public init(template: String, keys: [String], prefixes: [String]) {
        self.template = template
        self.keys = keys
        self.prefixes = prefixes
    }

    public func reads(_ key: String) -> Bool {
        keys.contains(key) || prefixes.contains { key.hasPrefix($0) }
    }
}
