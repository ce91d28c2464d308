import Foundation

/// An unfinished publish, the JSON value of `<meta-prefix><name>/journal`. A publish of more than one
/// transaction writes it in its first transaction and rewrites it in each following one, so "batch N
/// done" commits with batch N; the last transaction deletes it with the record's update. Its presence
/// therefore means "incomplete publish of `to` over `from`": `publish --resume` finishes it, `rollback`
/// returns to `from`. `owned` names the chunks `to` will own (written before any key), which tell
/// kvctl's own half-done writes from drift.
public struct PublishJournal: Codable, Sendable, Equatable {
    public static let format = 1

    public var format: Int
    public var name: String
    /// Nil when the interrupted publish was the repository's first.
    public var from: Publication?
    public var to: Publication
    public var owned: [String]
    public var transactions: Int
    /// Transactions committed, this journal's own one included.
    public var done: Int

    public init(name: String, from: Publication?, to: Publication, owned: [String], transactions: Int, done: Int) {
        format = Self.format
        self.name = name
        self.from = from
        self.to = to
        self.owned = owned
        self.transactions = transactions
        self.done = done
    }

    /// "incomplete publish of v1.1.0 over v1.0.0 (3 of 7 transactions applied)".
    public var summary: String {
        let kind = to.kind == .rollback ? "rollback to" : "publish of"
        return "incomplete \(kind) \(to.tag) over \(from?.tag ?? "nothing") (\(done) of \(transactions) transactions applied)"
    }

    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(self)) ?? Data())
    }

    public static func decode(_ bytes: [UInt8], key: String) throws(StoreStateError) -> PublishJournal {
        struct Format: Decodable { let format: Int }
        guard let format = try? JSONDecoder().decode(Format.self, from: Data(bytes)) else {
            throw StoreStateError("\(key) is not a kvctl publish journal (no 'format' number)")
        }
        guard format.format <= Self.format else {
            throw StoreStateError("\(key) is a publish journal of format \(format.format), written by a newer kvctl; this kvctl reads "
                + "format \(Self.format) at most, so finish or roll back that publish with the newer kvctl, or upgrade")
        }
        do {
            return try JSONDecoder().decode(PublishJournal.self, from: Data(bytes))
        } catch {
            throw StoreStateError("\(key) is a damaged publish journal: \(error)")
        }
    }
}
