/// Where and how to reach Consul. Build it with `fromEnvironment(_:overrides:)` to get the consul CLI's
/// behaviour; its `description` names the address and never a secret.
public struct ConsulConfiguration: Sendable, CustomStringConvertible {
    public enum Address: Sendable, Hashable {
        case tcp(host: String, port: Int)
        case unixSocket(path: String)
    }

    /// HTTP basic auth in front of Consul (`CONSUL_HTTP_AUTH`).
    public struct BasicAuth: Sendable, Hashable {
        public var username: String
        public var password: Secret

        public init(username: String, password: Secret) {
            self.username = username
            self.password = password
        }
    }

    /// Certificates for https; all paths, loaded when a client is made.
    public struct TLS: Sendable, Hashable {
        /// `CONSUL_HTTP_SSL_VERIFY=false` turns it off.
        public var verify = true
        public var caFile: String?
        /// A folder of PEM CA certificates, read as the consul CLI does: every file, whatever its name.
        public var caPath: String?
        public var clientCertificate: String?
        public var clientKey: String?
        /// The name sent as SNI and expected in the server's certificate, when it differs from the address.
        public var serverName: String?

        public init() {}
    }

    public var address: Address
    public var useTLS: Bool
    /// Where Consul's API sits behind a reverse proxy (`/consul` for `https://proxy/consul`); empty for none.
    public var pathPrefix = ""
    public var token: Secret?
    public var basicAuth: BasicAuth?
    public var tls: TLS
    public var datacenter: String?
    public var namespace: String?
    public var partition: String?
    public var connectTimeout: Duration
    /// Longest silence while waiting for or reading a response.
    public var readTimeout: Duration
    public var retry: RetryPolicy

    public static let defaultAddress = Address.tcp(host: "127.0.0.1", port: 8500)

    public init(
        address: Address = defaultAddress, useTLS: Bool = false, token: Secret? = nil, basicAuth: BasicAuth? = nil,
        tls: TLS = TLS(), datacenter: String? = nil, namespace: String? = nil, partition: String? = nil,
        connectTimeout: Duration = .seconds(5), readTimeout: Duration = .seconds(30), retry: RetryPolicy = RetryPolicy()
    ) {
        self.address = address
        self.useTLS = useTLS
        self.token = token
        self.basicAuth = basicAuth
        self.tls = tls
        self.datacenter = datacenter
        self.namespace = namespace
        self.partition = partition
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.retry = retry
    }

    /// The address as users write it: `http://127.0.0.1:8500`, `https://consul:8501`, `unix:///run/consul.sock`.
    public var addressDescription: String {
        switch address {
        case .tcp(let host, let port):
            "\(useTLS ? "https" : "http")://\(host.contains(":") ? "[\(host)]" : host):\(port)\(pathPrefix)"
        case .unixSocket(let path):
            "unix://\(path)"
        }
    }

    public var description: String {
        "Consul at \(addressDescription)" + (datacenter.map { " (datacenter \($0))" } ?? "")
    }

    /// Secrets that must never reach a message.
    var secrets: [Secret] { [token, basicAuth?.password].compactMap { $0 } }
}
