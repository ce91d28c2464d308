import ConsulKit
import Foundation
import KVCore
import Publishing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a front end wants an apply run: the flags publish, rollback and sync share.
public struct ApplyPolicy: Sendable {
    /// Plan and stop.
    public var planOnly = false
    /// With `planOnly`: a plan with changes ends in `PlanHasChanges` (terraform's exit 2).
    public var detailedExitcode = false
    /// Apply without asking the interaction.
    public var confirmed = false
    /// Overwrite keys changed outside kvctl since the last publish.
    public var overwriteDrift = false
    public var lockTimeout: Duration = .seconds(30)
    /// `--allow-deletes`: deletions allowed past the delete guard.
    public var allowedDeletes: Int?
    /// Colour the plan's text.
    public var colored = false

    public init() {}
}

/// What a front end hears from an apply run, and what it answers.
public protocol ApplyInteraction: Sendable {
    /// A line for people: the target chosen, waiting for the lock, the outcome.
    func say(_ line: String)
    /// The plan, as soon as it is final (before any refusal).
    func planned(_ rendering: PlanRendering)
    /// The end of a run that got as far as a plan: applied, or stopped before writing (refused, planned
    /// only, nothing to do). Called once, before the refusal is thrown.
    func finished(_ rendering: PlanRendering, applied: Bool)
    /// Asks before writing (unless the policy says confirmed); throws to write nothing.
    func confirm(_ phrase: String) async throws
    func progress(_ progress: ApplyProgress)
    /// Called when the writes start; the stop it returns is polled between transactions and ended after.
    func beginApply() -> any ApplyStop
}

/// A request to stop between transactions (Ctrl-C, SIGTERM).
public protocol ApplyStop: Sendable {
    var requested: Bool { get }
    func end()
}

/// What a workflow makes live, decided from the store's records.
public struct ApplyTarget: Sendable {
    public let request: PublishRequest
    public let settings: PublishSettings
    /// Said once the target is chosen (again under the lock only if it changed).
    public var announcement: String?
    /// The target completes or undoes an unfinished publish (resume, rollback), which a plain
    /// publish refuses to run over.
    public var finishing = false
    /// A plan made earlier (`kvctl apply FILE`, or the empty plan of an unchanged republish made from the
    /// records the target was chosen with): applied exactly, never replanned, and refused when a key it
    /// is conditioned on moved since.
    public var fixed: PublishPlan?

    public init(request: PublishRequest, settings: PublishSettings, announcement: String? = nil, finishing: Bool = false,
                fixed: PublishPlan? = nil) {
        self.request = request
        self.settings = settings
        self.announcement = announcement
        self.finishing = finishing
        self.fixed = fixed
    }
}

/// What an apply run did.
public struct ApplyOutcome: Sendable {
    public let plan: PublishPlan
    /// The plan's writes went through (false: planned only, or nothing to do).
    public let applied: Bool
}

/// The workflow publish, rollback, sync and the agent share once they know the store: plan against the
/// live state, take the lock and plan again when there is work, refuse drift and mass deletions, show
/// the plan, confirm, apply (journaled, stopping between transactions when asked), release the lock.
public struct ApplyWorkflow: Sendable {
    public let policy: ApplyPolicy
    public let interaction: any ApplyInteraction

    public init(policy: ApplyPolicy, interaction: any ApplyInteraction) {
        self.policy = policy
        self.interaction = interaction
    }

    /// Plans without the lock first, so a no-op (the live version again, or nothing to change) is
    /// read-only: no session, no lock key, only the reads. Only a plan with work (changes, or an
    /// unfinished publish, which may be a running one) takes the lock; in Consul the first write
    /// transaction takes it (`PendingLock`), except over an unfinished publish, where holding the lock
    /// first is what proves its publisher gone, and for a saved plan. When someone else holds it,
    /// nothing is written: the run waits for it and plans again. The records are not read again under
    /// the lock: the plan's first transaction is conditioned on the version record and the journal it
    /// read (`JournaledBatches`; a single transaction carries the record's own compare-and-set), so
    /// when another publisher finished or started meanwhile it fails with nothing written, and the run
    /// plans again from scratch, under the lock. Keys changed by hand in between abort the same way:
    /// every write is conditioned on the ModifyIndex the plan read.
    @discardableResult
    public func run(store: any KVStore, layout: MetaLayout, name: String, operation: String,
                    target: (LiveStateReader) async throws -> ApplyTarget) async throws -> ApplyOutcome {
        let reader = LiveStateReader(store: store, layout: layout, name: name)
        let (chosen, planned) = try await choose(target, reader: reader, store: store, announced: nil)
        guard !policy.planOnly, let locking = store as? any LockingStore, planned.hasChanges || planned.unfinished != nil else {
            return try await apply(chosen, planned, store: store, lock: nil)
        }
        let identity = chosen.request.publication.publisher
        var lock: any HeldLock
        let holder = LockHolder.current(operation, identity: identity)
        // A saved plan's first transaction may have no room for the lock (made by an earlier kvctl);
        // 64: the session ID the holder's description gets.
        if planned.unfinished == nil, chosen.fixed == nil, let transactional = store as? any TransactionLockingStore,
           holder.encoded().count + 64 <= LockHolder.transactionBytes {
            lock = try await refusing { try await transactional.pendingLock(layout.lock(of: name), as: holder) }
        } else {
            lock = try await acquireLock(locking, layout: layout, name: name, operation: operation, identity: identity)
        }
        do {
            do {
                return try await apply(chosen, planned, store: store, lock: lock, firstAttempt: true)
            } catch let retry as Retry {
                switch retry {
                case .stale(let key):
                    interaction.say("kvctl: \(key) changed in \(store.description) since the plan read it, nothing was written; "
                        + "planning again under the lock")
                case .lockHeld:
                    await lock.release()
                    lock = try await acquireLock(locking, layout: layout, name: name, operation: operation, identity: identity)
                }
                let (chosen, planned) = chosen.fixed == nil
                    ? try await choose(target, reader: reader, store: store, announced: chosen.announcement) : (chosen, planned)
                return try await apply(chosen, planned, store: store, lock: lock)
            }
        } catch {
            await lock.release()
            throw error
        }
    }

