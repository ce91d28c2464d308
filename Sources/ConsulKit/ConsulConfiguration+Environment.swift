import Foundation
import KVCore

extension ConsulConfiguration {
    /// What the command line (`--consul`, `--datacenter`) or a `kvctl.yaml` environment says, which
    /// beats the process environment; a token file beats `CONSUL_HTTP_TOKEN_FILE` and `CONSUL_HTTP_TOKEN`.
    public typealias Overrides = ConsulEnvironment

    /// The configuration the consul CLI would use with this environment, then `overrides` applied.
    /// Empty variables count as unset, as in the consul CLI. Reads only the token file, if one is named.
    public static func fromEnvironment(_ env: [String: String], overrides: Overrides = Overrides()) throws -> ConsulConfiguration {
        func value(_ name: String) -> String? {
            env[name].flatMap { $0.isEmpty ? nil : $0 }
        }
        func flag(_ name: String) throws -> Bool? {
            guard let text = value(name) else { return nil }
            guard let parsed = GoBool.parse(text) else {
                throw ConsulError.configuration("\(name)=\(text) is not a boolean (true or false)")
            }
            return parsed
        }

        var configuration = ConsulConfiguration()
        let sslRequested = try flag("CONSUL_HTTP_SSL") ?? false
        let parsed = try AddressParser.parse(overrides.address ?? value("CONSUL_HTTP_ADDR") ?? "127.0.0.1:8500")
        // As in the consul CLI, an explicit `http://` never turns TLS off once CONSUL_HTTP_SSL asked for it.
        configuration.useTLS = parsed.scheme == .https || sslRequested
        // No port means the scheme's own, as Go's HTTP client reads a URL host without one: 443 with TLS,
        // CONSUL_HTTP_SSL=true included (hashicorp/consul api/api.go puts the address into the URL as given).
        configuration.address = parsed.address ?? .tcp(host: parsed.host, port: configuration.useTLS ? 443 : 80)
        configuration.pathPrefix = parsed.pathPrefix

        configuration.token = value("CONSUL_HTTP_TOKEN").map(Secret.init)
        for (file, source) in [(value("CONSUL_HTTP_TOKEN_FILE"), "CONSUL_HTTP_TOKEN_FILE"), (overrides.tokenFile, "the token file")] {
            guard let file else { continue }
            // An empty file leaves the token as it was, as in the consul CLI.
            if let token = try readToken(file, source: source) { configuration.token = token }
        }
        if let token = configuration.token, token.revealed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw ConsulError.configuration("the ACL token contains control characters")
        }

        if let auth = value("CONSUL_HTTP_AUTH") {
            let parts = auth.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            configuration.basicAuth = BasicAuth(username: String(parts[0]), password: Secret(parts.count > 1 ? String(parts[1]) : ""))
        }

        configuration.tls.verify = try flag("CONSUL_HTTP_SSL_VERIFY") ?? true
        configuration.tls.caFile = value("CONSUL_CACERT")
        configuration.tls.caPath = value("CONSUL_CAPATH")
        configuration.tls.clientCertificate = value("CONSUL_CLIENT_CERT")
        configuration.tls.clientKey = value("CONSUL_CLIENT_KEY")
        configuration.tls.serverName = try value("CONSUL_TLS_SERVER_NAME").map(serverName)
        if (configuration.tls.clientCertificate == nil) != (configuration.tls.clientKey == nil) {
            throw ConsulError.configuration("CONSUL_CLIENT_CERT and CONSUL_CLIENT_KEY must be set together")
        }

