/// How big one `/v1/txn` request may be. Consul refuses more operations than the handler's `maxTxnOps`,
/// fixed in its code: 64 before Consul 1.14, 128 since (hashicorp/consul#14599); 64 suits both, and the
/// setting may raise it. Bodies over `txn_max_req_len` (512 KiB) are refused too.
public struct TransactionLimits: Sendable, Equatable {
    public var maxOperations = 64
    public var maxBytes = 512 * 1024

    public init(maxOperations: Int = 64, maxBytes: Int = 512 * 1024) {
        self.maxOperations = maxOperations
        self.maxBytes = maxBytes
    }
}

/// A named Consul in `kvctl.yaml` (`--env NAME`). The token itself never lives in the repository:
/// only the path of a file holding it.
public struct ConsulEnvironment: Sendable, Hashable {
    public var address: String?
    public var datacenter: String?
    public var tokenFile: String?

    public init(address: String? = nil, datacenter: String? = nil, tokenFile: String? = nil) {
        self.address = address
        self.datacenter = datacenter
        self.tokenFile = tokenFile
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
