import ConsulDouble
import ConsulKit
import Foundation
import Testing
import TestSupport

/// Which failures ConsulKit retries, how often, and what it says when it gives up.
@Suite struct RetryTests {
    @Test(arguments: [500, 503, 429])
    func retryableStatusesAreRetriedThenSucceed(status: Int) async throws {
        try await withDouble { double, _ throws in
            double.seed(["a": "1"])
            double.faults.failNext(count: 2, status: status)
            try await withClient(of: double) { consul throws in
                #expect(try await consul.entries(under: "").map(\.key) == ["a"])
                #expect(consul.requestCount == 3)
            }
            #expect(double.requestCount == 3)
        }
    }

    @Test func aTransactionIsRetriedToo() async throws {
        try await withDouble { double, _ throws in
            double.faults.failNext(count: 1, status: 500)
            try await withClient(of: double) { consul throws in
                try await consul.apply([.set(key: "k", value: [1], flags: 0)])
            }
            #expect(double.snapshot().map(\.key) == ["k"])
            #expect(double.requestCounts.transactions == 2)
        }
    }

    @Test(arguments: [400, 404, 405])
    func otherClientErrorsAreNotRetried(status: Int) async throws {
        try await withDouble { double, _ throws in
            double.faults.failNext(count: 1, status: status)
            try await withClient(of: double) { consul throws in
                let error = await #expect(throws: ConsulError.self) {
                    try await consul.apply([.set(key: "k", value: [], flags: 0)])
                }
                guard case .unexpectedStatus(_, let request, let answered, _, let attempts)? = error else {
                    Issue.record("expected unexpectedStatus, got \(String(describing: error))")
                    return
                }
                #expect(request == "PUT /v1/txn")
                #expect(answered == status)
                #expect(attempts == 1)
            }
            #expect(double.requestCount == 1)
        }
    }

    @Test func aRefusedTokenIsNotRetried() async throws {
        try await withDouble(DoubleOptions(token: "right")) { double, _ throws in
            try await withClient(of: double) { consul throws in
                let error = await #expect(throws: ConsulError.self) { try await consul.entries(under: "config/") }
                // The double answers as Consul does to a token it does not know: 403 "Permission denied"
                // (hashicorp/consul acl/errors.go, ErrPermissionDenied).
                #expect(error == .permissionDenied(keys: ["config/*"], message: "Permission denied"))
            }
            #expect(double.requestCount == 1)
        }
    }

    @Test func givingUpAfterTheBoundSaysSo() async throws {
        try await withDouble { double, _ throws in
            double.faults.failEvery(pathPrefix: "/v1/kv/", status: 500)
            try await withClient(of: double, { $0.retry.maxAttempts = 3 }) { consul throws in
                let error = await #expect(throws: ConsulError.self) { try await consul.entries(under: "config/") }
                #expect(
                    error
                        == .unexpectedStatus(
                            address: double.baseURL, request: "GET /v1/kv/config/", status: 500, message: "No cluster leader",
                            attempts: 3))
                #expect(
                    error.map(String.init(describing:))
                        == "Consul at \(double.baseURL) answered 500 to GET /v1/kv/config/: No cluster leader (gave up after 3 attempts)")
            }
            #expect(double.requestCount == 3)
        }
    }

    @Test func aDroppedConnectionIsRetried() async throws {
        try await withDouble { double, _ throws in
            double.seed(["a": "1"])
            double.faults.dropNext(count: 1)
            try await withClient(of: double) { consul throws in
                #expect(try await consul.entries(under: "").map(\.key) == ["a"])
                #expect(consul.requestCount == 2)
            }
        }
    }

    @Test func droppedEveryTimeGivesUpNamingTheAddress() async throws {
        try await withDouble { double, _ throws in
            double.faults.dropNext(count: 10)
            try await withClient(of: double, { $0.retry.maxAttempts = 2 }) { consul throws in
                let error = await #expect(throws: ConsulError.self) { try await consul.entries(under: "") }
                guard case .unreachable(let address, _, let attempts)? = error else {
                    Issue.record("expected unreachable, got \(String(describing: error))")
                    return
                }
                #expect(address == double.baseURL)
                #expect(attempts == 2)
            }
            #expect(double.requestCount == 2)
        }
    }

    @Test func anUnreachableAddressFailsNamingIt() async throws {
        let refusing = try RefusingPort()
        let address = "http://\(refusing.address)"
        var configuration = try ConsulConfiguration.fromEnvironment(["CONSUL_HTTP_ADDR": address])
        configuration.retry = RetryPolicy(maxAttempts: 2, initialBackoff: .milliseconds(1), maxBackoff: .milliseconds(1))
        try await ConsulClient.withClient(configuration) { consul throws in
            let error = await #expect(throws: ConsulError.self) { try await consul.entries(under: "") }
            #expect(error == .unreachable(address: address, reason: "connection refused", attempts: 2))
            #expect(error.map(String.init(describing:)) == "cannot reach Consul at \(address): connection refused (gave up after 2 attempts)")
            #expect(consul.requestCount == 2)
        }
    }

    @Test func aSilentServerTimesOutInsteadOfHanging() async throws {
        try await withDouble { double, _ throws in
            double.faults.delayResponses(by: .seconds(5))
            try await withClient(of: double, { $0.readTimeout = .milliseconds(200) }) { consul throws in
                let error = await #expect(throws: ConsulError.self) { try await consul.entries(under: "") }
                #expect(error == .timedOut(address: double.baseURL, waitingFor: "response", after: .milliseconds(200)))
                #expect(consul.requestCount == 1)
            }
            double.faults.clear()
        }
    }

    @Test func backoffDoublesUpToTheCapWithJitterBetweenHalfAndAll() {
        let policy = RetryPolicy(maxAttempts: 6, initialBackoff: .milliseconds(100), maxBackoff: .milliseconds(500))
        #expect(policy.backoff(afterAttempt: 1, jitter: 1) == .milliseconds(100))
        #expect(policy.backoff(afterAttempt: 2, jitter: 1) == .milliseconds(200))
        #expect(policy.backoff(afterAttempt: 3, jitter: 1) == .milliseconds(400))
        #expect(policy.backoff(afterAttempt: 4, jitter: 1) == .milliseconds(500))
        #expect(policy.backoff(afterAttempt: 40, jitter: 1) == .milliseconds(500))
        #expect(policy.backoff(afterAttempt: 2, jitter: 0) == .milliseconds(100))
        #expect(policy.backoff(afterAttempt: 3, jitter: 0.5) == .milliseconds(300))
        #expect(RetryPolicy(maxAttempts: 0).maxAttempts == 1)
    }
}
