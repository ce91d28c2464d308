import AsyncHTTPClient
import ConsulDouble
import ConsulKit
import Foundation
import NIOCore
import NIOHTTP1

/// A response as a raw HTTP client sees it, for checking the double independently of ConsulKit.
struct RawResponse {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
    var json: Any? { try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) }
    var entries: [[String: Any]] { json as? [[String: Any]] ?? [] }
    var consulIndex: UInt64? { headers.first(name: "X-Consul-Index").flatMap(UInt64.init) }
}

/// Plain AsyncHTTPClient calls against a double, without retries.
struct RawClient {
    let http: HTTPClient
    let baseURL: String

    func send(
        _ method: HTTPMethod, _ pathAndQuery: String, body: [UInt8]? = nil, headers: [(String, String)] = []
    ) async throws -> RawResponse {
        var request = HTTPClientRequest(url: baseURL + pathAndQuery)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await http.execute(request, timeout: .seconds(10))
        let collected = try await response.body.collect(upTo: 64 * 1024 * 1024)
        return RawResponse(status: Int(response.status.code), headers: response.headers, body: Array(collected.readableBytesView))
    }

    func put(_ pathAndQuery: String, _ body: String = "", headers: [(String, String)] = []) async throws -> RawResponse {
        try await send(.PUT, pathAndQuery, body: Array(body.utf8), headers: headers)
    }

    func get(_ pathAndQuery: String, headers: [(String, String)] = []) async throws -> RawResponse {
        try await send(.GET, pathAndQuery, headers: headers)
    }

    func delete(_ pathAndQuery: String) async throws -> RawResponse {
        try await send(.DELETE, pathAndQuery)
    }

    /// `/v1/txn` with `operations` as JSON objects (`["Verb": "set", ...]`), values given as text.
    func txn(_ operations: [[String: Any]]) async throws -> RawResponse {
        let wrapped = operations.map { operation -> [String: Any] in
            var kv = operation
            if let value = kv["Value"] as? String { kv["Value"] = Data(value.utf8).base64EncodedString() }
            return ["KV": kv]
        }
        return try await send(.PUT, "/v1/txn", body: Array(try JSONSerialization.data(withJSONObject: wrapped)))
    }
}

/// Starts a double, runs `body` with it and a raw client, and stops both whatever happens.
func withDouble(
    _ options: DoubleOptions = DoubleOptions(),
    _ body: (ConsulDouble, RawClient) async throws -> Void
) async throws {
    let double = try await ConsulDouble.start(options)
    let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
    let outcome: Result<Void, any Error>
    do {
        try await body(double, RawClient(http: http, baseURL: double.baseURL))
        outcome = .success(())
    } catch {
        outcome = .failure(error)
    }
    try await http.shutdown()
    try await double.stop()
    try outcome.get()
}

/// A client for `double`, configured from `environment` as the CLI is, that retries quickly, so retry tests stay fast.
func withClient(
    of double: ConsulDouble,
    environment: [String: String] = [:],
    _ adjust: (inout ConsulConfiguration) -> Void = { _ in },
    _ body: (ConsulClient) async throws -> Void
) async throws {
    var configuration = try ConsulConfiguration.fromEnvironment(environment, overrides: .init(address: double.baseURL))
    configuration.retry = RetryPolicy(maxAttempts: 4, initialBackoff: .milliseconds(1), maxBackoff: .milliseconds(5))
    adjust(&configuration)
    try await ConsulClient.withClient(configuration) { client in try await body(client) }
}

func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

extension Array where Element == [String: Any] {
    /// The entry for `key`, for reading one field.
    func entry(_ key: String) -> [String: Any]? { first { $0["Key"] as? String == key } }
}

extension Dictionary where Key == String, Value == Any {
    func uint(_ name: String) -> UInt64? { (self[name] as? NSNumber)?.uint64Value }
}
