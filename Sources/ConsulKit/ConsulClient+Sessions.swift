import Foundation
import KVCore
import NIOHTTP1

/// What Consul does with a session's locked keys when the session ends.
public enum SessionBehavior: String, Sendable {
    case release, delete
}

/// Sessions and locks, kept minimal until the publish lock needs more.
extension ConsulClient {
    /// Creates a session and returns its ID. Consul requires a TTL between 10s and 24h and may let the
    /// session live up to twice the TTL; renew well within it.
    /// `node` binds the session to that catalog node instead of the agent's own.
    public func createSession(
        name: String, ttl: Duration, behavior: SessionBehavior = .release, lockDelay: Duration = .seconds(15), node: String? = nil
    ) async throws -> String {
        var request: [String: String] = [
            "Name": name, "TTL": Self.goDuration(ttl), "Behavior": behavior.rawValue, "LockDelay": Self.goDuration(lockDelay),
        ]
        request["Node"] = node
        let path = "/v1/session/create"
        let response = try await transport.send(.PUT, path: path, body: Array(try JSONEncoder().encode(request)))
        guard response.status == 200 else { throw unexpected(response, .PUT, path: path) }
        struct Created: Decodable { var ID: String }
        guard let created = try? JSONDecoder().decode(Created.self, from: Data(response.body)) else {
            throw invalidResponse(.PUT, path: path, "no session ID in \(response.text)")
        }
        return created.ID
    }

    /// A server node of the configured datacenter, for sessions there: the agent binds a session to its own
    /// node, which another datacenter's catalog does not know ("Missing node registration": hashicorp/consul
    /// agent/session_endpoint.go defaults `Node` to the agent's; agent/consul/state/session.go refuses an
    /// unknown node). Every server registers the `consul` service; a passing one keeps the session alive.
    public func serverNode() async throws -> String {
        let path = "/v1/health/service/consul"
        let response = try await transport.send(.GET, path: path, query: [("passing", nil)])
        let datacenter = configuration.datacenter ?? "of the agent"
        guard response.status == 200 else {
            throw ConsulError.noSessionNode(
                datacenter: datacenter, reason: "GET \(path) answered \(response.status): \(response.text)")
        }
        struct Entry: Decodable {
            struct Node: Decodable { var Node: String }
            var Node: Node
        }
        guard let entries = try? JSONDecoder().decode([Entry].self, from: Data(response.body)) else {
            throw invalidResponse(.GET, path: path, "not a list of service entries: \(response.text)")
        }
        guard let node = entries.first?.Node.Node else {
            throw ConsulError.noSessionNode(
                datacenter: datacenter,
                reason: "GET \(path)?passing lists no passing Consul server (the token needs node:read and service:read on \"consul\" there)")
        }
        return node
    }

    /// Resets the session's TTL; throws `ConsulError.sessionNotFound` once it has expired or been destroyed.
    /// `within` bounds the call, retries included, so a renewal never outlasts the session it keeps.
    /// Returns the TTL Consul answered, when it names one: a loaded Consul answers one above the session's
    /// own to ask for fewer renewals (Consul's session API docs, website/content/api-docs/session.mdx, "Renew Session").
    @discardableResult
    public func renewSession(_ id: String, within budget: Duration? = nil) async throws -> Duration? {
        let path = "/v1/session/renew/" + QueryEncoding.encode(id)
        let response = try await transport.send(.PUT, path: path, budget: budget)
        switch response.status {
        case 200:
            struct Renewed: Decodable { var TTL: String? }
            // Go's Duration.String(): "15s", "1m30s"; anything else leaves the schedule as it was.
            let ttl = (try? JSONDecoder().decode([Renewed].self, from: Data(response.body)))?.first?.TTL
            return ttl.flatMap { DurationText.seconds($0) }.map { .seconds($0) }
        case 404: throw ConsulError.sessionNotFound(id)
        default: throw unexpected(response, .PUT, path: path)
        }
    }

    /// Ends the session, which releases (or deletes) the keys it holds.
    public func destroySession(_ id: String) async throws {
        let path = "/v1/session/destroy/" + QueryEncoding.encode(id)
        let response = try await transport.send(.PUT, path: path)
        guard response.status == 200 else { throw unexpected(response, .PUT, path: path) }
    }

    /// Writes `value` and takes the key's lock for `session`; false when another session holds it
    /// (or the key is within its lock delay).
    public func acquire(key: String, value: [UInt8], session: String) async throws -> Bool {
        try await lockWrite(key: key, value: value, query: ("acquire", session))
    }

    /// Writes `value` and frees the lock, as Consul's release does: the value is replaced, so pass the
    /// one to keep. False when `session` does not hold the lock.
    public func release(key: String, value: [UInt8], session: String) async throws -> Bool {
        try await lockWrite(key: key, value: value, query: ("release", session))
    }

    private func lockWrite(key: String, value: [UInt8], query: (String, String)) async throws -> Bool {
        let path = "/v1/kv/" + QueryEncoding.keyPath(key)
        let response = try await transport.send(
            .PUT, path: path, query: [(query.0, query.1)], body: value, contentType: "application/octet-stream")
        switch response.status {
        case 200:
            switch response.text {
            case "true": return true
            case "false": return false
            default: throw invalidResponse(.PUT, path: path, "expected true or false, got \(response.text)")
            }
        case 403: throw ConsulError.permissionDenied(keys: [key], message: response.text)
        case 413: throw ConsulError.tooLarge(message: response.text)
        default: throw rejection(response, key: key) ?? unexpected(response, .PUT, path: path)
        }
    }

    /// Go's duration syntax, in whole seconds: Consul parses TTLs and lock delays with it.
    private static func goDuration(_ duration: Duration) -> String {
        "\(duration.components.seconds)s"
    }
}
