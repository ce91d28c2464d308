/// Requests the double received, faulted ones included, by kind of path.
public struct RequestCounts: Sendable, Hashable, CustomStringConvertible {
    /// `GET /v1/kv/...`
    public var reads: Int
    /// `PUT /v1/kv/...`
    public var puts: Int
    /// `DELETE /v1/kv/...`
    public var deletes: Int
    /// `/v1/txn`
    public var transactions: Int
    /// `/v1/session/...`
    public var sessions: Int
    public var other: Int

    public init(reads: Int = 0, puts: Int = 0, deletes: Int = 0, transactions: Int = 0, sessions: Int = 0, other: Int = 0) {
        self.reads = reads
        self.puts = puts
        self.deletes = deletes
        self.transactions = transactions
        self.sessions = sessions
        self.other = other
    }

    public var total: Int { reads + puts + deletes + transactions + sessions + other }

    public var description: String {
        "\(total) requests (reads \(reads), puts \(puts), deletes \(deletes), txn \(transactions), "
            + "sessions \(sessions), other \(other))"
    }

    mutating func count(method: String, path: String) {
        switch (method, path) {
        case ("GET", _) where path.hasPrefix("/v1/kv/"): reads += 1
        case ("PUT", _) where path.hasPrefix("/v1/kv/"): puts += 1
        case ("DELETE", _) where path.hasPrefix("/v1/kv/"): deletes += 1
        case (_, "/v1/txn"): transactions += 1
        case (_, _) where path.hasPrefix("/v1/session/"): sessions += 1
        default: other += 1
        }
    }
}
