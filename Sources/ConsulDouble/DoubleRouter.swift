/// Answers one request against the state, as Consul's HTTP handlers would. Runs under the state's lock.
struct DoubleRouter: Sendable {
    let options: DoubleOptions

    func respond(
        to request: DoubleRequest, datacenter: String, state: inout DoubleState, now: ContinuousClock.Instant
    ) -> DoubleResponse {
        // Go's ServeMux answers a path that is not in canonical form with a redirect before any handler
        // runs (golang/go src/net/http/server.go, ServeMux.Handler and cleanPath).
        let clean = Self.cleanPath(request.path)
        if clean != request.path {
            let query = request.uri.split(separator: "?", maxSplits: 1).dropFirst().first.map { "?" + $0 } ?? ""
            return DoubleResponse(status: 301, headers: [("Location", clean + query)], body: [])
        }
        guard authorized(request) else { return .text(403, "Permission denied") }
        let path = request.path
        if path.hasPrefix("/v1/kv/") {
            return kv(request, key: String(path.dropFirst("/v1/kv/".count)), state: &state, now: now)
        }
        if path == "/v1/txn" { return transaction(request, state: &state, now: now) }
        if path.hasPrefix("/v1/session/") {
            return session(request, route: path.dropFirst("/v1/session/".count), datacenter: datacenter, state: &state, now: now)
        }
        if path == "/v1/health/service/consul", request.method == "GET" { return consulServers(in: datacenter) }
        if path == "/v1/status/leader", request.method == "GET" { return .json("127.0.0.1:8300") }
        if path == "/v1/acl/token/self", request.method == "GET" { return tokenSelf() }
        if path == "/v1/agent/self", request.method == "GET" { return agentSelf(datacenter: datacenter) }
        return .text(404, "the Consul double does not serve \(request.method) \(path)")
    }

    /// ACLs are on when the double has a token or write rules; Consul answers 401 when they are off.
    private func tokenSelf() -> DoubleResponse {
        guard aclsEnabled else { return .text(401, "ACL support disabled") }
        return .json(["AccessorID": Self.accessorID, "Description": "the Consul double's token"])
    }

    private var aclsEnabled: Bool { options.token != nil || !options.deniedWritePrefixes.isEmpty || options.deniesAgentRead }

    /// The parts of `/v1/agent/self` clients read: `Config` with `Version`. It needs `agent:read` on the
    /// agent's node (hashicorp/consul agent/agent_endpoint.go `AgentSelf`, `AgentReadAllowed`).
    private func agentSelf(datacenter: String) -> DoubleResponse {
        if options.deniesAgentRead {
            return .text(403, "Permission denied: token with AccessorID '\(Self.accessorID)' lacks permission 'agent:read' on \"\(options.nodeName)\"")
        }
        return .json(AgentSelfJSON(Config: .init(Datacenter: datacenter, NodeName: options.nodeName, Server: true, Version: options.version),
                                   DebugConfig: .init(ACLsEnabled: aclsEnabled)))
    }

    /// The servers of `datacenter` as `/v1/health/service/consul` lists them: every server registers the
    /// `consul` service, with its node's `serfHealth` check.
    private func consulServers(in datacenter: String) -> DoubleResponse {
        let servers = (options.servers(in: datacenter) ?? []).map { node in
            HealthEntryJSON(Node: .init(Node: node, Datacenter: datacenter), Checks: [.init(Node: node)])
        }
        return .json(servers)
    }

    /// Go's `path.Clean` for a rooted path, keeping a trailing slash: `.` and empty segments go, `..` drops its parent.
    static func cleanPath(_ path: String) -> String {
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": _ = segments.popLast()
            default: segments.append(segment)
            }
        }
        let cleaned = "/" + segments.joined(separator: "/")
        return path.hasSuffix("/") && cleaned != "/" ? cleaned + "/" : cleaned
    }

    /// Whether the request carries a token: Consul sets `X-Consul-Results-Filtered-By-ACLs` only then,
    /// so that anonymous requests learn nothing (hashicorp/consul agent/agent_endpoint.go sets it `if token != ""`,
    /// as `Server.maskResultsFilteredByACLs` does for RPC-backed endpoints).
    func carriesToken(_ request: DoubleRequest) -> Bool {
        !(request.header("X-Consul-Token") ?? "").isEmpty || (request.header("Authorization") ?? "").hasPrefix("Bearer ")
    }

    func authorized(_ request: DoubleRequest) -> Bool {
        guard let token = options.token else { return true }
        if request.header("X-Consul-Token") == token { return true }
        return request.header("Authorization") == "Bearer \(token)"
    }

    /// Consul's wording for a missing `key:write` right; names the accessor, never the secret.
    func writeDenial(_ key: String, tree: Bool = false) -> String? {
        let denied = options.deniedWritePrefixes.contains { key.hasPrefix($0) || (tree && $0.hasPrefix(key)) }
        guard denied else { return nil }
        return "Permission denied: token with AccessorID '\(Self.accessorID)' lacks permission 'key:write' on \"\(key)\""
    }

    /// Consul's wording for a missing `key:read` right.
    func readDenial(_ key: String) -> String? {
        guard options.deniedReadPrefixes.contains(where: key.hasPrefix) else { return nil }
        return "Permission denied: token with AccessorID '\(Self.accessorID)' lacks permission 'key:read' on \"\(key)\""
    }

    func readable(_ entry: DoubleEntry) -> Bool { readDenial(entry.key) == nil }

    private static let accessorID = "00000000-0000-0000-0000-00000000d0b1"
}
