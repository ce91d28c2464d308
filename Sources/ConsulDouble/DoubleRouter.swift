/// Answers one request against the state, as Consul's HTTP handlers would. Runs under the state's lock.
struct DoubleRouter: Sendable {
    let options: DoubleOptions

    func respond(to request: DoubleRequest, state: inout DoubleState, now: ContinuousClock.Instant) -> DoubleResponse {
        guard authorized(request) else { return .text(403, "Permission denied") }
        if let datacenter = request.query["dc"], !datacenter.isEmpty, datacenter != options.datacenter {
            return .text(500, "No path to datacenter")
        }
        let path = request.path
        if path.hasPrefix("/v1/kv/") {
            return kv(request, key: String(path.dropFirst("/v1/kv/".count)), state: &state, now: now)
        }
        if path == "/v1/txn" { return transaction(request, state: &state, now: now) }
        if path.hasPrefix("/v1/session/") {
            return session(request, route: path.dropFirst("/v1/session/".count), state: &state, now: now)
        }
        if path == "/v1/status/leader", request.method == "GET" { return .json("127.0.0.1:8300") }
        if path == "/v1/acl/token/self", request.method == "GET" { return tokenSelf() }
        return .text(404, "the Consul double does not serve \(request.method) \(path)")
    }

    /// ACLs are on when the double has a token or write rules; Consul answers 401 when they are off.
    private func tokenSelf() -> DoubleResponse {
        guard options.token != nil || !options.deniedWritePrefixes.isEmpty else { return .text(401, "ACL support disabled") }
        return .json(["AccessorID": Self.accessorID, "Description": "the Consul double's token"])
    }

    private func authorized(_ request: DoubleRequest) -> Bool {
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

    private static let accessorID = "00000000-0000-0000-0000-00000000d0b1"
}
