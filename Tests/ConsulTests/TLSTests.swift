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

extension TestPKI {
    /// For DNS:localhost and IP:127.0.0.1, where the double listens.
    var serverFor127: DoubleTLS { DoubleTLS(certificateChainFile: serverCertificate, privateKeyFile: serverKey) }
    /// For DNS:consul.example.internal only.
    var serverForOtherName: DoubleTLS { DoubleTLS(certificateChainFile: otherCertificate, privateKeyFile: otherKey) }
}

/// Reads the client's hello, then closes the connection.
private final class HangUpOnFirstRead: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.close(promise: nil)
    }
}
