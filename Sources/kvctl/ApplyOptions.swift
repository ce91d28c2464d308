#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import ConsulKit
import Foundation
import KVCore
import Publishing

/// What publish, rollback and resume share once they know the store: plan against the live state,
/// take the lock and plan again when there is work, refuse drift and mass deletions, show the plan,
/// confirm, apply (journaled, stopping between transactions on Ctrl-C), release the lock.
struct ApplyOptions: ParsableArguments {
    @Flag(help: "Print the plan and stop.")
    var plan = false

    @Flag(help: "With --plan: exit 2 when the plan has changes, 0 when it has none (as terraform plan does).")
    var detailedExitcode = false

    @Flag(help: "Apply without asking.")
    var yes = false

    @Flag(help: "Overwrite keys changed outside kvctl since the last publish.")
    var force = false

    @Option(help: ArgumentHelp("How long to wait for another publisher's lock, in seconds.", valueName: "seconds"))
    var lockTimeout: Double = 30

    @Option(help: "Output format: text or json.")
    var output: OutputFormat = .text

    @Option(help: ArgumentHelp("Let the plan delete up to N keys, past the delete guard (delete-guard in kvctl.yaml).", valueName: "N"))
    var allowDeletes: Int?

    @OptionGroup var color: ColorOptions

    func validate() throws {
        if detailedExitcode && !plan { throw ValidationError("--detailed-exitcode goes with --plan") }
        if lockTimeout < 0 { throw ValidationError("--lock-timeout must be 0 or more seconds") }
        if let allowDeletes, allowDeletes < 0 { throw ValidationError("--allow-deletes must be 0 or more keys") }
    }

    /// What a command makes live, decided from the store's records.
    struct Target {
        let request: PublishRequest
        let settings: PublishSettings
        /// Said on stderr once the target is chosen (again under the lock only if it changed).
        var announcement: String?
        /// The target completes or undoes an unfinished publish (resume, rollback), which a plain
        /// publish refuses to run over.
        var finishing = false
    }

    /// Plans without the lock first, so a no-op (the live version again, or nothing to change) is
    /// read-only: no session, no lock key, only the reads. Only a plan with work (changes, or an
    /// unfinished publish, which may be a running one) takes the lock, then reads the records again:
    /// when another publisher wrote a record, chunk or journal meanwhile, it plans again from scratch.
    /// Keys changed by hand in between need no second read: every write is conditioned on the
    /// ModifyIndex the plan read, so such a key aborts the publish before anything is overwritten.
    func run(store: any KVStore, layout: MetaLayout, name: String, operation: String,
             target: (LiveStateReader) async throws -> Target) async throws {
        let reader = LiveStateReader(store: store, layout: layout, name: name)
        var (chosen, planned) = try await choose(target, reader: reader, store: store, announced: nil)
        guard !plan, let locking = store as? any LockingStore, planned.hasChanges || planned.unfinished != nil else {
            return try await apply(chosen, planned, store: store, lock: nil)
        }
        let lock: any HeldLock
        do {
            lock = try await PublishLock(store: locking, key: layout.lock(of: name))
                .acquire(as: .current(operation), timeout: .milliseconds(Int(lockTimeout * 1000))) { holder in
                    writeError("kvctl: waiting up to \(lockTimeout.formatted(.number.precision(.fractionLength(0...1))))s for the lock \(layout.lock(of: name)), held by "
                        + (holder?.description ?? "another kvctl"))
                }
        } catch { throw refuse("\(error)") }
        do {
            let records: LiveState
            do { records = try await reader.readRecords() } catch { throw refuse("\(error)") }
            if records.recordsMark != planned.recordsMark {
                (chosen, planned) = try await choose(target, reader: reader, store: store, announced: chosen.announcement)
            }
            try await apply(chosen, planned, store: store, lock: lock)
        } catch {
            await lock.release()
            throw error
        }
        await lock.release()
    }

    private func choose(_ target: (LiveStateReader) async throws -> Target, reader: LiveStateReader, store: any KVStore,
                        announced: String?) async throws -> (Target, PublishPlan) {
        let chosen: Target
        do { chosen = try await target(reader) } catch let error as ExitCode { throw error } catch { throw refuse("\(error)") }
        if let announcement = chosen.announcement, announcement != announced { writeError(announcement) }
        do {
            return (chosen, try await Publisher(store: store, settings: chosen.settings).plan(chosen.request))
        } catch { throw refuse("\(error)") }
    }

