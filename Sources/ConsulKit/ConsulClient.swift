import Foundation
import NIOConcurrencyHelpers
import NIOHTTP1
import Publishing

/// kvctl's Consul: a `KVStore` over Consul's HTTP API. Reads are one recursive GET, writes one `/v1/txn`.
///
/// ```swift
/// let configuration = try ConsulConfiguration.fromEnvironment(ProcessInfo.processInfo.environment)
/// try await ConsulClient.withClient(configuration) { consul in
///     let entries = try await consul.entries(under: "config/")
///     try await consul.apply([.set(key: "config/a", value: Array("1".utf8), flags: 0)])
/// }
/// ```
public final class ConsulClient: KVStore {
    public let configuration: ConsulConfiguration
    let transport: ConsulTransport
    /// What `/v1/agent/self` said (`serverTransactionLimit()`), asked once.
    let agentSelf = NIOLockedValueBox<AgentSelf?>(nil)

    struct AgentSelf {
        let limit: ServerTransactionLimit
        /// Whether ACLs are on, when the agent said (`DebugConfig.ACLsEnabled`) or refused (a 403 needs them).
        let aclsEnabled: Bool?
    }

    /// Call `shutdown()` when done, or use `withClient`.
    public init(configuration: ConsulConfiguration) throws {
        self.configuration = configuration
        transport = try ConsulTransport(configuration: configuration)
    }

    /// Runs `body` with a client and shuts it down afterwards, whether `body` threw or not.
    public static func withClient<T>(
        _ configuration: ConsulConfiguration,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (ConsulClient) async throws -> sending T
    ) async throws -> sending T {
        let client = try ConsulClient(configuration: configuration)
        let result: Result<T, any Error>
        do {
            result = .success(try await body(client))
        } catch {
            result = .failure(error)
        }
        try await client.shutdown()
        return try result.get()
    }

    public func shutdown() async throws {
        try await transport.shutdown()
    }

    public var description: String { configuration.description }

    /// HTTP requests sent so far, retries included.
    public var requestCount: Int { transport.requestCount }

    public func entries(under prefix: String) async throws -> [StoredEntry] {
        let path = "/v1/kv/" + QueryEncoding.keyPath(prefix)
        let response = try await transport.send(.GET, path: path, query: [("recurse", nil)])
        // Keys the token may not read look absent; a plan on such a view would delete, claim or miss keys
        // it cannot see (hashicorp/consul agent/http.go setMeta: `X-Consul-Results-Filtered-By-ACLs: true`).
        if response.status == 200 || response.status == 404, response.headers.first(name: Self.filteredHeader) == "true" {
            throw ConsulError.resultsFilteredByACLs(prefix: prefix)
        }
        switch response.status {
        case 200:
            do {
                return try KVEntryJSON.list(from: response.body) { try storedEntry($0, path: path) }
            } catch let error as ConsulError {
                throw error
            } catch {
                throw invalidResponse(.GET, path: path, "\(error)")
            }
        case 404:
            return []
        case 403:
            throw ConsulError.permissionDenied(keys: [prefix.isEmpty ? "every key" : prefix + "*"], message: response.text)
        default:
            throw rejection(response, key: prefix) ?? unexpected(response, .GET, path: path)
        }
    }

    static let filteredHeader = "X-Consul-Results-Filtered-By-ACLs"

    public func apply(_ operations: [StoreOperation]) async throws {
        try await apply(operations, taking: nil)
    }

