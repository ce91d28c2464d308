import KVCore
import Publishing

/// `kvctl sync --env NAME`, and each reconcile of `kvctl agent`: resolve the environment's pin in HEAD's
/// kvctl.yaml, load (and validate) the pinned release, then in each datacenter run the apply workflow
/// toward it (publish, roll back, resume or nothing; see `ApplyTarget.sync`).
public struct SyncWorkflow: Sendable {
    public let selection: StoreSelection
    public let workflow: ApplyWorkflow

    public init(selection: StoreSelection, workflow: ApplyWorkflow) {
        self.selection = selection
        self.workflow = workflow
    }

    /// One outcome per datacenter, in order; `stopped` hears where several datacenters stand after a failure.
    @discardableResult
    public func run(source: ReleaseSource, stopped: (String) -> Void = { _ in }) async throws -> [ApplyOutcome] {
        let config = try source.headConfig(), env = selection.env ?? ""
        guard let pin = try selection.environment(in: config)?.pin else {
            throw WorkflowError.usage("environment '\(env)' pins no release; give it 'version: v1.4.0' or 'track: latest' in \(KVConfig.fileName)")
        }
        let release = try source.release(try source.pinnedTag(pin, of: env))
        let name = try source.name(release.config)
        var outcomes: [ApplyOutcome] = []
        try await selection.withStore(config: config, repositoryRoot: source.root, everyDatacenter: true, stopped: stopped) { target, targetName in
            outcomes.append(try await workflow.run(store: target, layout: release.settings.layout, name: name, operation: "sync \(release.tag)") { reader in
                try await .sync(to: release, pin: pin, environment: env, name: name, in: targetName, reader: reader)
            })
        }
        return outcomes
    }
}
