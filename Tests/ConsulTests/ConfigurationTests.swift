import ConsulKit
import Foundation
import Testing

/// `ConsulConfiguration.fromEnvironment`: the consul CLI's variables, and the flags that beat them.
@Suite struct ConfigurationTests {
    struct AddressCase: Sendable, CustomTestStringConvertible {
        var environment: [String: String]
        var address: ConsulConfiguration.Address
        var useTLS: Bool
        var description: String
        var testDescription: String { description }
    }

    static let addresses: [AddressCase] = [
        .init(environment: [:], address: .tcp(host: "127.0.0.1", port: 8500), useTLS: false, description: "http://127.0.0.1:8500"),
        .init(environment: ["CONSUL_HTTP_ADDR": "consul.internal:8501"], address: .tcp(host: "consul.internal", port: 8501), useTLS: false,
              description: "http://consul.internal:8501"),
        .init(environment: ["CONSUL_HTTP_ADDR": "http://10.0.0.5:8500"], address: .tcp(host: "10.0.0.5", port: 8500), useTLS: false,
              description: "http://10.0.0.5:8500"),
        .init(environment: ["CONSUL_HTTP_ADDR": "https://consul.example:8501/"], address: .tcp(host: "consul.example", port: 8501),
              useTLS: true, description: "https://consul.example:8501"),
        .init(environment: ["CONSUL_HTTP_ADDR": "https://consul.example"], address: .tcp(host: "consul.example", port: 443), useTLS: true,
              description: "https://consul.example:443"),
        .init(environment: ["CONSUL_HTTP_ADDR": "[::1]:8500"], address: .tcp(host: "::1", port: 8500), useTLS: false,
              description: "http://[::1]:8500"),
        .init(environment: ["CONSUL_HTTP_ADDR": "unix:///var/run/consul.sock"], address: .unixSocket(path: "/var/run/consul.sock"),
              useTLS: false, description: "unix:///var/run/consul.sock"),
        .init(environment: ["CONSUL_HTTP_ADDR": "consul:8501", "CONSUL_HTTP_SSL": "true"], address: .tcp(host: "consul", port: 8501),
              useTLS: true, description: "https://consul:8501"),
        .init(environment: ["CONSUL_HTTP_ADDR": "http://consul:8501", "CONSUL_HTTP_SSL": "1"], address: .tcp(host: "consul", port: 8501),
              useTLS: true, description: "https://consul:8501"),
        .init(environment: ["CONSUL_HTTP_ADDR": "consul:8500", "CONSUL_HTTP_SSL": "false"], address: .tcp(host: "consul", port: 8500),
              useTLS: false, description: "http://consul:8500"),
        .init(environment: ["CONSUL_HTTP_ADDR": ""], address: .tcp(host: "127.0.0.1", port: 8500), useTLS: false,
              description: "http://127.0.0.1:8500"),
        // No port: the scheme's, as Go's HTTP client fills it in for the consul CLI's URL (hashicorp/consul
        // api/api.go keeps the address as the URL host), so CONSUL_HTTP_SSL=true means 443.
        .init(environment: ["CONSUL_HTTP_ADDR": "consul.example", "CONSUL_HTTP_SSL": "true"], address: .tcp(host: "consul.example", port: 443),
              useTLS: true, description: "https://consul.example:443"),
        .init(environment: ["CONSUL_HTTP_ADDR": "http://consul.example", "CONSUL_HTTP_SSL": "true"],
              address: .tcp(host: "consul.example", port: 443), useTLS: true, description: "https://consul.example:443"),
        .init(environment: ["CONSUL_HTTP_ADDR": "consul.example"], address: .tcp(host: "consul.example", port: 80), useTLS: false,
              description: "http://consul.example:80"),
        // A reverse proxy's path prefix (hashicorp/consul api/api.go: "separate out a reverse proxy prefix").
        .init(environment: ["CONSUL_HTTP_ADDR": "https://gateway.example/consul/"], address: .tcp(host: "gateway.example", port: 443),
              useTLS: true, description: "https://gateway.example:443/consul"),
    ]

