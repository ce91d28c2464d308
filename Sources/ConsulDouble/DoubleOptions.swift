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
    /// When set, every request must carry it (`X-Consul-Token` or `Authorization: Bearer`), else `403`.
    public var token: String?
    /// Key prefixes the token may not write: a plain write answers `403`, a transaction `409` naming the operation.
    public var deniedWritePrefixes: [String]
    /// `maxTxnOps` in the Consul versions most installations run.
    public var maxTransactionOperations: Int
    /// `kv_max_value_size`.
    public var maxValueSize: Int
    /// `txn_max_req_len`.
    public var maxTransactionBodySize: Int

    public init(
        host: String = "127.0.0.1", port: Int = 0, unixSocketPath: String? = nil, tls: DoubleTLS? = nil, datacenter: String = "dc1", token: String? = nil,
        deniedWritePrefixes: [String] = [], maxTransactionOperations: Int = 64,
        maxValueSize: Int = 512 * 1024, maxTransactionBodySize: Int = 512 * 1024
    ) {
        self.host = host
        self.port = port
        self.unixSocketPath = unixSocketPath
        self.tls = tls
        self.datacenter = datacenter
        self.token = token
        self.deniedWritePrefixes = deniedWritePrefixes
        self.maxTransactionOperations = maxTransactionOperations
        self.maxValueSize = maxValueSize
        self.maxTransactionBodySize = maxTransactionBodySize
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
