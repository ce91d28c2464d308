import KVCore

/// The version a key last changed in, packed into Consul's 64-bit `Flags` so that any Consul client
/// (`consul kv get -detailed`, consul-template's `.Flags`) can read it without kvctl:
///
///     bits 63–56  0x6B ('k'): kvctl wrote the key (format 1 of this encoding)
///     bits 55–40  major    bits 39–24  minor    bits 23–8  patch
///     bits 7–0    255 for a release; for a pre-release its last numeric identifier, at most 254
///                 (`rc.2` is 2), or 0 when it has none
///
/// Numeric order is semver precedence for releases and for the pre-releases of one label; the exact
/// pre-release text lives in the version record.
public struct VersionFlags: Sendable, Hashable {
    public static let marker: UInt64 = 0x6B
    public let value: UInt64

    /// Nil when a component does not fit in 16 bits.
    public init?(_ version: SemanticVersion) {
        let limit = Int(UInt16.max)
        guard (0...limit).contains(version.major), (0...limit).contains(version.minor),
              (0...limit).contains(version.patch) else { return nil }
        let preRelease: UInt64 = version.isPreRelease
            ? version.preRelease.last.flatMap { UInt64($0) }.map { min($0, 254) } ?? 0
            : 255
        value = Self.marker << 56 | UInt64(version.major) << 40 | UInt64(version.minor) << 24
            | UInt64(version.patch) << 8 | preRelease
    }

    public init?(rawValue: UInt64) {
        guard rawValue >> 56 == Self.marker else { return nil }
        value = rawValue
    }

    public var major: Int { Int(value >> 40 & 0xFFFF) }
    public var minor: Int { Int(value >> 24 & 0xFFFF) }
    public var patch: Int { Int(value >> 8 & 0xFFFF) }
    /// Nil for a release; the pre-release number otherwise.
    public var preRelease: Int? { value & 0xFF == 255 ? nil : Int(value & 0xFF) }

    /// `1.4.0`, or `1.4.0-pre.2` for a pre-release (its label is not in the flags).
    public var version: SemanticVersion {
        SemanticVersion(major, minor, patch, preRelease: preRelease.map { ["pre", String($0)] } ?? [])
    }
}
