/// One KV verb as `/v1/txn` names it; the plain KV endpoints are expressed with the same verbs.
struct KVOperation: Sendable {
    enum Verb: String, Sendable {
        case set, cas, lock, unlock, get
        case getOrEmpty = "get-or-empty"
        case getTree = "get-tree"
        case checkIndex = "check-index"
        case checkSession = "check-session"
        case checkNotExists = "check-not-exists"
        case delete
        case deleteTree = "delete-tree"
        case deleteCAS = "delete-cas"

        var writes: Bool {
            switch self {
            case .set, .cas, .lock, .unlock, .delete, .deleteTree, .deleteCAS: true
            case .get, .getOrEmpty, .getTree, .checkIndex, .checkSession, .checkNotExists: false
            }
        }
    }

    var verb: Verb
    var key: String
    var value: [UInt8] = []
    var flags: UInt64 = 0
    var index: UInt64 = 0
    var session: String?
    var scope = KVScope.default
}

/// Why an operation did not apply: a condition that did not hold (a plain endpoint answers `false`)
/// or a request that cannot be served (a plain endpoint answers 500). A transaction reports either in `Errors`.
struct OperationFailure: Error {
    enum Kind { case conditionFailed, invalid }
    var kind: Kind
    var message: String

    static func condition(_ message: String) -> Self { .init(kind: .conditionFailed, message: message) }
    static func invalid(_ message: String) -> Self { .init(kind: .invalid, message: message) }
}
