import Foundation
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
        switch response.status {
        case 200:
            let entries: [KVEntryJSON]
            do {
                entries = try KVEntryJSON.list(from: response.body)
            } catch {
                throw invalidResponse(.GET, path: path, "\(error)")
            }
            return try entries.map { entry in
                var value: [UInt8] = []
                if let text = entry.Value {
                    guard let data = Data(base64Encoded: text) else {
                        throw invalidResponse(.GET, path: path, "the value of \(entry.Key) is not base64")
                    }
                    value = Array(data)
                }
                return StoredEntry(key: entry.Key, value: value, flags: entry.Flags, modifyIndex: entry.ModifyIndex)
            }
        case 404:
            return []
        case 403:
            throw ConsulError.permissionDenied(keys: [prefix.isEmpty ? "every key" : prefix + "*"], message: response.text)
        default:
            throw unexpected(response, .GET, path: path)
        }
    }

    public func apply(_ operations: [StoreOperation]) async throws {
        guard !operations.isEmpty else { return }
        let body = try JSONEncoder().encode(operations.map(TxnOperationJSON.init))
        let response = try await transport.send(.PUT, path: "/v1/txn", body: Array(body))
        switch response.status {
        case 200:
            return
        case 409:
            let failures = (try? JSONDecoder().decode(TxnErrorsJSON.self, from: Data(response.body)))?.Errors ?? []
            guard let first = failures.first else {
                throw invalidResponse(.PUT, path: "/v1/txn", "a 409 without Errors: \(response.text)")
            }
            // Consul reports missing ACL rights inside a transaction as rolled-back operations.
            let denied = failures.filter { $0.What.hasPrefix("Permission denied") }
            if let firstDenied = denied.first {
                let keys = denied.compactMap { operations.indices.contains($0.OpIndex) ? operations[$0.OpIndex].key : nil }
                throw ConsulError.permissionDenied(keys: keys, message: firstDenied.What.redacting(configuration.secrets))
            }
            throw TransactionConflict(operationIndex: first.OpIndex, reason: first.What.redacting(configuration.secrets))
        case 403:
            throw ConsulError.permissionDenied(keys: operations.map(\.key), message: response.text)
        case 413:
            throw ConsulError.tooLarge(message: response.text)
        default:
            throw unexpected(response, .PUT, path: "/v1/txn")
        }
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
