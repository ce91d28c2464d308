import Foundation
import LocalStore
import Publishing
import Testing

@Suite struct LocalStoreTransactions {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("kvctl-local-\(UUID().uuidString)")

    @Test func conflictAppliesNothing() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let store = LocalStore(repositoryRoot: root)
        try await store.apply([.compareAndSet(key: "a", value: [1], flags: 7, index: 0), .set(key: "b", value: [2], flags: 0)])
        let a = try #require(try await store.entries(under: "a").first)
        #expect(a.modifyIndex == 1 && a.flags == 7)

        let conflict = await #expect(throws: TransactionConflict.self) {
            try await store.apply([.set(key: "c", value: [3], flags: 0), .compareAndSet(key: "a", value: [9], flags: 0, index: 99)])
        }
        #expect(conflict?.operationIndex == 1)
        #expect(try await store.entries(under: "").map(\.key) == ["a", "b"])
        await #expect(throws: TransactionConflict.self) { try await store.apply([.compareAndSet(key: "b", value: [], flags: 0, index: 0)]) }

        try await store.apply([.compareAndDelete(key: "a", index: 1), .compareAndDelete(key: "absent", index: 5),
                               .compareAndSet(key: "b", value: [4], flags: 0, index: 1)])
        // A second instance, as the next kvctl process would be, reads what the first one wrote.
        let reopened = LocalStore(repositoryRoot: root)
        let entries = try await reopened.entries(under: "")
        #expect(entries.map(\.key) == ["b"])
        #expect(entries.first?.value == [4])
        #expect(entries.first?.modifyIndex == 2)
        let ignore = try String(contentsOf: root.appendingPathComponent(".kvctl/.gitignore"), encoding: .utf8)
        #expect(ignore == "*\n")
    }

    @Test func seesAnotherProcesssWrites() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let first = LocalStore(repositoryRoot: root), second = LocalStore(repositoryRoot: root)
        try await first.apply([.set(key: "k", value: [1], flags: 0)])
        let seen = try #require(try await second.entries(under: "k").first)
        try await first.apply([.set(key: "k", value: [2], flags: 0)])
        await #expect(throws: TransactionConflict.self) {
            try await second.apply([.compareAndSet(key: "k", value: [3], flags: 0, index: seen.modifyIndex)])
        }
    }
}

@Suite struct LockHolders {
    let holder = LockHolder(holder: "ada@build-7", pid: 4711, since: "2026-11-25T10:00:00Z", operation: "publish v1.2.0")

    @Test func theLocalStoreNamesTheHolderOnlyWhileTheLockIsHeld() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kvctl-lock-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = LocalStore(repositoryRoot: root)
        #expect(try await store.holder(of: "kvctl/app/lock") == nil)
        guard case .success(let lock) = try await store.tryLock("kvctl/app/lock", as: holder) else {
            Issue.record("the free lock was not taken")
            return
        }
        #expect(try await store.holder(of: "kvctl/app/lock") == holder)
        await lock.release()
        #expect(try await store.holder(of: "kvctl/app/lock") == nil)
    }
}
