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