    /// `lock`: a lock operation put before `operations` (`ConsulSessionLock.applyTaking`); its failure
    /// throws `LockBusy`, and conflicts are indexed in `operations`.
    func apply(_ operations: [StoreOperation], taking lock: (key: String, value: [UInt8], session: String)?) async throws {
        guard !operations.isEmpty else { return }
        var encoded = operations.map { TxnOperationJSON($0, namespace: configuration.namespace, partition: configuration.partition) }
        if let lock {
            encoded.insert(TxnOperationJSON(locking: lock.key, value: lock.value, session: lock.session, namespace: configuration.namespace,
                                            partition: configuration.partition), at: 0)
        }
        let shift = lock == nil ? 0 : 1
        let body = try JSONEncoder().encode(encoded)
        let response = try await transport.send(.PUT, path: "/v1/txn", body: Array(body))
        switch response.status {
        case 200:
            return
        case 409:
            let failures = (try? JSONDecoder().decode(TxnErrorsJSON.self, from: Data(response.body)))?.Errors ?? []
            guard var first = failures.first else {
                throw invalidResponse(.PUT, path: "/v1/txn", "a 409 without Errors: \(response.text)")
            }
            // Consul reports missing ACL rights inside a transaction as rolled-back operations (409, not 403:
            // hashicorp/consul agent/consul/txn_endpoint.go checks each operation's rights in preCheck).
            let denied = failures.filter { $0.What.hasPrefix("Permission denied") }
            if let firstDenied = denied.first {
                let keys = denied.compactMap { operations.indices.contains($0.OpIndex - shift) ? operations[$0.OpIndex - shift].key : lock?.key }
                throw ConsulError.permissionDenied(keys: keys, message: firstDenied.What.redacting(configuration.secrets))
            }
            // A retried transaction whose first attempt committed (its answer lost to a 5xx or a dropped
            // connection) fails its own conditions: it was applied if the keys hold exactly what it wrote.
            if response.attempts > 1, try await holdsWritten(operations) { return }
            if lock != nil && first.OpIndex == 0 {
                throw LockBusy(holder: try await holder(of: lock?.key ?? ""))
            }
            first.OpIndex -= shift
            throw TransactionConflict(operationIndex: first.OpIndex, reason: first.What.redacting(configuration.secrets))
        case 403:
            throw ConsulError.permissionDenied(keys: operations.map(\.key), message: response.text)
        case 413:
            throw ConsulError.tooLarge(message: response.text)
        default:
            throw unexpected(response, .PUT, path: "/v1/txn")
        }
    }

    /// Whether every key holds what `operations` write (value and flags), and every deleted key is gone:
    /// one read-only transaction of `get-or-empty`, which answers an absent key with ModifyIndex 0
    /// (hashicorp/consul agent/consul/state/txn.go, `case api.KVGetOrEmpty`).
    private func holdsWritten(_ operations: [StoreOperation]) async throws -> Bool {
        let reads = operations.map { TxnOperationJSON(reading: $0.key, namespace: configuration.namespace, partition: configuration.partition) }
        let path = "/v1/txn"
        let response = try await transport.send(.PUT, path: path, body: Array(try JSONEncoder().encode(reads)))
        guard response.status == 200 else { throw unexpected(response, .PUT, path: path) }
        guard let results = try? JSONDecoder().decode(TxnResultsJSON.self, from: Data(response.body)).Results,
              results.count == operations.count else {
            throw invalidResponse(.PUT, path: path, "expected \(operations.count) results to the re-read, got \(response.text)")
        }
        var live: [String: StoredEntry] = [:]
        for case let entry? in results.map(\.KV) where entry.ModifyIndex != 0 {
            live[entry.Key] = try storedEntry(entry, path: path)
        }
        return operations.allSatisfy { operation in
            switch operation {
            case .set(let key, let value, let flags), .compareAndSet(let key, let value, let flags, _):
                live[key].map { $0.value == value && $0.flags == flags } ?? false
            case .delete(let key), .compareAndDelete(let key, _):
                live[key] == nil
            case .check:
                true
            }
        }
    }

    private func storedEntry(_ entry: KVEntryJSON, path: String) throws -> StoredEntry {
        var value: [UInt8] = []
        if let text = entry.Value {
            guard let data = Data(base64Encoded: text) else {
                throw invalidResponse(.GET, path: path, "the value of \(entry.Key) is not base64")
            }
            value = Array(data)
        }
        return StoredEntry(key: entry.Key, value: value, flags: entry.Flags, modifyIndex: entry.ModifyIndex)
    }

    /// Consul's refusal of a key in a `/v1/kv/` path: 1.21.5 answers 500 "invalid key name, ..." (even
    /// for reads: hashicorp/consul#22835), later versions 400 "key contains ..." or "key must not ...".
    func rejection(_ response: ConsulResponse, key: String) -> ConsulError? {
        guard RetryPolicy.isKeyRejection(status: response.status, body: response.body) else { return nil }
        return .keyRejected(key: key, message: response.text)
    }

    func unexpected(_ response: ConsulResponse, _ method: HTTPMethod, path: String) -> ConsulError {
        .unexpectedStatus(
            address: configuration.addressDescription, request: transport.label(method, path: path), status: response.status,
            message: response.text, attempts: response.attempts)
    }

    func invalidResponse(_ method: HTTPMethod, path: String, _ problem: String) -> ConsulError {
        .invalidResponse(address: configuration.addressDescription, request: transport.label(method, path: path), problem: problem)
    }
}
