import Foundation
import KVCore
import Publishing

/// What publishing a revision would do to a store, for `kvctl review --env`: only reads (no lock,
/// no session), as `publish --plan` plans before it locks.
public enum ReviewPlan {
    public static func text(store: any KVStore, tree: KVTree, config: KVConfig, name: String, label: String) async throws -> String {
        let version = SemanticVersion(label, prefix: config.tagPrefix) ?? SemanticVersion(0, 0, 0, preRelease: ["review"])
        let request = PublishRequest(name: name, version: version, tag: label, commit: label, publisher: "kvctl review",
                                     date: Date(), tree: tree, sentinels: config.sentinels)
        let plan = try await Publisher(store: store, settings: PublishSettings(config)).plan(request)
        return PlanRendering(plan: plan, colored: false, allowedDeletes: nil).text()
    }
}