        configuration.namespace = value("CONSUL_NAMESPACE")
        configuration.partition = value("CONSUL_PARTITION")
        configuration.datacenter = overrides.datacenter.flatMap { $0.isEmpty ? nil : $0 }
        return configuration
    }

    /// CONSUL_TLS_SERVER_NAME as a host name: a port is dropped, as the consul CLI drops it
    /// (hashicorp/consul api/api.go, SetupTLSConfig splits `host:port`); a URL is refused.
    private static func serverName(_ text: String) throws -> String {
        guard !text.contains("/") else {
            throw ConsulError.configuration("CONSUL_TLS_SERVER_NAME=\(text) must be a host name, not a URL")
        }
        let hasPort = (text.lastIndex(of: ":").map { colon in text.lastIndex(of: "]").map { colon > $0 } ?? true }) ?? false
        guard hasPort else { return text }
        let host = try AddressParser.splitHostPort(Substring(text), in: text).host
        guard !host.contains(":") || text.hasPrefix("[") else {
            throw ConsulError.configuration("CONSUL_TLS_SERVER_NAME=\(text) is not a host name (an IPv6 address needs brackets)")
        }
        return host
    }

    /// The file's content, trimmed; nil when that leaves nothing. Errors name the file, never its content.
    private static func readToken(_ path: String, source: String) throws -> Secret? {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConsulError.configuration("cannot read \(source) \(path): \((error as NSError).localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConsulError.configuration("\(source) \(path) is not UTF-8 text")
        }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return token.isEmpty ? nil : Secret(token)
    }
}

/// Go's `strconv.ParseBool`, which the consul CLI uses for its boolean variables.
enum GoBool {
    static func parse(_ text: String) -> Bool? {
        switch text {
        case "1", "t", "T", "true", "TRUE", "True": true
        case "0", "f", "F", "false", "FALSE", "False": false
        default: nil
        }
    }
}

/// `CONSUL_HTTP_ADDR`'s forms: `host:port`, `http://host:port`, `https://host:port`, `unix:///path/to.sock`;
/// `http(s)://host:port/prefix` reaches Consul behind a reverse proxy under `/prefix`, as in the consul CLI
/// (hashicorp/consul api/api.go separates "a reverse proxy prefix" for the http and https schemes).
enum AddressParser {
    enum Scheme { case bare, http, https, unix }

    struct Parsed {
        var scheme: Scheme
        /// Nil when the port is left to the scheme.
        var address: ConsulConfiguration.Address?
        var host: String
        var pathPrefix: String
    }

    static func parse(_ text: String) throws -> Parsed {
        var rest = Substring(text)
        var scheme = Scheme.bare
        if let separator = text.range(of: "://") {
            switch text[..<separator.lowerBound] {
            case "http": scheme = .http
            case "https": scheme = .https
            case "unix": scheme = .unix
            case let other: throw ConsulError.configuration("unknown protocol scheme \"\(other)\" in Consul address \(text)")
            }
            rest = text[separator.upperBound...]
        }
        if scheme == .unix {
            guard rest.hasPrefix("/") else {
                throw ConsulError.configuration("Consul address \(text) needs an absolute socket path: unix:///path/to.sock")
            }
            return Parsed(scheme: scheme, address: .unixSocket(path: String(rest)), host: "", pathPrefix: "")
        }
        var pathPrefix = ""
        if let slash = rest.firstIndex(of: "/") {
            guard scheme != .bare || rest[slash...] == "/" else {
                throw ConsulError.configuration("Consul address \(text) has a path; write it with http:// or https:// to reach Consul under a path prefix")
            }
            pathPrefix = String(rest[slash...])
            while pathPrefix.hasSuffix("/") { pathPrefix.removeLast() }
            rest = rest[..<slash]
        }
        let hostPort = try splitHostPort(rest, in: text)
        let explicitHTTPS = scheme == .https ? 443 : nil
        return Parsed(scheme: scheme, address: (hostPort.port ?? explicitHTTPS).map { .tcp(host: hostPort.host, port: $0) },
                      host: hostPort.host, pathPrefix: pathPrefix)
    }

    /// `host`, `host:port`, `[v6]` or `[v6]:port`.
    static func splitHostPort(_ text: Substring, in address: String) throws -> (host: String, port: Int?) {
        var host = text
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw ConsulError.configuration("Consul address \(address) has an unclosed [")
            }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw ConsulError.configuration("Consul address \(address) is not host:port") }
                portText = after.dropFirst()
            }
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty else { throw ConsulError.configuration("Consul address \(address) has no host") }
        guard let portText else { return (String(host), nil) }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw ConsulError.configuration("Consul address \(address) has an invalid port \"\(portText)\"")
        }
        return (String(host), port)
    }
}
