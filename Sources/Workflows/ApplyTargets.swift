import KVCore
import Publishing

/// The targets of the commands that make a release live: each reads the store's records and says what
/// to write, so `ApplyWorkflow` can choose it again under the lock.
extension ApplyTarget {
    /// `publish VERSION`: the release as tagged. Republishing the live release with the store as its
    /// record left it is decided from the release's digest (`LoadedRelease.unchangedPlan`): the
    /// plan is made here, against the records `reader` holds, and has nothing to write.
    public static func publish(_ release: LoadedRelease, name: String, reader: LiveStateReader) async throws -> ApplyTarget {
        if let unchanged = try await release.unchangedPlan(name: name, kind: .publish, reader: reader) {
            return ApplyTarget(request: unchanged.request, settings: release.settings, fixed: unchanged)
        }
        return ApplyTarget(request: try release.request(name: name, kind: .publish), settings: release.settings)
    }

    /// `publish --resume`: the journal's version replanned against the live state, so only what the
    /// interrupted publish did not write is written.
    public static func resume(from source: ReleaseSource, name: String, in targetName: String,
                              reader: LiveStateReader) async throws -> ApplyTarget {
        guard let journal = try await reader.readRecords().unfinished?.journal else {
            throw WorkflowError("nothing to resume: '\(name)' has no incomplete publish in \(targetName)")
        }
        let release = try source.release(journal.to.tag)
        return try .resuming(journal, of: release, name: name, announcement: "kvctl: resuming the \(journal.summary) as '\(name)' in \(targetName)")
    }

    /// The interrupted publish's own version (its date and kind kept), replanned against the live state.
    private static func resuming(_ journal: PublishJournal, of release: LoadedRelease, name: String, announcement: String) throws -> ApplyTarget {
        ApplyTarget(request: try release.request(name: name, kind: .publish).publishing(as: journal.to), settings: release.settings,
                    announcement: announcement, finishing: true)
    }

    /// `rollback [VERSION]`: VERSION, else the version an interrupted publish was replacing, else the
    /// one published before the current one.
    public static func rollback(to version: String?, from source: ReleaseSource, name: String, in targetName: String,
                                reader: LiveStateReader) async throws -> ApplyTarget {
        let live = try await reader.readRecords()
        let release = try source.release(try version ?? previous(live, name: name, in: targetName))
        return ApplyTarget(request: try release.request(name: name, kind: .rollback), settings: release.settings,
            announcement: "kvctl: rolling back '\(name)' \(live.own.map { "from \($0.record.current.tag) " } ?? "")to \(release.tag) in \(targetName)",
            finishing: true)
    }

    private static func previous(_ live: LiveState, name: String, in targetName: String) throws -> String {
        if let journal = live.unfinished?.journal {
            guard let from = journal.from else {
                throw WorkflowError("the \(journal.summary) was the first publish of '\(name)', so there is nothing to return to; "
                    + "kvctl publish --resume finishes it")
            }
            return from.tag
        }
        guard let record = live.own?.record else { throw WorkflowError("'\(name)' has published nothing to \(targetName)") }
        guard let previous = record.undoTarget else {
            throw WorkflowError(record.history.isEmpty
                ? "\(record.current.tag) is the only version '\(name)' has published; name the VERSION to roll back to"
                : "\(record.current.tag) is the earliest publish of '\(name)' the history keeps: rollbacks have undone every later one; "
                    + "name the VERSION to roll back to")
        }
        return previous.tag
    }

    /// `sync --env`: whatever makes the environment run its pinned `release`: resume an interrupted
    /// publish of it, roll back when it is older than the live release (or is the release the
    /// interrupted publish was replacing), else publish it (a no-op when it is live already).
    public static func sync(to release: LoadedRelease, pin: EnvironmentPin, environment env: String, name: String,
                            in targetName: String, reader: LiveStateReader) async throws -> ApplyTarget {
        let live = try await reader.readRecords()
        if let journal = live.unfinished?.journal, journal.to.tag == release.tag {
            return try .resuming(journal, of: release, name: name,
                             announcement: "kvctl: \(env) pins \(release.tag): resuming the \(journal.summary) in \(targetName)")
        }
        let current = live.own?.record.current
        // Pinning the release an interrupted publish was replacing undoes it, as rollback does.
        let older = current.flatMap { SemanticVersion($0.version) }.map { release.release.version < $0 } ?? false
            || (live.unfinished?.journal.from?.tag == release.tag)
        let action = older ? "rolling back from \(current?.tag ?? "") to" : current?.tag == release.tag ? "checking" : "publishing"
        let announcement = "kvctl: \(env) pins \(release.tag) (\(pin)): \(action) \(release.tag) as '\(name)' in \(targetName)"
        if !older, let unchanged = try await release.unchangedPlan(name: name, kind: .publish, via: "sync", reader: reader) {
            return ApplyTarget(request: unchanged.request, settings: release.settings, announcement: announcement, fixed: unchanged)
        }
        return ApplyTarget(request: try release.request(name: name, kind: older ? .rollback : .publish, via: "sync"),
                           settings: release.settings, announcement: announcement, finishing: older)
    }
}

extension ApplyTarget {
    /// `apply FILE`: the saved plan, exactly, into the store it was made for.
    public static func saved(_ saved: SavedPlan, source: String, store: any KVStore) throws -> ApplyTarget {
        guard saved.store == store.description else {
            throw WorkflowError("\(source) was planned against \(saved.store), not \(store.description); "
                + "apply it with the same --consul/--env/--datacenter, or make a plan for this store")
        }
        let plan: PublishPlan
        do { plan = try saved.plan() } catch { throw WorkflowError(error.description) }
        return ApplyTarget(request: plan.request, settings: PublishSettings(layout: MetaLayout(prefix: saved.metaPrefix)),
                           announcement: "kvctl: applying \(source): \(saved.publication.tag) of '\(saved.repository)' to \(store.description)",
                           fixed: plan)
    }
}
