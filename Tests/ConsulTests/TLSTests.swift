import ConsulDouble
import ConsulKit
import Foundation
import NIOCore
import NIOPosix
import Testing
import TestSupport

/// TLS through ConsulClient against the double's TLS listener, configured from environment variables as
/// the CLI is. Each test makes its own certificates with the openssl CLI.
@Suite struct TLSTests {
    @Test func trustedCAFileConnects() async throws {
        try await withPKI { pki in
            try await withTLSDouble(pki.serverFor127) { double in
                try await withClient(of: double, environment: ["CONSUL_CACERT": pki.ca]) { consul throws in
                    try await expectRoundTrip(consul)
                }
            }
        }
    }

    @Test func untrustedCAFailsNamingTheAddress() async throws {
        try await withPKI { pki in
            try await withTLSDouble(pki.serverFor127) { double in
                try await withClient(of: double, environment: ["CONSUL_CACERT": pki.untrustedCA]) { consul throws in
                    let error = await #expect(throws: ConsulError.self) { try await consul.entries(under: "") }
                    #expect(error.map(String.init(describing:)) == """
                        TLS handshake with Consul at \(double.baseURL) failed: the server's certificate could not be \
                        verified with CONSUL_CACERT \(pki.untrustedCA)
                        """)
                    #expect(consul.requestCount == 1)
                }
                #expect(double.requestCount == 0)
            }
        }
    }

    @Test func verifyOffAcceptsAnyCertificate() async throws {
        try await withPKI { pki in
            try await withTLSDouble(pki.serverFor127) { double in
                let environment = ["CONSUL_CACERT": pki.untrustedCA, "CONSUL_HTTP_SSL_VERIFY": "false"]
                try await withClient(of: double, environment: environment) { consul throws in
                    try await expectRoundTrip(consul)
                }
            }
        }
    }

    @Test func certificateForAnotherNameNeedsTheServerName() async throws {
        try await withPKI { pki in
            try await withTLSDouble(pki.serverForOtherName) { double in
                try await withClient(of: double, environment: ["CONSUL_CACERT": pki.ca]) { consul throws in
                    let error = await #expect(throws: ConsulError.self) { try await consul.entries(under: "") }
                    #expect(error.map(String.init(describing:)) == """
                        TLS handshake with Consul at \(double.baseURL) failed: the server's certificate is not valid \
                        for 127.0.0.1 (CONSUL_TLS_SERVER_NAME sets the name to expect)
                        """)
                }
                let environment = ["CONSUL_CACERT": pki.ca, "CONSUL_TLS_SERVER_NAME": "consul.example.internal"]
                try await withClient(of: double, environment: environment) { consul throws in
                    try await expectRoundTrip(consul)
                }
            }
        }
    }

    @Test func mutualTLSNeedsATrustedClientCertificate() async throws {
        try await withPKI { pki in
            var tls = pki.serverFor127
            tls.clientCAFile = pki.ca
            try await withTLSDouble(tls) { double in
                try await withClient(of: double, environment: ["CONSUL_CACERT": pki.ca]) { consul throws in
                    let error = await #expect(throws: ConsulError.self) { try await consul.entries(under: "") }
                    #expect(error.map(String.init(describing:)) == """
                        TLS handshake with Consul at \(double.baseURL) failed: the server requires a client certificate \
                        (CONSUL_CLIENT_CERT and CONSUL_CLIENT_KEY)
                        """)
                }
                let stranger = ["CONSUL_CACERT": pki.ca, "CONSUL_CLIENT_CERT": pki.strangerCertificate, "CONSUL_CLIENT_KEY": pki.strangerKey]
                try await withClient(of: double, environment: stranger) { consul throws in
                    let error = await #expect(throws: ConsulError.self) { try await consul.entries(under: "") }
                    #expect(error.map(String.init(describing:)) == """
                        TLS handshake with Consul at \(double.baseURL) failed: the server rejected the client certificate \
                        CONSUL_CLIENT_CERT \(pki.strangerCertificate) (tlsv1 alert unknown ca)
                        """)
                }
                #expect(double.requestCount == 0)
                let environment = ["CONSUL_CACERT": pki.ca, "CONSUL_CLIENT_CERT": pki.clientCertificate, "CONSUL_CLIENT_KEY": pki.clientKey]
                try await withClient(of: double, environment: environment) { consul throws in
                    try await expectRoundTrip(consul)
                }
            }
        }
    }

    /// OpenSSL's hashed-name layout (`openssl rehash`) and a plain folder of PEM files, as the consul CLI reads both.
    @Test func caFolderConnectsInEitherLayout() async throws {
        try await withPKI { pki in
            try await withTLSDouble(pki.serverFor127) { double in
                for folder in [pki.hashedCAFolder, pki.plainCAFolder] {
                    try await withClient(of: double, environment: ["CONSUL_CAPATH": folder]) { consul throws in
                        try await expectRoundTrip(consul)
                    }
                }
            }
        }
    }

    @Test func caFolderWithoutOurCAFails() async throws {
        try await withPKI { pki in
            try await withTLSDouble(pki.serverFor127) { double in
                try await withClient(of: double, environment: ["CONSUL_CAPATH": pki.untrustedCAFolder]) { consul throws in
                    let error = await #expect(throws: ConsulError.self) { try await consul.entries(under: "") }
                    #expect(error.map(String.init(describing:)) == """
                        TLS handshake with Consul at \(double.baseURL) failed: the server's certificate could not be \
                        verified with CONSUL_CAPATH \(pki.untrustedCAFolder)
                        """)
                }
            }
        }
    }

    @Test func httpsToAPlainHTTPServerSaysSo() async throws {
        try await withDouble { double, _ throws in
            try await withClient(of: double, environment: ["CONSUL_HTTP_SSL": "true"]) { consul throws in
                let error = await #expect(throws: ConsulError.self) { try await consul.entries(under: "") }
                #expect(error.map(String.init(describing:)) == """
                    TLS handshake with Consul at https://127.0.0.1:\(double.port) failed: the server does not speak TLS \
                    (is it plain http?)
                    """)
            }
        }
    }

    /// Bad CA settings fail when the client is made, naming the variable, instead of on every connection.
    @Test func unusableCASettingsAreConfigurationErrors() async throws {
        try await withPKI { pki in
            let missing = pki.ca + ".missing"
            let cases = [
                ("CONSUL_CACERT", missing, "cannot read CONSUL_CACERT \(missing): "),
                ("CONSUL_CACERT", pki.clientKey, "CONSUL_CACERT \(pki.clientKey) holds no PEM certificate"),
                ("CONSUL_CAPATH", pki.ca, "CONSUL_CAPATH \(pki.ca) is not a folder"),
                ("CONSUL_CAPATH", pki.emptyFolder, "CONSUL_CAPATH \(pki.emptyFolder) holds no PEM certificate"),
            ]
            for (variable, path, message) in cases {
                let configuration = try ConsulConfiguration.fromEnvironment(["CONSUL_HTTP_ADDR": "https://127.0.0.1:8501", variable: path])
                let error = #expect(throws: ConsulError.self) { _ = try ConsulClient(configuration: configuration) }
                guard case .configuration(let text)? = error else {
                    Issue.record("\(variable)=\(path): expected a configuration error, got \(String(describing: error))")
                    continue
                }
                #expect(text.hasPrefix(message), "\(variable)=\(path): \(text)")
            }
        }
    }

    /// Unlike a certificate problem, a peer hanging up mid-handshake may be a restart: worth retrying.
    @Test func aConnectionLostMidHandshakeIsRetried() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in channel.pipeline.addHandler(HangUpOnFirstRead()) }
            .bind(host: "127.0.0.1", port: 0).get()
        let address = "https://127.0.0.1:\(server.localAddress?.port ?? 0)"
        var configuration = try ConsulConfiguration.fromEnvironment(["CONSUL_HTTP_ADDR": address])
        configuration.retry = RetryPolicy(maxAttempts: 2, initialBackoff: .milliseconds(1), maxBackoff: .milliseconds(1))
        try await ConsulClient.withClient(configuration) { consul throws in
            let error = await #expect(throws: ConsulError.self) { try await consul.entries(under: "") }
            #expect(error == .unreachable(address: address, reason: "the connection broke off during the TLS handshake", attempts: 2))
        }
        try await server.close()
        try await group.shutdownGracefully()
    }
}

/// A write and a read, as a publish makes them.
private func expectRoundTrip(_ consul: ConsulClient) async throws {
    try await consul.apply([.set(key: "tls/probe", value: Array("ok".utf8), flags: 0)])
    #expect(try await consul.entries(under: "tls/").map(\.value) == [Array("ok".utf8)])
}

private func withTLSDouble(_ tls: DoubleTLS, _ body: (ConsulDouble) async throws -> Void) async throws {
    try await withDouble(DoubleOptions(tls: tls)) { double, _ throws in try await body(double) }
}

/// Certificates made with the openssl CLI in a temporary folder: a CA signing two server certificates
/// and a client certificate, and an unrelated CA signing a client certificate.
private struct TestPKI {
    let folder: URL

    var ca: String { path("ca.pem") }
    var untrustedCA: String { path("untrusted-ca.pem") }
    /// The CA alone, in OpenSSL's hashed-name layout.
    var hashedCAFolder: String { path("ca.d") }
    var untrustedCAFolder: String { path("untrusted-ca.d") }
    /// The CA under a name of its own, beside a file that is no certificate.
    var plainCAFolder: String { path("plain-ca.d") }
    /// Only a file that is no certificate.
    var emptyFolder: String { path("empty.d") }
    /// For DNS:localhost and IP:127.0.0.1, where the double listens.
    var serverFor127: DoubleTLS { DoubleTLS(certificateChainFile: path("server.pem"), privateKeyFile: path("server.key")) }
    /// For DNS:consul.example.internal only.
    var serverForOtherName: DoubleTLS { DoubleTLS(certificateChainFile: path("other.pem"), privateKeyFile: path("other.key")) }
    var clientCertificate: String { path("client.pem") }
    var clientKey: String { path("client.key") }
    /// A client certificate from the untrusted CA.
    var strangerCertificate: String { path("stranger.pem") }
    var strangerKey: String { path("stranger.key") }

    private static let extensions = """
        [req]
        distinguished_name = dn
        [dn]
        [ca]
        basicConstraints = critical, CA:TRUE
        keyUsage = critical, keyCertSign, cRLSign
        [server]
        subjectAltName = DNS:localhost, IP:127.0.0.1
        extendedKeyUsage = serverAuth
        [other]
        subjectAltName = DNS:consul.example.internal
        extendedKeyUsage = serverAuth
        [client]
        extendedKeyUsage = clientAuth
        """

    init(in folder: URL) throws {
        self.folder = folder
        try Self.extensions.write(to: folder.appendingPathComponent("openssl.cnf"), atomically: true, encoding: .utf8)
        try certificate("ca", subject: "kvctl test CA", extensions: "ca")
        try certificate("untrusted-ca", subject: "kvctl untrusted CA", extensions: "ca")
        try certificate("server", subject: "localhost", extensions: "server", signedBy: "ca")
        try certificate("other", subject: "consul.example.internal", extensions: "other", signedBy: "ca")
        try certificate("client", subject: "kvctl", extensions: "client", signedBy: "ca")
        try certificate("stranger", subject: "stranger", extensions: "client", signedBy: "untrusted-ca")
        let files = FileManager.default
        for name in ["ca", "untrusted-ca"] {
            try files.createDirectory(atPath: path("\(name).d"), withIntermediateDirectories: false)
            try files.copyItem(atPath: path("\(name).pem"), toPath: path("\(name).d/\(name).pem"))
            try openssl(["rehash", path("\(name).d")])
        }
        for folder in ["plain-ca.d", "empty.d"] {
            try files.createDirectory(atPath: path(folder), withIntermediateDirectories: false)
            try "not a certificate\n".write(toFile: path("\(folder)/README"), atomically: true, encoding: .utf8)
        }
        try files.copyItem(atPath: ca, toPath: path("plain-ca.d/consul-ca.crt"))
    }

    private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// `name.pem` and `name.key` (P-256), valid for a day, self-signed unless `signedBy` names a CA.
    private func certificate(_ name: String, subject: String, extensions: String, signedBy issuer: String? = nil) throws {
        var arguments = [
            "req", "-config", path("openssl.cnf"), "-x509", "-extensions", extensions, "-days", "1", "-subj", "/CN=\(subject)",
            "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-noenc", "-keyout", path("\(name).key"), "-out", path("\(name).pem"),
        ]
        if let issuer { arguments += ["-CA", path("\(issuer).pem"), "-CAkey", path("\(issuer).key")] }
        try openssl(arguments)
    }

    private func openssl(_ arguments: [String]) throws {
        let result = try run("/usr/bin/env", ["openssl"] + arguments, in: folder)
        guard result.status == 0 else {
            throw FixtureError("openssl \(arguments.joined(separator: " ")) failed: \(result.standardError)")
        }
    }
}

private func withPKI(_ body: (TestPKI) async throws -> Void) async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kvctl-tls-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    try await body(try TestPKI(in: folder))
}

/// Reads the client's hello, then closes the connection.
private final class HangUpOnFirstRead: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.close(promise: nil)
    }
}
