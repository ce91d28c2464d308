import Foundation
import KVCore

/// An unfinished publish, the JSON value of `<meta-prefix><name>/journal`. A publish of more than one
/// transaction writes it in its first transaction and deletes it in the last one, with the record's
/// update. Its presence therefore means "incomplete publish of `to` over `from`": `publish --resume`
/// finishes it, `rollback` returns to `from`. `owned` names the chunks `to` will own (written before
/// any key), which tell kvctl's own half-done writes from drift and, compared with the keys, how far
/// the publish got (`LiveState.progress`).
public struct PublishJournal: Codable, Sendable, Equatable {
    /// 2: written once, without `done` (format 1 rewrote it in every transaction with a count).
    public static let format = 2

    public var format: Int
    public var name: String
    /// Nil when the interrupted publish was the repository's first.
    public var from: Publication?
    public var to: Publication
    public var owned: [String]
    public var transactions: Int
    /// Format 1 only: transactions committed, the journal's own one included.
    public var done: Int?

    public init(name: String, from: Publication?, to: Publication, owned: [String], transactions: Int, done: Int? = nil) {
        format = Self.format
        self.name = name
        self.from = from
        self.to = to
        self.owned = owned
        self.transactions = transactions
        self.done = done
    }

    /// "incomplete publish of v1.1.0 over v1.0.0 (7 transactions planned)"; a format 1 journal says
    /// how many of them it recorded as applied. `LiveState.progress` tells how far it got.
    public var summary: String {
        let kind = to.kind == .rollback ? "rollback to" : "publish of"
        let count = done.map { "\($0) of \(transactions) transactions applied" } ?? "\(TreeDiff.count(transactions, "transaction")) planned"
        return "incomplete \(kind) \(to.tag) over \(from?.tag ?? "nothing") (\(count))"
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
