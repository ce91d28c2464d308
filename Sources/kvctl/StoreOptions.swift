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

    @Option(help: ArgumentHelp("Consul's address, like http://127.0.0.1:8500 (overrides CONSUL_HTTP_ADDR and --env's address).",
                               valueName: "url"))
    var consul: String?

    @Option(help: ArgumentHelp("The Consul datacenter (overrides --env's datacenter).", valueName: "dc"))
    var datacenter: String?

    var selection: StoreSelection { StoreSelection(env: env, consul: consul, datacenter: datacenter) }

    /// `StoreSelection.withStore`, saying on stderr where a run over several datacenters stopped.
    func withStore(config: KVConfig, repositoryRoot: URL, everyDatacenter: Bool = false,
                   _ body: (any KVStore, String) async throws -> Void) async throws {
        try await selection.withStore(config: config, repositoryRoot: repositoryRoot, everyDatacenter: everyDatacenter,
                                      stopped: { writeError($0) }, body)
    }

    func environment(in config: KVConfig) throws -> ConsulEnvironment? {
        try selection.environment(in: config)
    }
}
