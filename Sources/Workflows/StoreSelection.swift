import ConsulKit
import Foundation
import KVCore
import LocalStore
import Publishing

/// Which store a workflow talks to. Consul is used when something says where it is: an address, an
/// environment or `CONSUL_HTTP_ADDR`; otherwise the local store in `.kvctl/` at the repository root.
public struct StoreSelection: Sendable {
    /// The environment under 'environments:' in kvctl.yaml.
    public var env: String?
    /// Consul's address (overrides CONSUL_HTTP_ADDR and the environment's address).
    public var consul: String?
    /// One datacenter (overrides the environment's).
    public var datacenter: String?
    /// A token file named on the command line: beats the environment's and the variables.
    public var tokenFile: String?

    public init(env: String? = nil, consul: String? = nil, datacenter: String? = nil, tokenFile: String? = nil) {
        self.env = env
        self.consul = consul
        self.datacenter = datacenter
        self.tokenFile = tokenFile
    }

    public static let localNote = "(no Consul configured: set CONSUL_HTTP_ADDR, --consul or --env)"

    /// Runs `body` with the store and how to name it in a command's first line; a Consul client is
    /// shut down afterwards. An environment listing several datacenters runs `body` once for each,
    /// in the listed order, when `everyDatacenter` (publishing workflows and status); the first
    /// failure stops before the next datacenter, and `stopped` hears where each one stands. Other
    /// workflows, and an explicit datacenter, use one datacenter.
    public func withStore(config: KVConfig, repositoryRoot: URL, everyDatacenter: Bool = false,
                          environment processEnvironment: [String: String] = ProcessInfo.processInfo.environment,
                          stopped: (String) -> Void = { _ in },
                          _ body: (any KVStore, String) async throws -> Void) async throws {
        guard let configurations = try consulConfigurations(config: config, repositoryRoot: repositoryRoot, environment: processEnvironment) else {
            let store = LocalStore(repositoryRoot: repositoryRoot)
            return try await body(store, "\(store.description) \(Self.localNote)")
        }
        let datacenters = configurations.compactMap(\.datacenter)
        if configurations.count > 1 && !everyDatacenter {
            throw WorkflowError.usage("environment '\(env ?? "")' lists several datacenters (\(datacenters.joined(separator: ", "))); "
                + "pass --datacenter to choose one")
        }
        var changes: PlanHasChanges?
        for (position, configuration) in configurations.enumerated() {
            do {
                try await ConsulClient.withClient(configuration) { client in try await body(client, client.description) }
            } catch let planned as PlanHasChanges {
                changes = planned // every datacenter's plan is shown before exit 2
            } catch {
                if configurations.count > 1 { stopped(Self.standing(datacenters, failed: position)) }
                throw error
            }
        }
        if let changes { throw changes }
    }

    /// The Consul of each datacenter a workflow visits, in order; nil when nothing names a Consul, so
    /// the local store is used. (The agent's leader lock lives in the first.)
    public func consulConfigurations(config: KVConfig, repositoryRoot: URL,
                                     environment processEnvironment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> [ConsulConfiguration]? {
        let environment = try self.environment(in: config)
        guard consul != nil || environment != nil || !(processEnvironment["CONSUL_HTTP_ADDR"] ?? "").isEmpty else {
            guard datacenter == nil else { throw WorkflowError.usage("--datacenter needs a Consul: pass --consul or --env, or set CONSUL_HTTP_ADDR") }
            return nil
        }
        let listed = environment?.datacenters ?? []
        let datacenters: [String?] = datacenter.map { [$0] } ?? (listed.isEmpty ? [nil] : listed.map(Optional.some))
        return try datacenters.map { datacenter in
            let overrides = ConsulConfiguration.Overrides(
                address: consul ?? environment?.address, datacenter: datacenter,
                tokenFile: tokenFile ?? environment?.tokenFile.map { Self.resolve($0, in: repositoryRoot, environment: processEnvironment) })
            do {
                return try ConsulConfiguration.fromEnvironment(processEnvironment, overrides: overrides)
            } catch {
                throw WorkflowError.usage("\(error)")
            }
        }
    }

    /// The environment `env` names; nil without one.
    public func environment(in config: KVConfig) throws -> ConsulEnvironment? {
        guard let env else { return nil }
        guard let named = config.environments[env] else {
            let known = config.environments.keys.sorted()
            throw WorkflowError.usage("no environment '\(env)' in \(KVConfig.fileName)"
                + (known.isEmpty ? "; add it under 'environments:'" : "; it defines \(known.joined(separator: ", "))"))
        }
        return named
    }

    /// After a failure in one of several datacenters: which are done, which failed, which were not touched.
    static func standing(_ datacenters: [String], failed: Int) -> String {
        "kvctl: stopped at datacenter \(datacenters[failed]): " + datacenters.enumerated().map { position, name in
            "\(name) " + (position < failed ? "done" : position == failed ? "failed" : "not started")
        }.joined(separator: ", ")
    }

    /// `~/` is the home folder, `$HOME` as a shell expands it (POSIX tilde expansion), else the account's;
    /// a relative path is relative to the repository root.
    private static func resolve(_ path: String, in root: URL, environment: [String: String]) -> String {
        if path.hasPrefix("~/") {
            let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            return home + path.dropFirst()
        }
        return path.hasPrefix("/") ? path : root.appendingPathComponent(path).path
    }
}

/// The repository's name in the store: `name:` in kvctl.yaml, else the repository folder's name.
public func repositoryName(config: KVConfig, root: URL) throws -> String {
    if let name = config.name { return name }
    let folder = root.standardizedFileURL.lastPathComponent
    guard !folder.contains("/"), KeyRules.problem(with: folder) == nil else {
        throw WorkflowError("the repository folder's name '\(folder)' cannot name it in the store; set 'name:' in \(KVConfig.fileName)")
    }
    return folder
}
