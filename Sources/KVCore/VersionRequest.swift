/// What the user asked `kvctl release` for: a level to bump (optionally as a pre-release), or an exact version.
public enum VersionRequest: Sendable, Equatable {
    case level(ReleaseLevel, preRelease: String?)
    case exact(SemanticVersion)

    /// The version to release given every existing release; it must be newer than all of them.
    public func resolve(after existing: [SemanticVersion]) throws(VersionRequestError) -> SemanticVersion {
        let latest = existing.max()
        let next: SemanticVersion
        switch self {
        case .exact(let version):
            next = version
        case .level(let level, nil):
            next = (latest ?? SemanticVersion(0, 0, 0)).bumped(level)
        case .level(let level, let label?):
            guard SemanticVersion.isPreReleaseLabel(label) else { throw .invalidLabel(label) }
            next = (latest ?? SemanticVersion(0, 0, 0)).bumped(level).preRelease(label, after: existing)
        }
        if let latest, next <= latest { throw .notNewer(next, latest: latest) }
        return next
    }
}

public enum VersionRequestError: Error, Equatable, CustomStringConvertible {
    case notNewer(SemanticVersion, latest: SemanticVersion)
    case invalidLabel(String)

    public var description: String {
        switch self {
        case let .notNewer(version, latest):
            "\(version) is not greater than the latest release \(latest); a release must be the newest version"
        case let .invalidLabel(label):
            "'\(label)' is not a pre-release label; expected letters, digits and '-', not only digits, like 'rc' or 'beta'"
        }
    }
}
