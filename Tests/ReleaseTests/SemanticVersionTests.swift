import KVCore
import Testing

/// Parsing and precedence are https://semver.org (2.0.0): §2 (no leading zeros), §9 (pre-release
/// identifiers), §10 (build metadata ignored), §11 (precedence); the rejected strings fail the spec's
/// own regular expression (semver.org, "Is there a suggested regular expression").
@Suite struct SemanticVersions {
    private func version(_ text: String, prefix: String = "") throws -> SemanticVersion {
        try #require(SemanticVersion(text, prefix: prefix), "\(text) should parse")
    }

    @Test func parsesEveryPart() throws {
        let parsed = try version("v1.22.333-rc.1+build.7", prefix: "v")
        #expect((parsed.major, parsed.minor, parsed.patch) == (1, 22, 333))
        #expect(parsed.preRelease == ["rc", "1"])
        #expect(parsed.build == ["build", "7"])
        #expect(parsed.description == "1.22.333-rc.1+build.7")
        #expect(try version("release/2.0.0", prefix: "release/").major == 2)
        #expect(try version("1.0.0-x-y-z.--").preRelease == ["x-y-z", "--"])
    }

    @Test(arguments: ["1.0", "1.0.0.0", "01.0.0", "1.00.0", "1.0.0-", "1.0.0-01", "1.0.0-a..b", "1.0.0+",
                      "1.0.0+a+b", "1.0.0-é", "v1.0.0", " 1.0.0", "1.0.0 ", "a.b.c", "-1.0.0", "1.0.0-rc_1", ""])
    func rejectsWhatTheSpecRejects(_ text: String) {
        #expect(SemanticVersion(text) == nil)
    }

    @Test func prefixMustMatch() {
        #expect(SemanticVersion("1.0.0", prefix: "v") == nil)
        #expect(SemanticVersion("x1.0.0", prefix: "v") == nil)
    }

    /// The chain from semver.org §11, each strictly before the next.
    @Test func precedenceFollowsTheSpecExample() throws {
        let chain = try ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
                         "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "2.0.0", "2.1.0", "2.1.1"].map { try version($0) }
        for (earlier, later) in zip(chain, chain.dropFirst()) {
            #expect(earlier < later, "\(earlier) < \(later)")
            #expect(!(later < earlier))
        }
        #expect(chain.shuffled().sorted().map(\.description) == chain.map(\.description))
    }

    @Test func numbersCompareNumericallyAndBelowWords() throws {
        #expect(try version("1.10.0") > version("1.9.0"))
        #expect(try version("1.0.0-2") < version("1.0.0-10"))
        #expect(try version("1.0.0-999") < version("1.0.0-a"))
        // A hyphen makes an identifier alphanumeric, even when it looks like a negative number.
        #expect(try version("1.0.0-1") < version("1.0.0--1"))
    }

    @Test func buildMetadataDoesNotCount() throws {
        #expect(try version("1.0.0+a") == version("1.0.0+b"))
        #expect(try !(version("1.0.0+zzz") < version("1.0.0")))
        #expect(try version("1.0.0-rc.1+b") < version("1.0.0"))
    }

    @Test func bumps() throws {
        #expect(try version("1.4.2").bumped(.major).description == "2.0.0")
        #expect(try version("1.4.2").bumped(.minor).description == "1.5.0")
        #expect(try version("1.4.2").bumped(.patch).description == "1.4.3")
        #expect(try version("1.4.2+b").bumped(.patch).description == "1.4.3")
        // A pre-release of that level graduates rather than skipping a version.
        #expect(try version("2.0.0-rc.1").bumped(.major).description == "2.0.0")
        #expect(try version("1.5.0-rc.2").bumped(.minor).description == "1.5.0")
        #expect(try version("1.5.0-rc.2").bumped(.major).description == "2.0.0")
        #expect(try version("1.5.1-rc.1").bumped(.patch).description == "1.5.1")
        #expect(try version("1.5.1-rc.1").bumped(.minor).description == "1.6.0")
    }

    @Test func preReleasesCount() throws {
        let existing = try ["1.4.2", "1.5.0-rc.1", "1.5.0-rc.2", "1.5.0-beta.7", "1.6.0-rc.9"].map { try version($0) }
        let next = try version("1.5.0")
        #expect(next.preRelease("rc", after: existing).description == "1.5.0-rc.3")
        #expect(next.preRelease("beta", after: existing).description == "1.5.0-beta.8")
        #expect(next.preRelease("alpha", after: existing).description == "1.5.0-alpha.1")
        #expect(try version("2.0.0").preRelease("rc", after: existing).description == "2.0.0-rc.1")
    }

    @Test func requestsResolveAgainstExistingReleases() throws {
        let none: [SemanticVersion] = []
        #expect(try VersionRequest.level(.major, preRelease: nil).resolve(after: none).description == "1.0.0")
        #expect(try VersionRequest.level(.minor, preRelease: nil).resolve(after: none).description == "0.1.0")

        var tags = try ["1.0.0", "1.4.2", "0.9.0"].map { try version($0) }
        let rc = VersionRequest.level(.minor, preRelease: "rc")
        #expect(try rc.resolve(after: tags).description == "1.5.0-rc.1")
        tags.append(try version("1.5.0-rc.1"))
        #expect(try rc.resolve(after: tags).description == "1.5.0-rc.2")
        tags.append(try version("1.5.0-rc.2"))
        #expect(try VersionRequest.level(.minor, preRelease: nil).resolve(after: tags).description == "1.5.0")
        #expect(try VersionRequest.level(.patch, preRelease: nil).resolve(after: tags).description == "1.5.0")

        #expect(try VersionRequest.exact(version("1.5.0-rc.3")).resolve(after: tags).description == "1.5.0-rc.3")
        #expect(throws: VersionRequestError.notNewer(try version("1.4.3"), latest: try version("1.5.0-rc.2"))) {
            try VersionRequest.exact(version("1.4.3")).resolve(after: tags)
        }
        // Build metadata does not count (semver.org §10), so this is 1.5.0-rc.2 again.
        #expect(throws: VersionRequestError.notNewer(try version("1.5.0-rc.2+x"), latest: try version("1.5.0-rc.2"))) {
            try VersionRequest.exact(version("1.5.0-rc.2+x")).resolve(after: tags)
        }
        // "beta" sorts before "rc" (semver.org §11.4.3, ASCII order): 1.5.0-beta.1 would not be the newest.
        #expect(throws: VersionRequestError.notNewer(try version("1.5.0-beta.1"), latest: try version("1.5.0-rc.2"))) {
            try VersionRequest.level(.minor, preRelease: "beta").resolve(after: tags)
        }
        #expect(throws: VersionRequestError.invalidLabel("12")) { try VersionRequest.level(.minor, preRelease: "12").resolve(after: tags) }
        #expect(throws: VersionRequestError.invalidLabel("r.c")) { try VersionRequest.level(.minor, preRelease: "r.c").resolve(after: tags) }
    }
}
