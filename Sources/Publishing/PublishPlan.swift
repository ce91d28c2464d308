/// What a publish will do, computed from the version and the live state before anything is written.
public struct PublishPlan: Sendable {
    public enum Action: String, Sendable {
        case create, update, delete
    }

    public struct Change: Sendable {
        public let key: String
        public let action: Action
        /// The live entry an update or delete is conditioned on.
        public let old: StoredEntry?
        /// The value a create or update writes.
        public let new: [UInt8]?
        public let sentinel: Bool
        /// A delete because the key is under a `prune:` prefix, not because this repository owned it.
        public let pruned: Bool
    }

    /// A key the version defines that it must not write.
    public struct Refusal: Sendable, CustomStringConvertible {
        public let key: String
        public let description: String
    }

    /// A template whose read set this publish writes in more than one transaction, so it may render
    /// a mix of old and new values between them.
    public struct SpanningReadSet: Sendable, CustomStringConvertible {
        public let template: String
        /// The transactions (1-based) holding its changed keys.
        public let transactions: [Int]
        public let reason: String

        public var description: String {
            "\(template) reads keys written in transactions \(transactions.map(String.init).joined(separator: ", ")): \(reason)"
        }
    }

    public let request: PublishRequest
    /// What the store says this repository has published, if anything.
    public let live: Publication?
    /// A publish that did not finish, which this plan completes or undoes.
    public let unfinished: PublishJournal?
    /// Sorted by key.
    public let changes: [Change]
    public let unchanged: Int
    public let refusals: [Refusal]
    /// Keys the plan would change or delete that were changed outside kvctl since the last publish:
    /// applying overwrites them, so only `--force` may.
    public let drift: [Drift]
    /// Empty when there is nothing to write (or when refusals stop the publish).
    public let transactions: [[StoreOperation]]
    /// The most deletions `delete-guard` lets this plan make without `--allow-deletes`.
    public let deleteLimit: Int
    /// Keys this repository's record owns now, which the delete guard's share is of.
    public let ownedCount: Int
    /// Sorted by template key.
    public let spanning: [SpanningReadSet]
    /// `LiveState.recordsMark` of the state planned against.
    public let recordsMark: [String: UInt64]
    /// What the user should hear once about how the plan was made (a server limit that could not be read).
    public var notes: [String] = []

    /// Whether the plan deletes more keys than the delete guard, or than `allowed` when given, permits.
    public func exceedsDeleteGuard(allowing allowed: Int?) -> Bool {
        count(.delete) > max(deleteLimit, allowed ?? 0)
    }

    public func count(_ action: Action) -> Int { changes.filter { $0.action == action }.count }
    public var operations: Int { transactions.reduce(0) { $0 + $1.count } }
    /// Whether applying the plan writes anything; a new version with identical keys still writes its record.
    public var hasChanges: Bool { !transactions.isEmpty }
}
