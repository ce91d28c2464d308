import Foundation

/// Why a version went live: published forward, or rolled back to.
public enum PublicationKind: String, Codable, Sendable {
    case publish, rollback
}

/// One publish: what was published, from where, when and by whom.
public struct Publication: Codable, Sendable, Equatable {
    public var version: String
    public var tag: String
    public var commit: String
    /// ISO 8601, UTC.
    public var published: String
    public var publisher: String
    public var keys: Int
    /// Absent in format 1 records, which knew only publishes.
    public var kind: PublicationKind?
    /// The command that made it, when not publish or rollback themselves: `sync`. Absent otherwise, so
    /// records stay as they were, and readers that do not know it ignore it.
    public var via: String?

    public init(version: String, tag: String, commit: String, published: String, publisher: String, keys: Int,
                kind: PublicationKind = .publish) {
        self.version = version
        self.tag = tag
        self.commit = commit
        self.published = published
        self.publisher = publisher
        self.keys = keys
        self.kind = kind
    }
}

/// A repository's record in the store, the JSON value of `<meta-prefix><name>/record`. Like Terraform's
/// state it is what ownership is decided by: the keys listed in its `owned` chunks are the
/// repository's. `history` is what a rollback reads. `format` changes when the shape does: 2 added
/// each owned key's stamp to the chunks and `kind` to publications.
public struct VersionRecord: Codable, Sendable, Equatable {
    public static let format = 2
    /// Publishes kept in `history`, besides the current one.
    public static let historyLimit = 20

    public var format: Int
    public var name: String
    public var current: Publication
    /// Earlier publishes, newest first.
    public var history: [Publication]
    /// Ids of the chunks listing the owned keys, in key order (see `OwnedKeyChunks`).
    public var owned: [String]

    public init(name: String, current: Publication, history: [Publication], owned: [String]) {
        format = Self.format
        self.name = name
        self.current = current
        self.history = Array(history.prefix(Self.historyLimit))
        self.owned = owned
    }

    /// The record after publishing `publication`: the current one moves into the history.
    public func succeeded(by publication: Publication, owned: [String]) -> VersionRecord {
        VersionRecord(name: name, current: publication, history: [current] + history, owned: owned)
    }

    /// Where a rollback with no version goes, as repeated undo: every publish stacked a version, every
    /// rollback went back down the stack to the version it restored, so the answer is the version under
    /// the current one. Nil when the kept history has none.
    public var undoTarget: Publication? {
        var stack: [Publication] = []
        for publication in ([current] + history).reversed() {
            if publication.kind == .rollback, let restored = stack.lastIndex(where: { $0.tag == publication.tag }) {
                stack.removeSubrange((restored + 1)...)
            } else {
                stack.append(publication)
            }
        }
        return stack.dropLast().last
    }

    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings, numbers and arrays cannot fail.
        return Array((try? encoder.encode(self)) ?? Data())
    }

    public static func decode(_ bytes: [UInt8], key: String) throws(StoreStateError) -> VersionRecord {
        struct Format: Decodable { let format: Int }
        guard let format = try? JSONDecoder().decode(Format.self, from: Data(bytes)) else {
            throw StoreStateError("\(key) is not a kvctl version record (no 'format' number)")
        }
        guard format.format <= Self.format else {
            throw StoreStateError("\(key) has record format \(format.format); this kvctl reads format \(Self.format) at most, so upgrade kvctl")
        }
        do {
            return try JSONDecoder().decode(VersionRecord.self, from: Data(bytes))
        } catch {
            throw StoreStateError("\(key) is a damaged version record: \(error)")
        }
    }
}

/// What the store holds cannot be trusted as it is: a damaged or newer record, a missing chunk.
public struct StoreStateError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
