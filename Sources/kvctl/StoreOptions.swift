import ArgumentParser
import Foundation
import KVCore
import Publishing
import Workflows

/// Which store a command talks to (`StoreSelection`): Consul when `--consul`, `--env` or
/// `CONSUL_HTTP_ADDR` says where it is; otherwise the local store in `.kvctl/` at the repository root.
struct StoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Use the Consul named <name> under 'environments:' in kvctl.yaml.", valueName: "name"))
    var env: String?

    @Option(name: [.customLong("consul"), .customLong("http-addr")],
            help: ArgumentHelp("Consul's address, like http://127.0.0.1:8500 (overrides CONSUL_HTTP_ADDR and --env's address); "
                               + "--http-addr is the consul CLI's name for it.", valueName: "url"))
    var consul: String?

    @Option(help: ArgumentHelp("The Consul datacenter (overrides --env's datacenter).", valueName: "dc"))
    var datacenter: String?

    // The consul CLI's client flags, with its meaning (hashicorp/consul command/flags/http.go): each
    // overrides its environment variable (MergeOntoConfig over api.DefaultConfig's environment).
    @Option(help: ArgumentHelp("A file holding the ACL token (overrides CONSUL_HTTP_TOKEN_FILE, CONSUL_HTTP_TOKEN and --env's token file).",
                               valueName: "file"))
    var tokenFile: String?

    @Option(help: ArgumentHelp("A CA file for TLS (overrides CONSUL_CACERT).", valueName: "file"))
    var caFile: String?

    @Option(help: ArgumentHelp("A folder of CA certificates for TLS (overrides CONSUL_CAPATH).", valueName: "folder"))
    var caPath: String?

    @Option(help: ArgumentHelp("A client certificate for mutual TLS (overrides CONSUL_CLIENT_CERT).", valueName: "file"))
    var clientCert: String?

    @Option(help: ArgumentHelp("The client certificate's key (overrides CONSUL_CLIENT_KEY).", valueName: "file"))
    var clientKey: String?

    @Option(help: ArgumentHelp("The server name for SNI and certificate checks (overrides CONSUL_TLS_SERVER_NAME).", valueName: "name"))
    var tlsServerName: String?

    var selection: StoreSelection {
        StoreSelection(env: env, consul: consul, datacenter: datacenter, tokenFile: tokenFile.map(Self.absolute))
    }

    /// The process environment with the TLS flags in place of their variables, as the consul CLI merges them.
    var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for (variable, value) in [("CONSUL_CACERT", caFile.map(Self.absolute)), ("CONSUL_CAPATH", caPath.map(Self.absolute)),
                                  ("CONSUL_CLIENT_CERT", clientCert.map(Self.absolute)), ("CONSUL_CLIENT_KEY", clientKey.map(Self.absolute)),
                                  ("CONSUL_TLS_SERVER_NAME", tlsServerName)] {
            if let value { environment[variable] = value }
        }
        return environment
    }

    /// A relative path is relative to where kvctl was started, as for the consul CLI.
    private static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    /// `StoreSelection.withStore`, saying on stderr where a run over several datacenters stopped.
    func withStore(config: KVConfig, repositoryRoot: URL, everyDatacenter: Bool = false,
                   _ body: (any KVStore, String) async throws -> Void) async throws {
        try await selection.withStore(config: config, repositoryRoot: repositoryRoot, everyDatacenter: everyDatacenter,
                                      environment: environment, stopped: { writeError($0) }, body)
    }

    func environment(in config: KVConfig) throws -> ConsulEnvironment? {
        try selection.environment(in: config)
    }
}
