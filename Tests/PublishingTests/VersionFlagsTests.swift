import KVCore
import Publishing
import Testing

/// The layout is kvctl's own and published in README ("Flags"); what makes it readable outside kvctl
/// is that Consul stores Flags as an opaque uint64 (https://developer.hashicorp.com/consul/api-docs/kv,
/// `flags`), which `consul kv get -detailed` and consul-template's `.Flags` show unchanged.
@Suite struct VersionFlagsEncoding {
    @Test(arguments: ["0.0.0", "1.2.3", "65535.65535.65535", "12.0.7"])
    func releasesRoundTrip(_ text: String) throws {
        let version = try #require(SemanticVersion(text))
        let flags = try #require(VersionFlags(version))
        let decoded = try #require(VersionFlags(rawValue: flags.value))
        #expect(decoded.version == version)
        #expect(decoded.preRelease == nil)
        #expect(flags.value >> 56 == 0x6B)
    }

    @Test func layoutIsDocumented() throws {
        let flags = try #require(VersionFlags(SemanticVersion(1, 2, 3)))
        #expect(flags.value == 0x6B00_0100_0200_03FF)
    }

    @Test func preReleasesKeepTheirNumberAndSortBelowTheRelease() throws {
        let rc2 = try #require(VersionFlags(SemanticVersion(1, 5, 0, preRelease: ["rc", "2"])))
        let rc10 = try #require(VersionFlags(SemanticVersion(1, 5, 0, preRelease: ["rc", "10"])))
        let beta = try #require(VersionFlags(SemanticVersion(1, 5, 0, preRelease: ["beta"])))
        let release = try #require(VersionFlags(SemanticVersion(1, 5, 0)))
        #expect(rc2.preRelease == 2)
        #expect(beta.preRelease == 0)
        #expect(rc2.value < rc10.value && rc10.value < release.value)
        #expect(rc2.version.description == "1.5.0-pre.2")
        #expect(VersionFlags(SemanticVersion(1, 0, 0, preRelease: ["rc", "999"]))?.preRelease == 254)
    }

    @Test func outOfRangeAndForeignFlags() {
        #expect(VersionFlags(SemanticVersion(65536, 0, 0)) == nil)
        #expect(VersionFlags(rawValue: 0) == nil)
        #expect(VersionFlags(rawValue: 42) == nil)
    }
}
