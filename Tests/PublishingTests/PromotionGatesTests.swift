import Foundation
import Publishing
import Testing

/// `PromotionGates` on one store: in sync, and the soak counted from the publication that made the
/// release live, which a heal (the same release published again) does not move and another release does.
@Suite struct PromotionGatesTests {
    let store = MemoryStore()
    let gates = PromotionGates(tag: "v1.1.0", after: "staging", soak: 1800)
    let now = ISO8601DateFormatter().date(from: "2025-01-01T01:00:00Z")!

    /// `version` published at `date`, under a commit of its own so that each is a new publication.
    private func publish(_ version: String, at date: String, commit: Character) async throws {
        let base = request(version, ["config/a": version])
        var publication = base.publication
        publication.published = date
        publication.commit = String(repeating: commit, count: 40)
        _ = try await PublishingTests.publish(base.publishing(as: publication), to: store)
    }

    private func check() async -> [PromotionGates.Result] {
        await gates.check(LiveStateReader(store: store, layout: MetaLayout(prefix: "kvctl/"), name: "settings"), prune: [],
                          place: "staging", now: now)
    }

    @Test func aHealKeepsTheClockAndAnotherReleaseInBetweenRestartsIt() async throws {
        try await publish("1.1.0", at: "2025-01-01T00:00:00Z", commit: "a")
        try await publish("1.1.0", at: "2025-01-01T00:50:00Z", commit: "b") // healed, 10 minutes ago
        let healed = await check()
        try await publish("1.0.0", at: "2025-01-01T00:55:00Z", commit: "c")
        let other = await check()
        try await publish("1.1.0", at: "2025-01-01T00:58:00Z", commit: "d")
        let again = await check()

        #expect(healed.map(\.passed) == [true, true], "\(healed)")
        #expect(healed.last?.reason == "live there since 2025-01-01T00:00:00Z (1h ago)")
        #expect(other.map(\.passed) == [false, false])
        #expect(other.first?.reason == "v1.0.0 is live there, not v1.1.0")
        #expect(again.map(\.passed) == [true, false])
        #expect(again.last?.description == "soak 30m, staging: FAILED: live there since 2025-01-01T00:58:00Z (2m ago), 28m short of the soak")
    }

    @Test func durationsReadAsSoakIsWritten() {
        #expect(PromotionGates.text(seconds: 0) == "0s")
        #expect(PromotionGates.text(seconds: 5400) == "1h30m")
        #expect(PromotionGates.text(seconds: 86400 + 7200 + 1) == "1d2h1s")
    }
}
