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

/// What publish, rollback and resume share once they know the store: take the lock, plan against the
/// live state, refuse drift, show the plan, confirm, apply (journaled), release the lock.
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

    func validate() throws {
        if detailedExitcode && !plan { throw ValidationError("--detailed-exitcode goes with --plan") }
        if lockTimeout < 0 { throw ValidationError("--lock-timeout must be 0 or more seconds") }
    }

    /// What a command makes live, decided once the lock is held and the store can be read.
    struct Target {
        let request: PublishRequest
        let settings: PublishSettings
    }

    /// `finishing`: the target completes or undoes an unfinished publish (resume, rollback), which a
    /// plain publish refuses to run over.
    func run(store: any KVStore, layout: MetaLayout, name: String, operation: String, finishing: Bool,
             target: (LiveStateReader) async throws -> Target) async throws {
        var lock: (any HeldLock)?
        if !plan, let locking = store as? any LockingStore {
            do {
                lock = try await PublishLock(store: locking, key: layout.lock(of: name))
                    .acquire(as: .current(operation), timeout: .milliseconds(Int(lockTimeout * 1000))) { holder in
                        writeError("kvctl: waiting up to \(lockTimeout.formatted(.number.precision(.fractionLength(0...1))))s for the lock \(layout.lock(of: name)), held by "
                            + (holder?.description ?? "another kvctl"))
                    }
            } catch { throw refuse("\(error)") }
        }
        do {
            let reader = LiveStateReader(store: store, layout: layout, name: name)
            let chosen: Target
            do { chosen = try await target(reader) } catch let error as ExitCode { throw error } catch { throw refuse("\(error)") }
            try await apply(chosen, to: Publisher(store: store, settings: chosen.settings), finishing: finishing, lock: lock)
        } catch {
            await lock?.release()
            throw error
        }
        await lock?.release()
    }

    private func apply(_ target: Target, to publisher: Publisher, finishing: Bool, lock: (any HeldLock)?) async throws {
        let tag = target.request.publication.tag, storeName = publisher.store.description
        let rollback = target.request.publication.kind == .rollback
        let verb = rollback ? "roll back to" : "publish", command = rollback ? "rollback" : "publish"
        let phrase = rollback ? "roll back to \(tag) in \(storeName)" : "publish \(tag) to \(storeName)"
        let planned: PublishPlan
        do { planned = try await publisher.plan(target.request) } catch { throw refuse("\(error)") }
        if let unfinished = planned.unfinished, !finishing {
            throw refuse("\(unfinished.summary) in \(storeName): run kvctl publish --resume to finish it, or kvctl rollback to return to "
                + (unfinished.from?.tag ?? "the state before it"))
        }

        let rendering = PlanRendering(plan: planned, colored: output == .text && isatty(1) == 1)
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
        if plan || !planned.hasChanges {
            if output == .json { print(try jsonText(rendering.report(applied: false))) }
            if !plan { writeError("kvctl: nothing to \(rollback ? "roll back" : "publish"): \(tag) is live as tagged\(requests(publisher.store))") }
            if detailedExitcode && planned.hasChanges { throw ExitCode(2) }
            return
        }
        if !yes { try confirm(phrase) }
        do { try await publisher.checkWriteAccess(planned) } catch { throw refuse("refusing to \(verb) \(tag), nothing was written: \(error)") }
        do {
            try await publisher.apply(planned, holding: lock, progress: ProgressDisplay(terminal: isatty(2) == 1).show)
        } catch {
            let recovery = planned.transactions.count > 1
                ? "; the journal records how far it got: kvctl publish --resume finishes it, kvctl rollback returns to "
                    + (planned.live?.tag ?? "the state before it")
                : ""
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