    /// The publish lock of `name`, waiting up to the policy's timeout and saying so.
    func acquireLock(_ locking: any LockingStore, layout: MetaLayout, name: String, operation: String,
                     identity: String? = nil) async throws -> any HeldLock {
        let timeout = policy.lockTimeout
        return try await refusing {
            try await PublishLock(store: locking, key: layout.lock(of: name))
                .acquire(as: .current(operation, identity: identity), timeout: timeout) { holder in
                    interaction.say("kvctl: waiting up to \(Self.seconds(timeout))s for the lock \(layout.lock(of: name)), held by "
                        + (holder?.description ?? "another kvctl"))
                }
        }
    }

    private static func seconds(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return seconds.formatted(.number.precision(.fractionLength(0...1)))
    }

    private func choose(_ target: (LiveStateReader) async throws -> ApplyTarget, reader: LiveStateReader, store: any KVStore,
                        announced: String?) async throws -> (ApplyTarget, PublishPlan) {
        // One read of the records serves the choice and the plan (a no-op sync: 2 requests in all).
        let records = try await refusing { try await reader.readRecords() }
        let chosen = try await refusing { try await target(reader.primed(with: records)) }
        if let announcement = chosen.announcement, announcement != announced { interaction.say(announcement) }
        if let fixed = chosen.fixed {
            // Checked before anything is written: the CAS conditions alone would stop at the first moved
            // key with the transactions before it applied.
            let moved = try await refusing { try await fixed.moved(in: store, records: records, layout: reader.layout) }
            guard moved.isEmpty else {
                throw WorkflowError("refusing to apply the saved plan of \(fixed.request.publication.tag), nothing was written: "
                    + "\(TreeDiff.count(moved.count, "key")) changed in \(store.description) since it was planned:\n"
                    + moved.map { "  \($0)" }.joined(separator: "\n") + "\nmake the plan again (kvctl publish VERSION --plan --out FILE)")
            }
            return (chosen, fixed)
        }
        let sameLayout = chosen.settings.layout == reader.layout && chosen.request.name == reader.name
        return (chosen, try await refusing {
            try await Publisher(store: store, settings: chosen.settings).plan(chosen.request, records: sameLayout ? records : nil)
        })
    }

