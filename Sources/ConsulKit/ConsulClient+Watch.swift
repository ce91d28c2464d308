import Foundation
import KVCore
import NIOHTTP1
import Publishing

extension ConsulClient: KeyListing, TransactionLimitProbing {
    /// `GET /v1/kv/<prefix>?keys`: the names only, and `X-Consul-Index`, which Consul computes over the
    /// entries and tombstones under the prefix (hashicorp/consul agent/consul/kvs_endpoint.go `ListKeys`
    /// over `KVSList`, agent/consul/state/kvs.go `kvsListTxn`).
    public func keys(under prefix: String) async throws -> (keys: [String], index: UInt64) {
        let path = "/v1/kv/" + QueryEncoding.keyPath(prefix)
        let response = try await transport.send(.GET, path: path, query: [("keys", nil)])
        if response.status == 200 || response.status == 404, response.headers.first(name: Self.filteredHeader) == "true" {
            throw ConsulError.resultsFilteredByACLs(prefix: prefix)
        }
        switch response.status {
        case 200, 404:
            let index = try consulIndex(response, .GET, path: path)
            guard response.status == 200 else { return ([], index) }
            guard let keys = try? JSONDecoder().decode([String].self, from: Data(response.body)) else {
                throw invalidResponse(.GET, path: path, "expected a JSON list of keys")
            }
            return (keys, index)
        case 403:
            throw ConsulError.permissionDenied(keys: [prefix.isEmpty ? "every key" : prefix + "*"], message: response.text)
        default:
            throw rejection(response, key: prefix) ?? unexpected(response, .GET, path: path)
        }
    }

    /// Waits until something under `prefix` changes after `index`, or `wait` ends: a Consul blocking
    /// query (`?keys&index=N&wait=`, names only, so a wake-up costs no values). Returns the new index,
    /// and whether it differs from `index` (a change, or with `index` 0 the first look). Feed the index
    /// back into the next call. Consul holds the request at most 10 minutes (5 without `wait`) plus up
    /// to a sixteenth as jitter, and an answer is no promise that a value changed, only that the index
    /// moved (https://developer.hashicorp.com/consul/api-docs/features/blocking). An index lower than
    /// `index` (a restored snapshot, reaped tombstones) counts as a change and is returned as it is:
    /// watching on from it is what the docs' "reset to 0" amounts to, without a non-blocking read more.
    /// A read, never a write; failures are retried with backoff like every request, then thrown, and
    /// an unchanged answer that came back early is held until a second (or `wait`) has passed, so a
    /// server or proxy that does not block cannot make a caller spin.
    public func watch(prefix: String, index: UInt64, wait: Duration) async throws -> (index: UInt64, changed: Bool) {
        try await watch(path: "/v1/kv/" + QueryEncoding.keyPath(prefix), key: prefix, listing: true, index: index, wait: wait)
    }

    /// `watch(prefix:index:wait:)` for one key (`GET /v1/kv/<key>?index=N&wait=`): its ModifyIndex, or
    /// the store's index while it is absent.
    public func watch(key: String, index: UInt64, wait: Duration) async throws -> (index: UInt64, changed: Bool) {
        try await watch(path: "/v1/kv/" + QueryEncoding.keyPath(key), key: key, listing: false, index: index, wait: wait)
    }

    private func watch(path: String, key: String, listing: Bool, index: UInt64, wait: Duration) async throws -> (index: UInt64, changed: Bool) {
        let wait = min(max(wait, .milliseconds(1)), .seconds(600))
        let start = ContinuousClock.now
        let milliseconds = wait.components.seconds * 1000 + wait.components.attoseconds / 1_000_000_000_000_000
        let query: [(String, String?)] = (listing ? [("keys", nil)] : []) + [("index", String(index)), ("wait", "\(milliseconds)ms")]
        let response = try await transport.send(.GET, path: path, query: query, holding: index == 0 ? nil : wait)
        switch response.status {
        case 200, 404: break
        case 403: throw ConsulError.permissionDenied(keys: [listing ? key + "*" : key], message: response.text)
        default: throw rejection(response, key: key) ?? unexpected(response, .GET, path: path)
        }
        // Consul never answers 0 ("Index 1 is impossible anyways", kvs_endpoint.go); a proxy might.
        let current = max(try consulIndex(response, .GET, path: path), 1)
        let changed = current != index
        let floor = min(wait, .seconds(1))
        if !changed, ContinuousClock.now - start < floor { try await Task.sleep(until: start + floor) }
        return (current, changed)
    }

    /// Consul's `maxTxnOps` for this server from `Config.Version` of `/v1/agent/self`, which needs
    /// `agent:read` (hashicorp/consul agent/agent_endpoint.go `AgentSelf`); asked once per client. The
    /// same answer says whether ACLs are on (`DebugConfig.ACLsEnabled`, the sanitized runtime config),
    /// which spares the write-access check its own question.
    public func serverTransactionLimit() async throws -> ServerTransactionLimit {
        if let known = agentSelf.withLockedValue({ $0 }) { return known.limit }
        let path = "/v1/agent/self"
        let response = try await transport.send(.GET, path: path)
        let keep = "so transactions keep \(TransactionLimits().maxOperations) operations (set transaction.max-operations: 128 "
            + "in kvctl.yaml for Consul 1.14 or later)"
        let limit: ServerTransactionLimit, aclsEnabled: Bool?
        switch response.status {
        case 200:
            struct Agent: Decodable {
                struct Config: Decodable { let Version: String }
                struct DebugConfig: Decodable { let ACLsEnabled: Bool? }
                let Config: Config
                let DebugConfig: DebugConfig?
            }
            let agent = try? JSONDecoder().decode(Agent.self, from: Data(response.body))
            if let version = agent?.Config.Version, let operations = TransactionLimits.consulMaxOperations(version: version) {
                limit = .operations(operations, version: version)
            } else {
                limit = .unknown(reason: "Consul's \(path) did not name its version, \(keep)")
            }
            aclsEnabled = agent?.DebugConfig?.ACLsEnabled
        case 403:
            limit = .unknown(reason: "the token may not read Consul's version (\(path) needs agent:read), \(keep)")
            aclsEnabled = true
        default:
            limit = .unknown(reason: "Consul's version is unknown (\(path) answered \(response.status)), \(keep)")
            aclsEnabled = nil
        }
        agentSelf.withLockedValue { $0 = AgentSelf(limit: limit, aclsEnabled: aclsEnabled) }
        return limit
    }

    private func consulIndex(_ response: ConsulResponse, _ method: HTTPMethod, path: String) throws -> UInt64 {
        guard let index = response.headers.first(name: "X-Consul-Index").flatMap({ UInt64($0) }) else {
            throw invalidResponse(method, path: path, "no X-Consul-Index header")
        }
        return index
    }
}
