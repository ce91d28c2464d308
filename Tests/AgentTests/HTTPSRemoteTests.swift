import Foundation
import GitKit
import Testing
import TestSupport

/// git's smart HTTP protocol served by `git http-backend` (the CGI program git ships for exactly this)
/// behind Python's TLS server, asking for HTTP basic authentication as GitHub, Gitea and GitLab do for
/// a private repository: a request without the token gets 401 and `WWW-Authenticate`. Prints its port
/// on standard error.
private let gitHTTPSServer = #"""
import base64, http.server, os, ssl, subprocess, sys
root, token, certificate, key = sys.argv[1:5]
wanted = "Basic " + base64.b64encode(("x-access-token:" + token).encode()).decode()

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def serve(self):
        body = self.body()
        if self.headers.get("Authorization") != wanted:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path, _, query = self.path.partition("?")
        environment = dict(os.environ, GIT_PROJECT_ROOT=root, GIT_HTTP_EXPORT_ALL="1", PATH_INFO=path, QUERY_STRING=query,
                           REQUEST_METHOD=self.command, CONTENT_TYPE=self.headers.get("Content-Type", ""),
                           CONTENT_LENGTH=str(len(body)), REMOTE_USER="x-access-token")
        output = subprocess.run(["git", "http-backend"], input=body, env=environment, capture_output=True).stdout
        separator = b"\r\n\r\n" if b"\r\n\r\n" in output else b"\n\n"
        head, _, payload = output.partition(separator)
        status, headers = 200, []
        for line in head.decode().splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.split()[0])
            elif name:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = serve

    def log_message(self, *arguments):
        pass

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(certificate, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
print("port", server.server_address[1], file=sys.stderr, flush=True)
server.serve_forever()
"""#

/// `Mirror.update` of an `https://` remote with a token, as `kvctl agent --repo https://… --git-token-file
/// F --git-ca-file CA` fetches: the certificate is checked against the CA given (libgit2 keeps one TLS
/// configuration per process, so everything here is one test).
@Suite struct HTTPSRemotes {
    @Test func aTokenClonesAndFetchesWhileAMissingOrWrongOneAndAnUntrustedCertificateAreRefused() async throws {
        try await withPKI { pki in
            let folder = pki.folder
            let work = try FixtureRepository()
            try work.write("kvctl.yaml", "name: settings\n")
            try work.commitAll()
            try work.git("tag", "-a", "v1.0.0", "-m", "release")
            let remote = folder.appendingPathComponent("remote.git").path
            #expect(try run("/usr/bin/env", ["git", "init", "-q", "--bare", "-b", "main", remote]).status == 0)
            try work.git("remote", "add", "origin", remote)
            try work.git("push", "-q", "origin", "main", "--tags")
            let script = folder.appendingPathComponent("git-https-server.py")
            try gitHTTPSServer.write(to: script, atomically: true, encoding: .utf8)
            let token = "t0ken-\(UUID().uuidString)"
            let server = try SpawnedProcess("/usr/bin/env", ["python3", script.path, folder.path, token, pki.serverCertificate, pki.serverKey],
                                            timeout: 300)
            defer { server.kill() }
            let deadline = Date().addingTimeInterval(60)
            while !server.standardErrorSoFar.contains("\n") && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
            let port = try #require(server.standardErrorSoFar.split(separator: "\n").first?.split(separator: " ").last.flatMap { Int($0) },
                                    "the server said its port: \(server.standardErrorSoFar)")
            // localhost: the server certificate's DNS name (mbedTLS, libgit2's TLS here, checks names only).
            let url = "https://localhost:\(port)/remote.git"
            func clone(_ name: String) -> String { folder.appendingPathComponent(name).path }

            try Mirror.trustCertificates(inFile: pki.untrustedCA)
            let untrusted = #expect(throws: GitError.self) { try Mirror.update(url: url, at: clone("a"), credentials: .init(token: token)) }
            #expect(untrusted?.message.lowercased().contains("certificate") == true, "\(String(describing: untrusted))")

            try Mirror.trustCertificates(inFile: pki.ca)
            let anonymous = #expect(throws: GitError.self) { try Mirror.update(url: url, at: clone("b")) }
            #expect(anonymous?.message.contains("401") == true || anonymous?.message.lowercased().contains("auth") == true,
                    "\(String(describing: anonymous))")
            let wrong = #expect(throws: GitError.self) { try Mirror.update(url: url, at: clone("c"), credentials: .init(token: "wrong-\(token)")) }
            #expect(wrong.map { !$0.message.contains(token) } == true, "the token never shows")

            let first = try Mirror.update(url: url, at: clone("d"), credentials: .init(token: token))
            #expect(first.description == (try work.git("rev-parse", "HEAD")).trimmingCharacters(in: .whitespacesAndNewlines))
            try work.write("kv/app.yaml", "config:\n  - key: config/app/port\n    value: 2\n")
            let second = try work.commitAll()
            try work.git("tag", "-a", "v1.1.0", "-m", "release")
            try work.git("push", "-q", "origin", "main", "--tags")
            #expect(try Mirror.update(url: url, at: clone("d"), credentials: .init(token: token)).description == second)
            let tags = try run("/usr/bin/env", ["git", "-C", clone("d"), "tag", "--list"]).standardOutput
            #expect(tags == "v1.0.0\nv1.1.0\n")
        }
    }

    @Test func anUnreadableCAFileIsAUsageError() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("kvctl-no-ca-\(UUID().uuidString).pem").path
        let result = try run(kvctlBinary(), ["agent", "--env", "prod", "--repo", "https://localhost:1/remote.git", "--git-ca-file", missing],
                             timeout: 60)
        #expect(result.status == 2, "\(result.standardError)")
        #expect(result.standardError.contains("--git-ca-file: cannot read the CA file \(missing)"), "\(result.standardError)")
    }
}
