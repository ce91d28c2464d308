import ConsulDouble
import Foundation
import Testing

/// Sessions, locks and their invalidation in the double; TTLs lapse through the double's clock.
/// Sessions and locks as https://developer.hashicorp.com/consul/api-docs/session and the KV API's
/// `?acquire`/`?release` describe them: a TTL between 10s and 24h, invalidation within twice the TTL,
/// `Behavior` release or delete, and a lock delay (15 s unless set) during which no one may acquire.
@Suite struct DoubleSessionTests {
    @Test func acquireAndReleaseBookkeepTheLock() async throws {
        try await withFrozenDouble { double, raw throws in
            let first = try await createSession(raw, ["LockDelay": "0s"])
            let second = try await createSession(raw, ["LockDelay": "0s"])
            #expect(try await raw.put("/v1/kv/lock?acquire=\(first)", "one").text == "true")
            #expect(try await raw.put("/v1/kv/lock?acquire=\(first)", "one again").text == "true")
            #expect(try await raw.put("/v1/kv/lock?acquire=\(second)", "two").text == "false")
            #expect(try await raw.put("/v1/kv/lock?release=\(second)", "two").text == "false")
            let held = try await raw.get("/v1/kv/lock").entries.first
            #expect(held?["Session"] as? String == first)
            #expect(held?.uint("LockIndex") == 1)
            #expect(held?["Value"] as? String == base64("one again"))
            // A plain write ignores the lock and keeps it.
            #expect(try await raw.put("/v1/kv/lock", "plain").text == "true")
            #expect(double.snapshot().first?.session == first)
            #expect(try await raw.put("/v1/kv/lock?release=\(first)", "free").text == "true")
            #expect(try await raw.get("/v1/kv/lock").entries.first?["Session"] == nil)
            #expect(try await raw.put("/v1/kv/lock?acquire=\(second)", "two").text == "true")
            #expect(double.snapshot().first?.lockIndex == 2)
        }
    }

    @Test func acquiringWithAnUnknownSessionIs500() async throws {
        try await withFrozenDouble { _, raw throws in
            let response = try await raw.put("/v1/kv/lock?acquire=no-such-session", "x")
            #expect(response.status == 500)
            #expect(response.text == "invalid session \"no-such-session\"")
        }
    }

    @Test func infoRenewAndDestroy() async throws {
        try await withFrozenDouble { double, raw throws in
            let id = try await createSession(raw, ["Name": "publish", "TTL": "15s", "Behavior": "delete"])
            let info = try await raw.get("/v1/session/info/\(id)").entries
            #expect(info.count == 1)
            #expect(info.first?["Name"] as? String == "publish")
            #expect(info.first?["TTL"] as? String == "15s")
            #expect(info.first?["Behavior"] as? String == "delete")
            #expect(info.first?.uint("LockDelay") == 15_000_000_000)
            let renewed = try await raw.put("/v1/session/renew/\(id)")
            #expect(renewed.status == 200)
            #expect(renewed.entries.first?["ID"] as? String == id)
            #expect(try await raw.put("/v1/session/destroy/\(id)").text == "true")
            #expect(try await raw.get("/v1/session/info/\(id)").text == "[]")
            let gone = try await raw.put("/v1/session/renew/\(id)")
            #expect(gone.status == 404)
            #expect(gone.text == "Session id '\(id)' not found")
            #expect(double.sessionIDs.isEmpty)
        }
    }

    @Test func ttlOutOfRangeIs400() async throws {
        try await withFrozenDouble { _, raw throws in
            let response = try await raw.send(.PUT, "/v1/session/create", body: Array(#"{"TTL": "5s"}"#.utf8))
            #expect(response.status == 400)
            #expect(response.text == "Invalid Session TTL '5s', must be between [10s=24h0m0s]")
        }
    }

    @Test func aLapsedTTLReleasesTheLockAfterTwiceTheTTL() async throws {
        try await withFrozenDouble { double, raw throws in
            // One second of margin: only `advance` may move the clock, however loaded the machine is.
            double.clock.freeze()
            let id = try await createSession(raw, ["TTL": "10s", "LockDelay": "0s"])
            #expect(try await raw.put("/v1/kv/held?acquire=\(id)", "v").text == "true")
            double.clock.advance(by: .seconds(19))
            #expect(try await raw.get("/v1/kv/held").entries.first?["Session"] as? String == id)
            #expect(try await raw.put("/v1/session/renew/\(id)").status == 200)
            double.clock.advance(by: .seconds(19))
            #expect(double.sessionIDs == [id])
            double.clock.advance(by: .seconds(2))
            let entry = try await raw.get("/v1/kv/held").entries.first
            #expect(entry?["Session"] == nil)
            #expect(entry?["Value"] as? String == base64("v"))
            #expect(try await raw.put("/v1/session/renew/\(id)").status == 404)
        }
    }

    @Test func aLapsedDeleteSessionDeletesItsKeys() async throws {
        try await withFrozenDouble { double, raw throws in
            let id = try await createSession(raw, ["TTL": "10s", "Behavior": "delete"])
            #expect(try await raw.put("/v1/kv/ephemeral?acquire=\(id)", "v").text == "true")
            double.seed(["stays": "s"])
            double.clock.advance(by: .seconds(21))
            #expect(double.snapshot().map(\.key) == ["stays"])
        }
    }

    @Test func theLockDelayKeepsOthersOutAfterInvalidation() async throws {
        try await withFrozenDouble { double, raw throws in
            let holder = try await createSession(raw)
            let waiter = try await createSession(raw)
            #expect(try await raw.put("/v1/kv/l?acquire=\(holder)", "").text == "true")
            #expect(try await raw.put("/v1/session/destroy/\(holder)").text == "true")
            #expect(double.snapshot().first?.session == nil)
            #expect(try await raw.put("/v1/kv/l?acquire=\(waiter)", "").text == "false")
            double.clock.advance(by: .seconds(16))
            #expect(try await raw.put("/v1/kv/l?acquire=\(waiter)", "").text == "true")
        }
    }
}

/// Session TTLs run on the double's clock; frozen, only `advance` moves it, so a session cannot lapse
/// while a loaded test runner is slow to get to the next request.
private func withFrozenDouble(_ body: (ConsulDouble, RawClient) async throws -> Void) async throws {
    try await withDouble { double, raw in
        double.clock.freeze()
        try await body(double, raw)
    }
}