    /// Releases `lock` before it returns (so the last line counts every request). On the `firstAttempt`,
    /// a first transaction that wrote nothing because the lock was held, or (unless the plan is fixed)
    /// because a condition failed, throws `Retry`.
    private func apply(_ target: ApplyTarget, _ planned: PublishPlan, store: any KVStore, lock: (any HeldLock)?,
                       firstAttempt: Bool = false) async throws -> ApplyOutcome {
        let publisher = Publisher(store: store, settings: target.settings)
        let tag = target.request.publication.tag, storeName = store.description
        let rollback = target.request.publication.kind == .rollback
        let verb = rollback ? "roll back to" : "publish", command = rollback ? "rollback" : "publish"
        let phrase = rollback ? "roll back to \(tag) in \(storeName)" : "publish \(tag) to \(storeName)"
        if let unfinished = planned.unfinished, !target.finishing {
            // Holding the lock proves its holder gone; without it, the journal may be a running publish's.
            let running = lock == nil ? try await runningPublisher(store, key: target.settings.layout.lock(of: target.request.name)) : nil
            throw WorkflowError("\(unfinished.summary) in \(storeName): " + (running.map { "a publish is running (lock held by \($0)); wait for it to finish" }
                ?? "run kvctl publish --resume to finish it, or kvctl rollback to return to \(unfinished.from?.tag ?? "the state before it")"))
        }

        for note in planned.notes { interaction.say("kvctl: \(note)") }
        let rendering = PlanRendering(plan: planned, colored: policy.colored, allowedDeletes: policy.allowedDeletes)
        interaction.planned(rendering)
        func refused(_ message: String) -> WorkflowError {
            interaction.finished(rendering, applied: false)
            return WorkflowError(message)
        }
        guard planned.refusals.isEmpty else {
            throw refused("refusing to \(verb) \(tag): \(TreeDiff.count(planned.refusals.count, "key")) belong elsewhere:\n"
                + planned.refusals.map { "  \($0)" }.joined(separator: "\n"))
        }
        if !planned.drift.isEmpty && !policy.overwriteDrift && !policy.planOnly {
            throw refused("refusing to \(verb) \(tag): \(TreeDiff.count(planned.drift.count, "key")) it would overwrite "
                + "changed outside kvctl since \(planned.live?.tag ?? "the last publish") was published:\n"
                + planned.drift.map { "  \($0)" }.joined(separator: "\n") + "\nkvctl \(command) --force overwrites them")
        }
        if planned.exceedsDeleteGuard(allowing: policy.allowedDeletes) && !policy.planOnly {
            throw refused("refusing to \(verb) \(tag): \(rendering.deleteGuardProblem(allowing: policy.allowedDeletes))")
        }
        if policy.planOnly || !planned.hasChanges {
            interaction.finished(rendering, applied: false)
            if !policy.planOnly {
                interaction.say("kvctl: nothing to \(rollback ? "roll back" : "publish"): \(tag) is live as tagged\(requests(publisher.store))")
            }
            await lock?.release()
            if policy.detailedExitcode && planned.hasChanges { throw PlanHasChanges() }
            return ApplyOutcome(plan: planned, applied: false)
        }
        if !policy.confirmed { try await interaction.confirm(phrase) }
        let taking = (lock as? any PendingLock).flatMap { $0.isTaken ? nil : target.settings.layout.lock(of: target.request.name) }
        try await refusing("refusing to \(verb) \(tag), nothing was written: ") { try await publisher.checkWriteAccess(planned, taking: taking) }
        let stop = interaction.beginApply()
        defer { stop.end() }
        do {
            try await publisher.apply(planned, holding: lock, progress: { interaction.progress($0) }, stop: { stop.requested })
        } catch is LockBusy where firstAttempt {
            throw Retry.lockHeld
        } catch let aborted as PublishAborted where firstAttempt && target.fixed == nil && aborted.transaction == 1 {
            throw Retry.stale(key: aborted.key)
        } catch {
            let journaled = planned.transactions.count > 1 && (error as? PublishStopped)?.applied != 0
            let recovery = journaled
                ? "; the journal marks it unfinished and the keys show how far it got: kvctl publish --resume finishes it, kvctl rollback returns to "
                    + (planned.live?.tag ?? "the state before it")
                : ""
            if error is PublishStopped { throw WorkflowError("\(verb) \(tag) interrupted (Ctrl-C): \(error)\(recovery)", status: 130) }
            throw WorkflowError("\(verb) \(tag) aborted: \(error)\(recovery)")
        }
        await lock?.release()
        interaction.finished(rendering, applied: true)
        interaction.say("kvctl: \(rollback ? "rolled back to \(tag) in" : "published \(tag) to") \(storeName) in "
            + "\(TreeDiff.count(planned.transactions.count, "transaction"))" + requests(publisher.store))
        return ApplyOutcome(plan: planned, applied: true)
    }

    /// How many HTTP requests Consul was sent, retries included (what `make bench` reports).
    private func requests(_ store: any KVStore) -> String {
        (store as? ConsulClient).map { " (\(TreeDiff.count($0.requestCount, "request")))" } ?? ""
    }
}

/// The first transaction wrote nothing: the store moved since the plan's read (`stale`), or another
/// publisher holds the lock the transaction was to take.
private enum Retry: Error {
    case stale(key: String)
    case lockHeld
}

/// Who holds the publish lock at `key` and is still alive; nil when the lock is free, or when its
/// holder is a process of this host that no longer exists (its Consul session has not lapsed yet).
public func runningPublisher(_ store: any KVStore, key: String) async throws -> LockHolder? {
    try await (store as? any LockingStore)?.holder(of: key).flatMap { $0.isAlive ? $0 : nil }
}

extension LockHolder {
    /// False for a process of this host that no longer exists; a holder elsewhere is taken as alive
    /// while it holds the lock (its session lapses when it dies).
    public var isAlive: Bool {
        let sameHost = holder.split(separator: "@").last.map(String.init) == ProcessInfo.processInfo.hostName
        return !(sameHost && pid > 0 && kill(pid, 0) != 0 && errno == ESRCH)
    }
}
