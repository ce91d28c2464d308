import ConsulDouble
import Foundation
import Testing
import TestSupport

/// A real OpenSSH server on loopback (Debian's openssh-server, `make deps` installs it) serving a bare
/// repository to `git-upload-pack` over ssh, with a client key held by a real ssh-agent.
final class SSHServer: @unchecked Sendable {
    let folder: URL
    let port: Int
    let user: String
    let agentSocket: String
    /// The server's public host key as a `known_hosts` line for `[127.0.0.1]:PORT`: OpenSSH writes a
    /// host on another port than 22 in brackets with its port (sshd(8), SSH_KNOWN_HOSTS FILE FORMAT).
    let knownHostsLine: String
    private let server: SpawnedProcess
    private let agent: SpawnedProcess

    init(folder: URL) async throws {
        self.folder = folder
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        for name in ["host_key", "client_key"] {
            let made = try run("/usr/bin/env", ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path(name)])
            guard made.status == 0 else { throw FixtureError("ssh-keygen: \(made.standardError)") }
        }
        try FileManager.default.copyItem(atPath: path("client_key.pub"), toPath: path("authorized_keys"))
        user = try run("/usr/bin/env", ["id", "-un"]).standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        port = try RefusingPort().port
        // sshd wants its privilege separation directory even when it runs for one user.
        try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        let config = """
            Port \(port)
            ListenAddress 127.0.0.1
            HostKey \(path("host_key"))
            AuthorizedKeysFile \(path("authorized_keys"))
            PidFile \(path("sshd.pid"))
            StrictModes no
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no

            """
        try config.write(toFile: path("sshd_config"), atomically: true, encoding: .utf8)
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd") else {
            throw FixtureError("/usr/sbin/sshd is missing: make deps installs openssh-server")
        }
        server = try SpawnedProcess("/usr/sbin/sshd", ["-D", "-e", "-f", path("sshd_config")], timeout: 600)
        agentSocket = path("agent.sock")
        agent = try SpawnedProcess("/usr/bin/env", ["ssh-agent", "-D", "-a", agentSocket], timeout: 600)
        let hostKey = try String(contentsOfFile: path("host_key.pub"), encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
        knownHostsLine = "[127.0.0.1]:\(port) \(hostKey)\n"
        let clock = ContinuousClock(), deadline = clock.now + .seconds(60)
        while clock.now < deadline && !(server.standardErrorSoFar.contains("Server listening") && FileManager.default.fileExists(atPath: agentSocket)) {
            if server.hasExited || agent.hasExited { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        guard server.standardErrorSoFar.contains("Server listening") else {
            stop()
            throw FixtureError("sshd did not start: \(server.standardErrorSoFar)")
        }
        let added = try run("/usr/bin/env", ["ssh-add", "-q", path("client_key")], environment: ["SSH_AUTH_SOCK": agentSocket, "PATH": "/usr/bin:/bin"])
        guard added.status == 0 else {
            stop()
            throw FixtureError("ssh-add: \(added.standardError)")
        }
    }

    func url(of repository: URL) -> String { "ssh://\(user)@127.0.0.1:\(port)\(repository.path)" }

    /// A home whose `.ssh/known_hosts` holds `lines`: libgit2 checks the host key against the user's
    /// known_hosts file, as OpenSSH does.
    func home(_ name: String, knownHosts lines: String?) throws -> String {
        let home = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: home.appendingPathComponent(".ssh"), withIntermediateDirectories: true)
        if let lines { try lines.write(to: home.appendingPathComponent(".ssh/known_hosts"), atomically: true, encoding: .utf8) }
        return home.path
    }

    var log: String { server.standardErrorSoFar }

    func stop() {
        server.kill(SIGTERM)
        agent.kill(SIGTERM)
    }
}

extension AgentRuns {
/// `kvctl agent --repo ssh://…`: the clone and every fetch go over ssh with the ssh-agent's keys, and
/// the server must be in known_hosts: an unknown host key or no usable key fetches nothing.
@Suite struct SSHRemotes {
    @Test func anAgentClonesAndFetchesOverSSHWithAKnownHostAndAnAgentKeyOnly() async throws {
        let double = try await ConsulDouble.start()
        let fixture = try AgentFixture()
        try fixture.pin("  prod: {address: '\(double.baseURL)', version: v1.0.0}\n")
        let ssh = try await SSHServer(folder: fixture.scratch)
        defer { ssh.stop() }
        let url = ssh.url(of: fixture.remote)
        var base = fixture.environment
        base.removeValue(forKey: "SSH_AUTH_SOCK")
        func agent(home: String, agentSocket: String?, clone: String) async throws -> RunningAgent {
            var environment = base
            environment["HOME"] = home
            environment["SSH_AUTH_SOCK"] = agentSocket
            return try await RunningAgent(["--env", "prod", "--repo", url, "--clone-dir", fixture.scratch.appendingPathComponent(clone).path,
                                           "--interval", "1s"], in: fixture.scratch, environment: environment)
        }

        // A host key nobody vouched for: libgit2 refuses it before authenticating.
        let stranger = try await agent(home: try ssh.home("stranger", knownHosts: nil), agentSocket: ssh.agentSocket, clone: "a")
        let strangerRefused = try await stranger.eventually { stranger.log.contains("unknown remote ssh hostkey") }
        _ = try await stranger.stop()
        // A known host but no key to offer.
        let keyless = try await agent(home: try ssh.home("keyless", knownHosts: ssh.knownHostsLine), agentSocket: nil, clone: "b")
        let keylessRefused = try await keyless.eventually { keyless.log.contains("cannot clone") && keyless.log.contains("error authenticating") }
        _ = try await keyless.stop()
        let untouched = double.snapshot().isEmpty

        let trusted = try await agent(home: try ssh.home("trusted", knownHosts: ssh.knownHostsLine), agentSocket: ssh.agentSocket, clone: "c")
        let cloned = try await trusted.eventually { value(double) == "1" }
        try fixture.pin("  prod: {address: '\(double.baseURL)', version: v1.1.0}\n")
        let fetched = try await trusted.eventually { value(double) == "2" }
        let stopped = try await trusted.stop()
        try await double.stop()

        #expect(strangerRefused, "\(stranger.log)")
        #expect(keylessRefused, "\(keyless.log)")
        #expect(untouched, "nothing was written before a trusted clone")
        #expect(cloned, "the pinned v1.0.0 goes live from an ssh clone: \(trusted.log)\n\(ssh.log)")
        #expect(fetched, "a pin pushed later arrives by an ssh fetch: \(trusted.log)")
        #expect(stopped.status == 0, "\(stopped.standardError)")
    }
}
}
