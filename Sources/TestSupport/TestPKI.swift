import Foundation

/// Certificates made with the openssl CLI in a temporary folder: a CA signing two server certificates
/// and a client certificate, and an unrelated CA signing a client certificate.
public struct TestPKI {
    public let folder: URL

    public var ca: String { path("ca.pem") }
    public var untrustedCA: String { path("untrusted-ca.pem") }
    /// The CA alone, in OpenSSL's hashed-name layout.
    public var hashedCAFolder: String { path("ca.d") }
    public var untrustedCAFolder: String { path("untrusted-ca.d") }
    /// The CA under a name of its own, beside a file that is no certificate.
    public var plainCAFolder: String { path("plain-ca.d") }
    /// Only a file that is no certificate.
    public var emptyFolder: String { path("empty.d") }
    /// For DNS:localhost and IP:127.0.0.1.
    public var serverCertificate: String { path("server.pem") }
    public var serverKey: String { path("server.key") }
    /// For DNS:consul.example.internal only.
    public var otherCertificate: String { path("other.pem") }
    public var otherKey: String { path("other.key") }
    public var clientCertificate: String { path("client.pem") }
    public var clientKey: String { path("client.key") }
    /// A client certificate from the untrusted CA.
    public var strangerCertificate: String { path("stranger.pem") }
    public var strangerKey: String { path("stranger.key") }

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

    public init(in folder: URL) throws {
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

/// A fresh `TestPKI` in a temporary folder, removed after `body`.
public func withPKI(_ body: (TestPKI) async throws -> Void) async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kvctl-tls-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    try await body(try TestPKI(in: folder))
}
