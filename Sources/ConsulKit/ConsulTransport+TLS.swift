import Foundation
import NIOSSL

/// TLS settings from the `CONSUL_*` variables, and handshake failures explained in their terms.
extension ConsulTransport {
    static func tlsConfiguration(_ tls: ConsulConfiguration.TLS) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if !tls.verify { configuration.certificateVerification = .none }
        // Loaded now so that a wrong path is a configuration error, not a retried connection failure.
        // As in the consul CLI, CONSUL_CACERT wins over CONSUL_CAPATH.
        if let caFile = tls.caFile {
            configuration.trustRoots = .certificates(try caCertificates(file: caFile))
        } else if let caPath = tls.caPath {
            configuration.trustRoots = .certificates(try caCertificates(folder: caPath))
        }
        if let certificate = tls.clientCertificate, let key = tls.clientKey {
            do {
                configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            } catch {
                throw ConsulError.configuration("cannot load the client certificate \(certificate) or key \(key): \(error)")
            }
        }
        return configuration
    }

    private static func caCertificates(file: String) throws -> [NIOSSLCertificate] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw ConsulError.configuration("cannot read CONSUL_CACERT \(file): \((error as NSError).localizedDescription)")
        }
        guard let certificates = try? NIOSSLCertificate.fromPEMBytes(Array(data)), !certificates.isEmpty else {
            throw ConsulError.configuration("CONSUL_CACERT \(file) holds no PEM certificate")
        }
        return certificates
    }

    /// Every PEM certificate in the folder and below, as the consul CLI reads it: any file names, so both
    /// a plain folder and OpenSSL's hashed-name layout work. Files that hold no certificate are skipped.
    private static func caCertificates(folder: String) throws -> [NIOSSLCertificate] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue,
              let files = FileManager.default.enumerator(atPath: folder)
        else {
            throw ConsulError.configuration("CONSUL_CAPATH \(folder) is not a folder")
        }
        let base = URL(fileURLWithPath: folder)
        let certificates = files.compactMap { $0 as? String }.flatMap { name in
            let data = (try? Data(contentsOf: base.appendingPathComponent(name))) ?? Data()
            return (try? NIOSSLCertificate.fromPEMBytes(Array(data))) ?? []
        }
        guard !certificates.isEmpty else {
            throw ConsulError.configuration("CONSUL_CAPATH \(folder) holds no PEM certificate")
        }
        return certificates
    }

    /// Why the TLS handshake failed, naming the variable to change; nil for failures that are not TLS's
    /// (a connection lost mid-handshake among them: that one is worth retrying).
    func tlsProblem(_ error: any Error) -> String? {
        let tls = configuration.tls
        let reasons: [String]
        switch error {
        case let error as NIOSSLExtraError where error == .failedToValidateHostname:
            guard let name = tls.serverName ?? host else { return "the server's certificate is not valid for this address" }
            return "the server's certificate is not valid for \(name)"
                + (tls.serverName == nil ? " (CONSUL_TLS_SERVER_NAME sets the name to expect)" : "")
        // With TLS 1.3 the server refuses our certificate after the client's side of the handshake,
        // so that alert arrives as a plain `sslError`.
        case NIOSSLError.handshakeFailed(.sslError(let stack)), BoringSSLError.sslError(let stack):
            reasons = Self.reasonNames(stack)
        default:
            return nil
        }
        if reasons.contains("CERTIFICATE_VERIFY_FAILED") {
            let trusted =
                if let caFile = tls.caFile { "CONSUL_CACERT \(caFile)" }
                else if let caPath = tls.caPath { "CONSUL_CAPATH \(caPath)" }
                else { "the system's CAs (CONSUL_CACERT or CONSUL_CAPATH name a private CA)" }
            return "the server's certificate could not be verified with \(trusted)"
        }
        if reasons.contains("TLSV1_ALERT_CERTIFICATE_REQUIRED") {
            return "the server requires a client certificate (CONSUL_CLIENT_CERT and CONSUL_CLIENT_KEY)"
        }
        if let certificate = tls.clientCertificate, let alert = reasons.first(where: Self.certificateAlerts.contains) {
            return "the server rejected the client certificate CONSUL_CLIENT_CERT \(certificate) (\(Self.words(alert)))"
        }
        if reasons.contains("WRONG_VERSION_NUMBER") {
            return "the server does not speak TLS (is it plain http?)"
        }
        return reasons.isEmpty ? nil : reasons.map(Self.words).joined(separator: ", ")
    }

    private var host: String? {
        if case .tcp(let host, _) = configuration.address { return host }
        return nil
    }

    /// Alerts a server sends about the certificate it was given, which from a server can only be ours.
    private static let certificateAlerts: Set = [
        "TLSV1_ALERT_UNKNOWN_CA", "SSLV3_ALERT_BAD_CERTIFICATE", "SSLV3_ALERT_CERTIFICATE_UNKNOWN",
        "SSLV3_ALERT_CERTIFICATE_EXPIRED", "SSLV3_ALERT_CERTIFICATE_REVOKED", "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE",
    ]

    /// BoringSSL's reason names (`CERTIFICATE_VERIFY_FAILED`), which NIOSSL exposes only inside its descriptions:
    /// `Error: 268435581 error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at handshake.cc:320`.
    private static func reasonNames(_ stack: NIOBoringSSLErrorStack) -> [String] {
        stack.compactMap { error in
            let text = String(describing: error)
            guard let end = text.range(of: " at ") else { return nil }
            return text[..<end.lowerBound].split(separator: ":").last.map(String.init)
        }
    }

    /// `TLSV1_ALERT_UNKNOWN_CA` as `tlsv1 alert unknown ca`.
    private static func words(_ reason: String) -> String {
        reason.lowercased().replacingOccurrences(of: "_", with: " ")
    }
}
