/// How far a release moves the version: what readers of the store must expect.
public enum ReleaseLevel: String, Sendable {
    case patch, minor, major
}

/// A Semantic Versioning 2.0.0 version. Equality and order are semver *precedence*: build metadata
/// is kept for display but ignored, so `1.0.0+a == 1.0.0+b` (the spec says they have the same precedence).
public struct SemanticVersion: Sendable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var patch: Int
    /// Dot-separated pre-release identifiers (`rc.2` is `["rc", "2"]`); empty for a release.
    public var preRelease: [String]
    public var build: [String]

    public init(_ major: Int, _ minor: Int, _ patch: Int, preRelease: [String] = [], build: [String] = []) {
        self.major = major
        self.minor = minor
        self.patch = patch
        self.preRelease = preRelease
        self.build = build
    }

    /// Parses `1.2.3-rc.1+build.5`, strictly per the spec (no leading zeros, no empty identifiers),
    /// after removing `prefix` (a tag prefix like `v`). Nil when the text is not such a version.
    public init?(_ text: String, prefix: String = "") {
        guard text.hasPrefix(prefix) else { return nil }
        var rest = Substring(text.dropFirst(prefix.count))
        var build: [String] = []
        if let plus = rest.firstIndex(of: "+") {
            build = rest[rest.index(after: plus)...].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard build.allSatisfy(Self.isIdentifier) else { return nil }
            rest = rest[..<plus]
        }
        var preRelease: [String] = []
        if let dash = rest.firstIndex(of: "-") {
            preRelease = rest[rest.index(after: dash)...].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard preRelease.allSatisfy(Self.isPreReleaseIdentifier) else { return nil }
            rest = rest[..<dash]
        }
        let core = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard core.count == 3, core.allSatisfy({ Self.isNumber(String($0)) }),
              let major = Int(core[0]), let minor = Int(core[1]), let patch = Int(core[2]) else { return nil }
        self.init(major, minor, patch, preRelease: preRelease, build: build)
    }

    public var isPreRelease: Bool { !preRelease.isEmpty }

    public var description: String {
        var text = "\(major).\(minor).\(patch)"
        if !preRelease.isEmpty { text += "-" + preRelease.joined(separator: ".") }
        if !build.isEmpty { text += "+" + build.joined(separator: ".") }
        return text
    }

    /// The next version at `level`. A pre-release of exactly that level becomes its release
    /// (`1.5.0-rc.2` bumped minor is `1.5.0`), as npm and cargo do, so release candidates graduate.
    public func bumped(_ level: ReleaseLevel) -> SemanticVersion {
        switch level {
        case .major where isPreRelease && minor == 0 && patch == 0: SemanticVersion(major, 0, 0)
        case .major: SemanticVersion(major + 1, 0, 0)
        case .minor where isPreRelease && patch == 0: SemanticVersion(major, minor, 0)
        case .minor: SemanticVersion(major, minor + 1, 0)
        case .patch where isPreRelease: SemanticVersion(major, minor, patch)
        case .patch: SemanticVersion(major, minor, patch + 1)
        }
    }

    /// This release's `label.N` pre-release, N one more than the highest `label.N` of the same
    /// version in `existing` (so `rc.1`, then `rc.2`), or 1.
    public func preRelease(_ label: String, after existing: [SemanticVersion]) -> SemanticVersion {
        let core = SemanticVersion(major, minor, patch)
        let taken = existing.compactMap { version -> Int? in
            guard SemanticVersion(version.major, version.minor, version.patch) == core,
                  version.preRelease.count == 2, version.preRelease[0] == label else { return nil }
            return Int(version.preRelease[1])
        }
        return SemanticVersion(major, minor, patch, preRelease: [label, String((taken.max() ?? 0) + 1)])
    }

    /// Whether `label` can stand as the first identifier of a pre-release (`rc`, `beta`).
    public static func isPreReleaseLabel(_ label: String) -> Bool {
        isIdentifier(label) && !label.allSatisfy(\.isASCIIDigit)
    }

    public static func == (lhs: SemanticVersion, rhs: SemanticVersion) -> Bool {
        !(lhs < rhs) && !(rhs < lhs)
    }

    /// Spec §11: compare the core numerically; a pre-release precedes its release; identifiers compare
    /// left to right, numeric ones numerically and below alphanumeric ones, which compare in ASCII order;
    /// a longer list wins when all shared identifiers are equal.
    public static func < (lhs: SemanticVersion, rhs: SemanticVersion) -> Bool {
        if (lhs.major, lhs.minor, lhs.patch) != (rhs.major, rhs.minor, rhs.patch) {
            return (lhs.major, lhs.minor, lhs.patch) < (rhs.major, rhs.minor, rhs.patch)
        }
        switch (lhs.preRelease.isEmpty, rhs.preRelease.isEmpty) {
        case (true, _): return false
        case (false, true): return true
        case (false, false): break
        }
        for (left, right) in zip(lhs.preRelease, rhs.preRelease) where left != right {
            switch (numericValue(left), numericValue(right)) {
            case let (l?, r?): return l < r
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return left.utf8.lexicographicallyPrecedes(right.utf8)
            }
        }
        return lhs.preRelease.count < rhs.preRelease.count
    }

    /// `Int(_:)` alone would read the alphanumeric identifier `-1` as a number.
    private static func numericValue(_ identifier: String) -> Int? {
        identifier.allSatisfy(\.isASCIIDigit) ? Int(identifier) : nil
    }

    private static func isIdentifier(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 == UInt8(ascii: "-") || $0.isASCIIAlphanumeric }
    }

    private static func isPreReleaseIdentifier(_ text: String) -> Bool {
        isIdentifier(text) && (!text.allSatisfy(\.isASCIIDigit) || isNumber(text))
    }

    /// A numeric identifier: digits without a leading zero (except `0` itself).
    private static func isNumber(_ text: String) -> Bool {
        !text.isEmpty && text.allSatisfy(\.isASCIIDigit) && (text == "0" || !text.hasPrefix("0")) && Int(text) != nil
    }
}

private extension UInt8 {
    var isASCIIAlphanumeric: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self)
            || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
    }
}

private extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
