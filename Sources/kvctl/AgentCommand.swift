import Agent
import ArgumentParser
import Foundation
import GitKit
import KVCore
import Logging
import ServiceLifecycle

struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Keep an environment at its pinned release, nonstop.",
        discussion: """
            Fetches the repository every --interval (and at once on a verified webhook), resolves the environment's pin \
            from the fetched kvctl.yaml and runs what kvctl sync runs: the same plan, lock, refusals and journal. A \
            release that does not validate is never applied: the agent reports it and keeps the live release. Drift \
            is watched with Consul blocking queries and reported at once (log, kvctl_drift_keys, /v1/status); 'heal: true' on the environment re-applies the owned \
            keys that drifted (the refusals otherwise stand: another repository's keys, the delete guard).
            Several agents may serve one environment: one leads (a Consul session lock on \
            <meta-prefix><name>/leader), the others stand by and take over when it dies.
            HTTP (--listen): /metrics (Prometheus), /healthz, /readyz (after the first reconcile), /v1/status (the \
            JSON of kvctl status --env), POST /hooks/git (GitHub X-Hub-Signature-256, Gitea X-Gitea-Signature, \
            GitLab X-Gitlab-Token, checked against --webhook-secret-file; anything else is refused with 401).
            --repo takes a path, file://, https:// (token from --git-token-file or KVCTL_GIT_TOKEN; a private CA \
            with --git-ca-file) or ssh:// \
            (keys from ssh-agent). Without --repo the agent reads the repository at -C as it is, fetching nothing.
            Logs are JSON lines on stderr; the first names the address it listens on. SIGTERM or SIGINT: the \
            publish in flight stops after its current transaction, the locks are released, exit 0.
            """
    )

    @Option(help: ArgumentHelp("The environment to keep in sync (under 'environments:' in kvctl.yaml).", valueName: "name"))
    var env: String

    @Option(help: ArgumentHelp("The repository to clone and fetch: a path, file://, https:// or ssh:// URL.", valueName: "url"))
    var repo: String?

    @Option(help: ArgumentHelp("Where to keep the clone of --repo (default: $STATE_DIRECTORY/clone under systemd, else ~/.cache/kvctl/agent/<hash of the URL>).",
                               valueName: "dir"))
    var cloneDir: String?

    @Option(help: ArgumentHelp("A file holding the token for an https:// --repo (else KVCTL_GIT_TOKEN).", valueName: "file"))
    var gitTokenFile: String?

    @Option(help: ArgumentHelp("PEM certificates to verify an https:// --repo with instead of the system's, as git's http.sslCAInfo.",
                               valueName: "file"))
    var gitCaFile: String?

    @Option(help: ArgumentHelp("The HTTP endpoint's address; port 0 picks a free one.", valueName: "host:port"))
    var listen = "127.0.0.1:9842"

    @Option(help: ArgumentHelp("How often to fetch and reconcile, like 30s, 5m or 1h.", valueName: "duration"))
    var interval = "30s"

    @Option(help: ArgumentHelp("The shared secret webhooks are verified against (one trailing newline is ignored).", valueName: "file"))
    var webhookSecretFile: String?

    @OptionGroup var location: RepositoryOptions

    func validate() throws {
        guard let seconds = DurationText.seconds(interval), seconds > 0 else {
            throw ValidationError("--interval: expected a duration like 30s, 5m or 1h (s, m, h, d), more than 0")
        }
        _ = seconds
        guard Self.hostAndPort(listen) != nil else {
            throw ValidationError("--listen: expected host:port like 127.0.0.1:9842 or [::1]:0")
        }
    }

    /// `host:port`, `[v6]:port`.
    static func hostAndPort(_ address: String) -> (host: String, port: Int)? {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]), (0...65535).contains(port) else {
            return nil
        }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }

    func run() async throws {
        Allocator.configureForLongRunning()
        LoggingSystem.bootstrap { JSONLogHandler(label: $0) }
        let logger = Logger(label: "kvctl.agent")
        let verifier: WebhookVerifier?
        do { verifier = try webhookSecretFile.map { try WebhookVerifier(secretFile: $0) } } catch { throw usageError("\(error)") }
        let token: String?
        do { token = try gitToken() } catch { throw usageError("\(error)") }
        if let gitCaFile {
            do { try Mirror.trustCertificates(inFile: gitCaFile) } catch { throw usageError("--git-ca-file: \(error.message)") }
        }
        let checkout = repo.map { SyncReconciler.Checkout(url: $0, directory: cloneDirectory(for: $0), credentials: RemoteCredentials(token: token)) }
        let wakeup = Wakeup()
        let reconciler = SyncReconciler(environment: env, checkout: checkout, directory: checkout?.directory ?? location.directory,
                                        wakeup: wakeup)
        let state = AgentState(metrics: AgentMetrics(environment: env), wakeup: wakeup, verifier: verifier) {
            try await reconciler.statusJSON()
        }
        let (host, port) = Self.hostAndPort(listen)!
        let started = Wakeup()
        var quiet = logger
        quiet.logLevel = .warning
        let server = AgentServer.application(host: host, port: port, state: state, logger: quiet) { address in
            logger.info("listening on \(address)", metadata: ["address": "\(address)", "environment": "\(env)"])
            started.fire()
        }
        let loop = ReconcileLoop(reconciler: reconciler, state: state, interval: .seconds(DurationText.seconds(interval) ?? 30),
                                 logger: logger, started: started)
        // Shutdown runs in reverse order: the loop finishes its transaction first, then the server closes.
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: server), .init(service: loop, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: quiet))
        do {
            try await group.run()
        } catch {
            logger.critical("the agent stopped: \(error)")
            throw ExitCode(1)
        }
    }

    private func gitToken() throws -> String? {
        if let gitTokenFile {
            guard let data = FileManager.default.contents(atPath: gitTokenFile) else {
                throw ValidationError("cannot read the git token file \(gitTokenFile)")
            }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return ProcessInfo.processInfo.environment["KVCTL_GIT_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
    }

    private func cloneDirectory(for url: String) -> String {
        if let cloneDir { return cloneDir }
        let environment = ProcessInfo.processInfo.environment
        if let state = environment["STATE_DIRECTORY"]?.split(separator: ":").first { return "\(state)/clone" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return "\(home)/.cache/kvctl/agent/" + SHA256.hex(Array(url.utf8)).prefix(16)
    }
}
