import ConsulDouble
@testable import ConsulKit
import Foundation
import Publishing
import Testing

/// ConsulKit's session and lock calls against the double.
/// Consul's session locks (https://developer.hashicorp.com/consul/docs/dynamic-app-config/sessions):
/// a lock is held while its session lives; a session past twice its TTL is gone.
@Suite struct SessionClientTests {
    @Test func aLockIsHeldReleasedAndLostWithItsSession() async throws {
        try await withDouble { double, _ throws in
            // Only `advance` moves session time: on a loaded machine real seconds pass between two requests.
            double.clock.freeze()
            try await withClient(of: double) { consul throws in
                let first = try await consul.createSession(name: "kvctl publish", ttl: .seconds(15), lockDelay: .zero)
                let second = try await consul.createSession(name: "other", ttl: .seconds(15), lockDelay: .zero)
                #expect(try await consul.acquire(key: "locks/publish", value: Array("me".utf8), session: first))
                #expect(try await consul.acquire(key: "locks/publish", value: [], session: second) == false)
                #expect(double.snapshot().first?.session == first)
                #expect(try await consul.release(key: "locks/publish", value: [], session: second) == false)
                #expect(try await consul.release(key: "locks/publish", value: Array("me".utf8), session: first))
                #expect(double.snapshot().first?.session == nil)
                #expect(double.snapshot().first?.value == Array("me".utf8))
                #expect(try await consul.acquire(key: "locks/publish", value: [], session: second))
                try await consul.destroySession(second)
                #expect(double.snapshot().first?.session == nil)
                try await consul.renewSession(first)
            }
        }
    }

    @Test func aPublishLockWhoseSessionEndsIsLost() async throws {
        try await withDouble { double, _ throws in
            // Only `advance` moves session time: on a loaded machine real seconds pass between two requests.
            double.clock.freeze()
            try await withClient(of: double) { consul throws in
                let session = try await consul.createSession(name: "kvctl publish", ttl: .seconds(15), lockDelay: .zero)
                #expect(try await consul.acquire(key: "kvctl/app/lock", value: [], session: session))
                let lock = ConsulSessionLock(client: consul, key: "kvctl/app/lock", session: session, value: [], taken: true, renewEvery: .milliseconds(20))
                try await Task.sleep(for: .milliseconds(100))
                #expect(!lock.isLost)
                try await consul.destroySession(session)
                for _ in 0..<100 where !lock.isLost { try await Task.sleep(for: .milliseconds(20)) }
                #expect(lock.isLost)
                await lock.release()
            }
        }
    }

    @Test func theHolderIsNamedOnlyWhileASessionHoldsTheLock() async throws {
        try await withDouble { double, _ throws in
            // Only `advance` moves session time: on a loaded machine real seconds pass between two requests.
            double.clock.freeze()
            try await withClient(of: double) { consul throws in
                let holder = LockHolder(holder: "ada@build-7", pid: 4711, since: "2026-11-25T10:00:00Z", operation: "publish v1.2.0")
                #expect(try await consul.holder(of: "kvctl/app/lock") == nil)
                guard case .success(let lock) = try await consul.tryLock("kvctl/app/lock", as: holder) else {
                    Issue.record("the free lock was not taken")
                    return
                }
                let named = try #require(try await consul.holder(of: "kvctl/app/lock"))
                #expect(named.holder == "ada@build-7" && named.operation == "publish v1.2.0" && named.session != nil)
                await lock.release()
                #expect(try await consul.holder(of: "kvctl/app/lock") == nil)
            }
        }
    }

    @Test func anExpiredSessionCannotBeRenewed() async throws {
        try await withDouble { double, _ throws in
            // Only `advance` moves session time: on a loaded machine real seconds pass between two requests.
            double.clock.freeze()
            try await withClient(of: double) { consul throws in
                let id = try await consul.createSession(name: "short", ttl: .seconds(10), behavior: .delete)
                #expect(try await consul.acquire(key: "ephemeral", value: [1], session: id))
                double.clock.advance(by: .seconds(21))
                await #expect(throws: ConsulError.sessionNotFound(id)) { try await consul.renewSession(id) }
                #expect(double.snapshot().isEmpty)
            }
        }
    }

    @Test func aMissingClientCertificateIsAConfigurationError() throws {
        let configuration = try ConsulConfiguration.fromEnvironment([
            "CONSUL_HTTP_ADDR": "https://127.0.0.1:8501",
            "CONSUL_CLIENT_CERT": "/nonexistent/client.pem", "CONSUL_CLIENT_KEY": "/nonexistent/client-key.pem",
        ])
        do {
            _ = try ConsulClient(configuration: configuration)
            Issue.record("expected an error")
        } catch {
            #expect(String(describing: error).hasPrefix(
                "invalid Consul configuration: cannot load the client certificate /nonexistent/client.pem or key /nonexistent/client-key.pem"))
        }
    }
}