    private func apply(_ target: Target, _ planned: PublishPlan, store: any KVStore, lock: (any HeldLock)?) async throws {
        let publisher = Publisher(store: store, settings: target.settings)
        let tag = target.request.publication.tag, storeName = store.description
        let rollback = target.request.publication.kind == .rollback
        let verb = rollback ? "roll back to" : "publish", command = rollback ? "rollback" : "publish"
        let phrase = rollback ? "roll back to \(tag) in \(storeName)" : "publish \(tag) to \(storeName)"
        if let unfinished = planned.unfinished, !target.finishing {
            // Holding the lock proves its holder gone; without it, the journal may be a running publish's.
            let running = lock == nil ? try await runningPublisher(store, key: target.settings.layout.lock(of: target.request.name)) : nil
            throw refuse("\(unfinished.summary) in \(storeName): " + (running.map { "a publish is running (lock held by \($0)); wait for it to finish" }
                ?? "run kvctl publish --resume to finish it, or kvctl rollback to return to \(unfinished.from?.tag ?? "the state before it")"))
        }

        for note in planned.notes { writeError("kvctl: \(note)") }
        let rendering = PlanRendering(plan: planned, colored: output == .text && color.colored(1), allowedDeletes: allowDeletes)
        if output == .text { FileHandle.standardOutput.write(Data(rendering.text().utf8)) }
        guard planned.refusals.isEmpty else {
            if output == .json { print(try jsonText(rendering.report(applied: false))) }
            throw refuse("refusing to \(verb) \(tag): \(TreeDiff.count(planned.refusals.count, "key")) belong elsewhere:\n"
                + planned.refusals.map { "  \($0)" }.joined(separator: "\n"))
        }
        if !planned.drift.isEmpty && !force && !plan {
            if output == .json { print(try jsonText(rendering.report(applied: false))) }
            throw refuse("refusing to \(verb) \(tag): \(TreeDiff.count(planned.drift.count, "key")) it would overwrite "
                + "changed outside kvctl since \(planned.live?.tag ?? "the last publish") was published:\n"
                + planned.drift.map { "  \($0)" }.joined(separator: "\n") + "\nkvctl \(command) --force overwrites them")
        }
        if planned.exceedsDeleteGuard(allowing: allowDeletes) && !plan {
            if output == .json { print(try jsonText(rendering.report(applied: false))) }
            throw refuse("refusing to \(verb) \(tag): \(rendering.deleteGuardProblem(allowing: allowDeletes))")
        }
        if plan || !planned.hasChanges {
            if output == .json { print(try jsonText(rendering.report(applied: false))) }
            if !plan { writeError("kvctl: nothing to \(rollback ? "roll back" : "publish"): \(tag) is live as tagged\(requests(publisher.store))") }
            if detailedExitcode && planned.hasChanges { throw PlanHasChanges() }
            return
        }
        if !yes { try confirm(phrase) }
        do { try await publisher.checkWriteAccess(planned) } catch { throw refuse("refusing to \(verb) \(tag), nothing was written: \(error)") }
        let interruption = Interruption()
        defer { interruption.remove() }
        do {
            try await publisher.apply(planned, holding: lock, progress: ProgressDisplay(terminal: isatty(2) == 1).show,
                                      stop: { interruption.requested })
        } catch {
            let journaled = planned.transactions.count > 1 && (error as? PublishStopped)?.applied != 0
            let recovery = journaled
                ? "; the journal records how far it got: kvctl publish --resume finishes it, kvctl rollback returns to "
                    + (planned.live?.tag ?? "the state before it")
                : ""
            if error is PublishStopped { throw refuse("\(verb) \(tag) interrupted (Ctrl-C): \(error)\(recovery)", status: 130) }
            throw refuse("\(verb) \(tag) aborted: \(error)\(recovery)")
        }
        if output == .json { print(try jsonText(rendering.report(applied: true))) }
        writeError("kvctl: \(rollback ? "rolled back to \(tag) in" : "published \(tag) to") \(storeName) in "
            + "\(TreeDiff.count(planned.transactions.count, "transaction"))" + requests(publisher.store))
    }

    /// How many HTTP requests Consul was sent, retries included (what `make bench` reports).
    private func requests(_ store: any KVStore) -> String {
        (store as? ConsulClient).map { " (\(TreeDiff.count($0.requestCount, "request")))" } ?? ""
    }

    /// `phrase`: "publish v1.2.0 to Consul at ...".
    private func confirm(_ phrase: String) throws {
        guard isatty(0) == 1 else { throw usageError("stdin is not a terminal, so kvctl cannot ask; pass --yes to \(phrase)") }
        FileHandle.standardError.write(Data("\(phrase.prefix(1).uppercased() + phrase.dropFirst())? [y/N] ".utf8))
        guard let answer = readLine()?.lowercased(), ["y", "yes"].contains(answer) else { throw refuse("nothing was written") }
    }
}

/// `--plan --detailed-exitcode` found changes: exit 2, the one status that means it (as `terraform plan`).
struct PlanHasChanges: Error {}

/// Who holds the publish lock at `key` and is still alive; nil when the lock is free, or when its
/// holder is a process of this host that no longer exists (its Consul session has not lapsed yet).
func runningPublisher(_ store: any KVStore, key: String) async throws -> LockHolder? {
    try await (store as? any LockingStore)?.holder(of: key).flatMap { $0.isAlive ? $0 : nil }
}

extension LockHolder {
    /// False for a process of this host that no longer exists; a holder elsewhere is taken as alive
    /// while it holds the lock (its session lapses when it dies).
    var isAlive: Bool {
        let sameHost = holder.split(separator: "@").last.map(String.init) == ProcessInfo.processInfo.hostName
        return !(sameHost && pid > 0 && kill(pid, 0) != 0 && errno == ESRCH)
    }
}

/// `--no-color`, and the NO_COLOR convention (https://no-color.org: set and not empty turns colour off).
struct ColorOptions: ParsableArguments {
    @Flag(help: "Never colour the output (as NO_COLOR does).")
    var noColor = false

    /// Whether to colour what goes to `descriptor`: a terminal, and nothing saying no.
    func colored(_ descriptor: Int32) -> Bool {
        !noColor && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty && isatty(descriptor) == 1
    }
}
