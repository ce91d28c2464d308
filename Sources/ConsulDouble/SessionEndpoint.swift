import Foundation

/// `/v1/session/`: create, renew, destroy, info and list.
extension DoubleRouter {
    func session(
        _ request: DoubleRequest, route: Substring, datacenter: String, state: inout DoubleState, now: ContinuousClock.Instant
    ) -> DoubleResponse {
        let parts = route.split(separator: "/", maxSplits: 1).map(String.init)
        switch (request.method, parts.first ?? "", parts.count == 2 ? parts[1] : nil) {
        case ("PUT", "create", nil):
            return createSession(request, datacenter: datacenter, state: &state, now: now)
        case ("PUT", "renew", let id?):
            guard var session = state.sessions[id] else { return .text(404, "Session id '\(id)' not found") }
            session.renew(now: now)
            state.sessions[id] = session
            var answer = SessionJSON(session)
            if let ttl = options.renewalTTL { answer.TTL = ttl }
            return .json([answer])
        case ("PUT", "destroy", let id?):
            state.write { state, index in state.invalidate(session: id, at: index, now: now) }
            return .bool(true)
        case ("GET", "info", let id?):
            return .json(state.sessions[id].map { [SessionJSON($0)] } ?? []).withConsulIndex(state.index)
        case ("GET", "list", nil):
            let sessions = state.sessions.values.sorted { $0.createIndex < $1.createIndex }
            return .json(sessions.map(SessionJSON.init)).withConsulIndex(state.index)
        default:
            return .text(404, "the Consul double does not serve \(request.method) /v1/session/\(route)")
        }
    }

    private func createSession(
        _ request: DoubleRequest, datacenter: String, state: inout DoubleState, now: ContinuousClock.Instant
    ) -> DoubleResponse {
        var body = SessionRequestJSON()
        if !request.body.isEmpty {
            do {
                body = try JSONDecoder().decode(SessionRequestJSON.self, from: Data(request.body))
            } catch {
                return .text(400, "Request decode failed: \(error)")
            }
        }
        guard let behavior = DoubleSession.Behavior(rawValue: body.Behavior ?? "release") else {
            return .text(400, "Invalid Behavior setting \"\(body.Behavior ?? "")\"")
        }
        let ttlText = body.TTL ?? ""
        var ttl: Duration?
        if !ttlText.isEmpty {
            guard let parsed = GoDuration.parse(ttlText) else { return .text(400, "Request decode failed: invalid TTL \"\(ttlText)\"") }
            if parsed != .zero {
                guard parsed >= .seconds(10), parsed <= .seconds(86_400) else {
                    return .text(400, "Invalid Session TTL '\(ttlText)', must be between [10s=24h0m0s]")
                }
                ttl = parsed
            }
        }
        guard let lockDelay = GoDuration.parse(body.LockDelay ?? "15s") else {
            return .text(400, "Request decode failed: invalid LockDelay \"\(body.LockDelay ?? "")\"")
        }
        // The agent binds a session to its own node unless told otherwise (hashicorp/consul
        // agent/session_endpoint.go, SessionCreate); in another datacenter that node is not in the catalog
        // (hashicorp/consul agent/consul/state/session.go: ErrMissingNode, "Missing node registration").
        let node = body.Node.flatMap { $0.isEmpty ? nil : $0 } ?? options.nodeName
        guard options.servers(in: datacenter)?.contains(node) == true else { return .text(500, "Missing node registration") }
        let id = UUID().uuidString.lowercased()
        state.write { state, index in
            var session = DoubleSession(
                id: id, name: body.Name ?? "", node: node, behavior: behavior, ttlText: ttlText, ttl: ttl, lockDelay: lockDelay,
                createIndex: index)
            session.renew(now: now)
            state.sessions[id] = session
        }
        return .json(["ID": id])
    }
}
