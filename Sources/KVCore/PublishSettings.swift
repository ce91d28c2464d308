/// How big one `/v1/txn` request may be. Consul refuses more than 64 operations (the handler's
/// `maxTxnOps` in the versions most installations run) and bodies over `txn_max_req_len` (512 KiB).
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
