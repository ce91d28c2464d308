import ConsulKit
import NIOConcurrencyHelpers

/// The leader's eyes on the store between reconciles: one Consul blocking query per watched place
/// (the version record key and the prefixes the planner reads for the owned keys, in every
/// datacenter). When an index moves it marks the store as moved and wakes the loop, so drift is read
/// within a second instead of at the next interval; while nothing moved (and no watch failed) the
/// loop may skip the store read, since the indexes prove the store did not change.
final class DriftWatcher: @unchecked Sendable {
    struct Target: Hashable, Sendable {
        /// Which of the watcher's clients (a datacenter).
        let client: Int
        let path: String
        /// A prefix (`?keys` listing) rather than one key.
        let prefix: Bool
    }

    private let wakeup: Wakeup
    /// How long each blocking query is held; Consul caps it at 10 minutes.
    private let wait: Duration
    private let moved = NIOLockedValueBox(true)
    // Touched by the reconcile loop only, one call at a time.
    private var tasks: [Task<Void, Never>] = []
    private(set) var targets: Set<Target> = []

    init(wakeup: Wakeup, wait: Duration = .seconds(300)) {
        self.wakeup = wakeup
        self.wait = wait
    }

    var watching: Bool { !tasks.isEmpty }

    /// Whether an index moved (or a watch failed) since the last call; clears the mark.
    func takeMoved() -> Bool {
        moved.withLockedValue { moved in
            defer { moved = false }
            return moved
        }
    }

    /// Watches `targets` from now on. The first look at each happens before this returns, so any change
    /// after the call wakes the loop; unchanged targets keep their queries.
    func watch(_ targets: Set<Target>, clients: [ConsulClient]) async {
        guard targets != self.targets || tasks.isEmpty else { return }
        stop()
        self.targets = targets
        for target in targets.sorted(by: { ($0.client, $0.path) < ($1.client, $1.path) }) where clients.indices.contains(target.client) {
            let client = clients[target.client]
            let first = try? await Self.look(client, target, index: 0, wait: wait).index
            if first == nil { moved.withLockedValue { $0 = true } }
            tasks.append(Task { [wait, moved, wakeup] in
                var index = first ?? 0
                var backoff = Backoff(base: .seconds(1), cap: .seconds(60))
                while !Task.isCancelled {
                    do {
                        let answer = try await Self.look(client, target, index: index, wait: wait)
                        backoff.succeeded()
                        guard answer.changed, !Task.isCancelled else { continue }
                        let firstLook = index == 0
                        index = answer.index
                        moved.withLockedValue { $0 = true }
                        if !firstLook { wakeup.fire() }
                    } catch {
                        // Nothing proves the store still: the next reconcile reads it. Never a tight loop.
                        moved.withLockedValue { $0 = true }
                        try? await Task.sleep(for: backoff.failed())
                    }
                }
            })
        }
    }

    /// Cancels every query: on losing leadership and at shutdown.
    func stop() {
        for task in tasks { task.cancel() }
        tasks = []
        targets = []
        moved.withLockedValue { $0 = true }
    }

    private static func look(_ client: ConsulClient, _ target: Target, index: UInt64, wait: Duration) async throws -> (index: UInt64, changed: Bool) {
        target.prefix ? try await client.watch(prefix: target.path, index: index, wait: wait)
            : try await client.watch(key: target.path, index: index, wait: wait)
    }
}
