import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// A Consul test double: a real HTTP/1.1 server on loopback serving the KV, txn and session API kvctl
/// uses, with fault switches and request counters. A test tool, not a Consul: no Raft, one index for
/// every write; KV reads block on `?index=` as Consul's do; other datacenters (`DoubleOptions.remoteDatacenters`) are separate stores behind the same listener.
///
/// ```swift
/// let double = try await ConsulDouble.start()
/// double.seed(["config/a": "1"])
/// double.faults.failNext(count: 2, status: 500)
/// // ... point a client at double.baseURL ...
/// try await double.stop()
/// ```
public final class ConsulDouble: Sendable {
    public let options: DoubleOptions
    /// `http://127.0.0.1:PORT` (`https://` with `options.tls`) without a trailing slash, or `unix:///path` on a socket.
    public let baseURL: String
    /// 0 on a Unix socket.
    public let port: Int
    public var faults: Faults { core.faults }
    /// Advance it to make session TTLs and lock delays lapse without waiting.
    public var clock: DoubleClock { core.clock }

    private let core: DoubleCore
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel

    private init(options: DoubleOptions, core: DoubleCore, group: MultiThreadedEventLoopGroup, channel: any Channel, port: Int) {
        self.options = options
        self.core = core
        self.group = group
        self.channel = channel
        self.port = port
        baseURL = options.unixSocketPath.map { "unix://\($0)" }
            ?? "\(options.tls == nil ? "http" : "https")://\(options.host.contains(":") ? "[\(options.host)]" : options.host):\(port)"
    }

    public static func start(_ options: DoubleOptions = DoubleOptions()) async throws -> ConsulDouble {
        let core = DoubleCore(options: options)
        let sslContext = try options.tls.map(makeSSLContext)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let bootstrap = ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let sslContext {
                            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
                        }
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(HTTPServerHandler(core: core))
                    }
                }
            let channel =
                if let path = options.unixSocketPath {
                    try await bootstrap.bind(unixDomainSocketPath: path).get()
                } else {
                    try await bootstrap.bind(host: options.host, port: options.port).get()
                }
            let port = channel.localAddress?.port ?? 0
            return ConsulDouble(options: options, core: core, group: group, channel: channel, port: port)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private static func makeSSLContext(_ tls: DoubleTLS) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(tls.certificateChainFile).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: tls.privateKeyFile, format: .pem)))
        if let clientCAFile = tls.clientCAFile {
            // Clients have no host name to check; their certificate must chain to the given CAs.
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .file(clientCAFile)
        }
        return try NIOSSLContext(configuration: configuration)
    }

    /// Closes the listener and every open connection.
    public func stop() async throws {
        try? await channel.close()
        try await group.shutdownGracefully()
    }

    /// Every entry of the namespace `scope` in `datacenter` (the agent's when nil), sorted by key as Consul orders them.
    public func snapshot(in scope: KVScope = .default, datacenter: String? = nil) -> [DoubleEntry] {
        let now = clock.now
        return (core.states[datacenter ?? options.datacenter] ?? core.state).withLockedValue { state in
            state.expireSessions(now: now)
            return state.entries(under: "", in: scope)
        }
    }

    /// Writes `values` (UTF-8, flags 0) as one raft entry, as if a client had put them.
    public func seed(_ values: [String: String]) {
        seed(values.map { DoubleEntry(key: $0.key, value: Array($0.value.utf8)) })
    }

    /// Writes `entries` with their values and flags as one raft entry; their indexes are assigned.
    public func seed(_ entries: [DoubleEntry]) {
        core.state.withLockedValue { state in
            state.write { state, index in
                for entry in entries { state.seed(entry, at: index) }
            }
        }
    }

    /// Forgets the tombstones of deletions at or before `index` in the agent's datacenter, as Consul's
    /// tombstone GC does after a while: listings under a deleted key's prefix may answer a lower index.
    public func reapTombstones(through index: UInt64) {
        core.state.withLockedValue { $0.reapTombstones(through: index) }
    }

    /// The current raft index.
    public var index: UInt64 { core.state.withLockedValue { $0.index } }

    /// Live sessions' IDs.
    public var sessionIDs: [String] {
        let now = clock.now
        return core.state.withLockedValue { state in
            state.expireSessions(now: now)
            return state.sessions.keys.sorted()
        }
    }

    /// Every request received so far, faulted ones included.
    public var requestCount: Int { core.requestCounts.total }
    public var requestCounts: RequestCounts { core.requestCounts }
    /// The last 1,000 requests, oldest first.
    public var recentRequests: [RecordedRequest] { core.recentRequests }
}
