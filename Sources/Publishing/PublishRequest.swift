import Foundation
import KVCore

/// One key of the version being published.
public struct DesiredKey: Sendable, Hashable {
    public let key: String
    public let value: [UInt8]
    /// Written in the last transaction (`sentinel: true` in the manifest or a `sentinels:` glob).
    public let sentinel: Bool

    public init(key: String, value: [UInt8], sentinel: Bool = false) {
        self.key = key
        self.value = value
        self.sentinel = sentinel
    }
}

/// A released version to publish under a repository's name.
public struct PublishRequest: Sendable {
    public let name: String
    public let version: SemanticVersion
    public let publication: Publication
    /// Sorted by key.
    public let keys: [DesiredKey]
    /// The digest of `keys` (the same order), when known: their stamps need no hashing again.
    public var digest: VersionDigest?
    /// What the version's templates read: each set is written in one transaction when it fits.
    public let readSets: [TemplateReadSet]

    /// The same keys under another publication: an unfinished publish's, when resuming it.
    public func publishing(as publication: Publication) -> PublishRequest {
        var request = PublishRequest(name: name, version: version, publication: publication, keys: keys, readSets: readSets)
        request.digest = digest
        return request
    }

    public init(name: String, version: SemanticVersion, publication: Publication, keys: [DesiredKey], readSets: [TemplateReadSet] = []) {
        self.name = name
        self.version = version
        self.publication = publication
        self.keys = keys.sorted { $0.key.precedesInByteOrder($1.key) }
        self.readSets = readSets
    }

    /// The request for `tree` released as `tag` at `commit`.
    public init(name: String, version: SemanticVersion, tag: String, commit: String, publisher: String, date: Date,
                tree: KVTree, sentinels: [KeyGlob], readSets: [TemplateReadSet] = [], kind: PublicationKind = .publish) {
        let keys = Self.keys(of: tree, sentinels: sentinels)
        let publication = Self.publication(version: version, tag: tag, commit: commit, publisher: publisher, date: date, keys: keys.count,
                                           kind: kind)
        self.init(name: name, version: version, publication: publication, keys: keys, readSets: readSets)
    }

    /// The keys a request for `tree` holds, in its order.
    public static func keys(of tree: KVTree, sentinels: [KeyGlob]) -> [DesiredKey] {
        tree.entries.map { entry in
            DesiredKey(key: entry.key, value: entry.value,
                       sentinel: entry.options.sentinel || sentinels.contains { $0.matches(entry.key) })
        }.sorted { $0.key.precedesInByteOrder($1.key) }
    }

    /// The publication of `keys` keys released as `tag` at `commit`, published at `date`.
    public static func publication(version: SemanticVersion, tag: String, commit: String, publisher: String, date: Date, keys: Int,
                                   kind: PublicationKind = .publish) -> Publication {
        // The same text as ISO8601DateFormatter's (UTC, seconds), without loading CoreFoundation's formatter.
        Publication(version: version.description, tag: tag, commit: commit, published: date.formatted(.iso8601),
                    publisher: publisher, keys: keys, kind: kind)
    }
}

/// The settings a publish follows, from `kvctl.yaml`.
public struct PublishSettings: Sendable {
    public var layout: MetaLayout
    public var prune: [String]
    public var limits: TransactionLimits
    public var deleteGuard: DeleteGuard

    public init(layout: MetaLayout = MetaLayout(prefix: "kvctl/"), prune: [String] = [], limits: TransactionLimits = TransactionLimits(),
                deleteGuard: DeleteGuard = DeleteGuard()) {
        self.layout = layout
        self.prune = prune
        self.limits = limits
        self.deleteGuard = deleteGuard
    }

    public init(_ config: KVConfig) {
        self.init(layout: MetaLayout(prefix: config.metaPrefix), prune: config.prune, limits: config.transaction,
                  deleteGuard: config.deleteGuard)
    }
}

/// A publish that cannot be planned as asked: the reason is the whole message.
public struct PublishError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
