import KVCore

/// How a `ConsulDouble` behaves; the defaults are Consul's.
public struct DoubleOptions: Sendable {
    public var host: String
    /// 0 picks a free port.
    public var port: Int
    /// Listen on this Unix domain socket instead of `host:port` (the file must not exist).
    public var unixSocketPath: String?
    /// Serve https instead of http.
    public var tls: DoubleTLS?
    public var datacenter: String
    /// The agent's own catalog node, a server of `datacenter`: sessions created without a `Node` are bound to it.
    public var nodeName: String
    /// Other datacenters reachable with `?dc=`, each with its own store and the server nodes its catalog
    /// lists (none: a datacenter whose catalog shows no server to this token).
    public var remoteDatacenters: [String: [String]]
    /// When set, every request must carry it (`X-Consul-Token` or `Authorization: Bearer`), else `403`.
    public var token: String?
    /// Key prefixes the token may not write: a plain write answers `403`, a transaction `409` naming the operation.
    public var deniedWritePrefixes: [String]
    /// Key prefixes the token may not read: a recursive read leaves them out (with
    /// `X-Consul-Results-Filtered-By-ACLs: true` when the request carried a token), a single read answers `403`.
    public var deniedReadPrefixes: [String]
    /// What `/v1/agent/self` reports as `Config.Version` (Consul's `VersionWithMetadata()`, such as
    /// `1.14.0` or `1.15.2+ent`); it decides the transaction limit unless that is set.
    public var version: String
    /// The token lacks `agent:read`: `/v1/agent/self` answers 403 (agent/agent_endpoint.go `AgentSelf`).
    public var deniesAgentRead: Bool
    /// `maxTxnOps`, fixed in Consul's code (not a setting): 64 before Consul 1.14, 128 since
    /// (hashicorp/consul#14599); `version`'s unless set.
    public var maxTransactionOperations: Int {
        get { transactionLimit ?? TransactionLimits.consulMaxOperations(version: version) ?? 64 }
        set { transactionLimit = newValue }
    }
    private var transactionLimit: Int?
    /// Consul 1.21.5's key check: any key outside `^[a-zA-Z0-9,_./\-?&=]+$` in a `/v1/kv/` path,
    /// reads included, answers 500 (hashicorp/consul#22835, introduced by hashicorp/consul#22682).
    public var validatesKeysAs1_21_5: Bool
    /// `kv_max_value_size`.
    public var maxValueSize: Int
    /// `txn_max_req_len`.
    public var maxTransactionBodySize: Int
    /// A loaded Consul answers renewals with a TTL above the session's, asking clients to renew less
    /// often (Consul's session API docs, "Renew Session"); nil echoes the session's TTL.
    public var renewalTTL: String?

    public init(
        host: String = "127.0.0.1", port: Int = 0, unixSocketPath: String? = nil, tls: DoubleTLS? = nil, datacenter: String = "dc1", token: String? = nil,
        deniedWritePrefixes: [String] = [], maxTransactionOperations: Int? = nil, version: String = "1.13.7", deniesAgentRead: Bool = false,
        maxValueSize: Int = 512 * 1024, maxTransactionBodySize: Int = 512 * 1024,
        nodeName: String = "consul-double", remoteDatacenters: [String: [String]] = [:], deniedReadPrefixes: [String] = [],
        validatesKeysAs1_21_5: Bool = false
    ) {
        self.host = host
        self.port = port
        self.unixSocketPath = unixSocketPath
        self.tls = tls
        self.datacenter = datacenter
        self.token = token
        self.deniedWritePrefixes = deniedWritePrefixes
        transactionLimit = maxTransactionOperations
        self.version = version
        self.deniesAgentRead = deniesAgentRead
        self.maxValueSize = maxValueSize
        self.maxTransactionBodySize = maxTransactionBodySize
        self.nodeName = nodeName
        self.remoteDatacenters = remoteDatacenters
        self.deniedReadPrefixes = deniedReadPrefixes
        self.validatesKeysAs1_21_5 = validatesKeysAs1_21_5
    }

    /// The server nodes `datacenter`'s catalog lists; nil for a datacenter the double does not serve.
    func servers(in datacenter: String) -> [String]? {
        datacenter == self.datacenter ? [nodeName] : remoteDatacenters[datacenter]
    }
}

/// The double's TLS listener: PEM files, read when the double starts.
public struct DoubleTLS: Sendable {
    public var certificateChainFile: String
    public var privateKeyFile: String
    /// When set, clients must present a certificate signed by one of these CAs (mutual TLS).
    public var clientCAFile: String?

    public init(certificateChainFile: String, privateKeyFile: String, clientCAFile: String? = nil) {
        self.certificateChainFile = certificateChainFile
        self.privateKeyFile = privateKeyFile
        self.clientCAFile = clientCAFile
    }
}