    /// The consul CLI uses CONSUL_TLS_SERVER_NAME as a host name, dropping a port (hashicorp/consul
    /// api/api.go, SetupTLSConfig: `net.SplitHostPort` when the text has one).
    @Test func theServerNameIsAHostName() throws {
        for (text, expected) in [("consul.example:8501", "consul.example"), ("server.dc1.consul", "server.dc1.consul"), ("[::1]:8501", "::1")] {
            let configuration = try ConsulConfiguration.fromEnvironment(["CONSUL_TLS_SERVER_NAME": text])
            #expect(configuration.tls.serverName == expected)
        }
        #expect(throws: ConsulError.configuration("CONSUL_TLS_SERVER_NAME=https://consul.example must be a host name, not a URL")) {
            try ConsulConfiguration.fromEnvironment(["CONSUL_TLS_SERVER_NAME": "https://consul.example"])
        }
    }

    @Test(arguments: addresses)
    func addressForms(_ example: AddressCase) throws {
        let configuration = try ConsulConfiguration.fromEnvironment(example.environment)
        #expect(configuration.address == example.address)
        #expect(configuration.useTLS == example.useTLS)
        #expect(configuration.addressDescription == example.description)
        #expect(configuration.description == "Consul at \(example.description)")
    }

    @Test(arguments: [
        ("ftp://consul:21", "unknown protocol scheme \"ftp\" in Consul address ftp://consul:21"),
        ("consul:http", "Consul address consul:http has an invalid port \"http\""),
        ("consul:70000", "Consul address consul:70000 has an invalid port \"70000\""),
        // Only the http and https forms separate a reverse proxy's path prefix (hashicorp/consul api/api.go).
        ("consul:8500/v1", "Consul address consul:8500/v1 has a path; write it with http:// or https:// to reach Consul under a path prefix"),
        ("unix://relative.sock", "Consul address unix://relative.sock needs an absolute socket path: unix:///path/to.sock"),
        (":8500", "Consul address :8500 has no host"),
    ])
    func badAddressesAreConfigurationErrors(address: String, message: String) {
        #expect(throws: ConsulError.configuration(message)) {
            try ConsulConfiguration.fromEnvironment(["CONSUL_HTTP_ADDR": address])
        }
    }

    @Test func overridesBeatTheEnvironment() throws {
        let tokenFile = try temporaryFile("  file-token\n")
        defer { try? FileManager.default.removeItem(atPath: tokenFile) }
        let environment = ["CONSUL_HTTP_ADDR": "env-host:1111", "CONSUL_HTTP_TOKEN": "env-token"]
        let configuration = try ConsulConfiguration.fromEnvironment(
            environment, overrides: .init(address: "https://flag-host:2222", datacenter: "west", tokenFile: tokenFile))
        #expect(configuration.address == .tcp(host: "flag-host", port: 2222))
        #expect(configuration.useTLS)
        #expect(configuration.datacenter == "west")
        #expect(configuration.token == Secret("file-token"))
        #expect(configuration.description == "Consul at https://flag-host:2222 (datacenter west)")
    }

    @Test func tokenPrecedence() throws {
        let tokenFile = try temporaryFile("from-env-file\n")
        let emptyFile = try temporaryFile(" \n")
        defer {
            try? FileManager.default.removeItem(atPath: tokenFile)
            try? FileManager.default.removeItem(atPath: emptyFile)
        }
        #expect(try ConsulConfiguration.fromEnvironment([:]).token == nil)
        #expect(try ConsulConfiguration.fromEnvironment(["CONSUL_HTTP_TOKEN": "plain"]).token == Secret("plain"))
        let both = ["CONSUL_HTTP_TOKEN": "plain", "CONSUL_HTTP_TOKEN_FILE": tokenFile]
        #expect(try ConsulConfiguration.fromEnvironment(both).token == Secret("from-env-file"))
        // As in the consul CLI, an empty token file leaves the token variable in force.
        let emptyWins = ["CONSUL_HTTP_TOKEN": "plain", "CONSUL_HTTP_TOKEN_FILE": emptyFile]
        #expect(try ConsulConfiguration.fromEnvironment(emptyWins).token == Secret("plain"))
    }

    @Test func anUnreadableTokenFileNamesTheFile() {
        let error = #expect(throws: ConsulError.self) {
            try ConsulConfiguration.fromEnvironment(["CONSUL_HTTP_TOKEN_FILE": "/nonexistent/token"])
        }
        #expect(error.map(String.init(describing:))?.hasPrefix("invalid Consul configuration: cannot read CONSUL_HTTP_TOKEN_FILE /nonexistent/token: ") == true,
                "\(String(describing: error))")
        do {
            _ = try ConsulConfiguration.fromEnvironment([:], overrides: .init(tokenFile: "/nonexistent/flag-token"))
            Issue.record("expected an error")
        } catch {
            #expect(String(describing: error).hasPrefix("invalid Consul configuration: cannot read the token file /nonexistent/flag-token: "))
        }
    }

    @Test func theTokenNeverShowsInDescriptionsOrDumps() throws {
        let token = "b1gs3cr3t-0000-token"
        let configuration = try ConsulConfiguration.fromEnvironment(["CONSUL_HTTP_TOKEN": token, "CONSUL_HTTP_AUTH": "bob:\(token)-pw"])
        var dumped = ""
        dump(configuration, to: &dumped)
        for text in [String(describing: configuration), String(reflecting: configuration), dumped, "\(configuration.token!)"] {
            #expect(!text.contains(token), "leaked in: \(text)")
        }
        #expect(configuration.basicAuth?.username == "bob")
    }

    @Test func tlsVariables() throws {
        let configuration = try ConsulConfiguration.fromEnvironment([
            "CONSUL_HTTP_ADDR": "https://10.1.1.1:8501",
            "CONSUL_HTTP_SSL_VERIFY": "false",
            "CONSUL_CACERT": "/etc/consul/ca.pem",
            "CONSUL_CAPATH": "/etc/consul/cas",
            "CONSUL_CLIENT_CERT": "/etc/consul/client.pem",
            "CONSUL_CLIENT_KEY": "/etc/consul/client-key.pem",
            "CONSUL_TLS_SERVER_NAME": "server.dc1.consul",
        ])
        #expect(configuration.tls.verify == false)
        #expect(configuration.tls.caFile == "/etc/consul/ca.pem")
        #expect(configuration.tls.caPath == "/etc/consul/cas")
        #expect(configuration.tls.clientCertificate == "/etc/consul/client.pem")
        #expect(configuration.tls.clientKey == "/etc/consul/client-key.pem")
        #expect(configuration.tls.serverName == "server.dc1.consul")
        #expect(try ConsulConfiguration.fromEnvironment([:]).tls == ConsulConfiguration.TLS())
    }

    @Test func aClientCertificateNeedsItsKey() {
        #expect(throws: ConsulError.configuration("CONSUL_CLIENT_CERT and CONSUL_CLIENT_KEY must be set together")) {
            try ConsulConfiguration.fromEnvironment(["CONSUL_CLIENT_CERT": "/c.pem"])
        }
    }

    @Test func booleansFollowGo() {
        #expect(throws: ConsulError.configuration("CONSUL_HTTP_SSL=yes is not a boolean (true or false)")) {
            try ConsulConfiguration.fromEnvironment(["CONSUL_HTTP_SSL": "yes"])
        }
        #expect(throws: ConsulError.configuration("CONSUL_HTTP_SSL_VERIFY=nope is not a boolean (true or false)")) {
            try ConsulConfiguration.fromEnvironment(["CONSUL_HTTP_SSL_VERIFY": "nope"])
        }
    }

    @Test func namespacePartitionAndAuth() throws {
        let configuration = try ConsulConfiguration.fromEnvironment([
            "CONSUL_NAMESPACE": "team", "CONSUL_PARTITION": "part", "CONSUL_HTTP_AUTH": "user-only",
        ])
        #expect(configuration.namespace == "team")
        #expect(configuration.partition == "part")
        #expect(configuration.basicAuth == .init(username: "user-only", password: Secret("")))
        #expect(configuration.datacenter == nil)
        #expect(configuration.connectTimeout == .seconds(5))
        #expect(configuration.readTimeout == .seconds(30))
        #expect(configuration.retry == RetryPolicy())
    }

    @Test func aTokenWithControlCharactersIsRefused() {
        #expect(throws: ConsulError.configuration("the ACL token contains control characters")) {
            try ConsulConfiguration.fromEnvironment(["CONSUL_HTTP_TOKEN": "abc\r\nX-Evil: 1"])
        }
    }

    private func temporaryFile(_ content: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kvctl-token-\(UUID().uuidString)").path
        try content.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
