import KVCore
import Testing

/// `PinEdit`: one environment's `version:` rewritten or added, every other byte kept.
@Suite struct PinEditTests {
    private func edited(_ text: String, _ environment: String = "prod", tag: String = "v2.0.0") throws -> String {
        String(decoding: try PinEdit.settingVersion(tag, of: environment, in: Array(text.utf8)), as: UTF8.self)
    }

    @Test func replacesOnlyTheScalarInItsQuoting() throws {
        let text = "environments:\n  # prod — the real one\n  prod:\n    version: 'v1.0.0' # here\n  qa:\n    version: v1.0.0\n"
        #expect(try edited(text) == "environments:\n  # prod — the real one\n  prod:\n    version: 'v2.0.0' # here\n  qa:\n    version: v1.0.0\n")
        #expect(try edited(text, "qa") == "environments:\n  # prod — the real one\n  prod:\n    version: 'v1.0.0' # here\n  qa:\n    version: v2.0.0\n")
        let doubleQuoted = "\u{FEFF}environments: {prod: {version: \"v1.0.0\", after: qa}, qa: {}}\r\n"
        #expect(try edited(doubleQuoted) == "\u{FEFF}environments: {prod: {version: \"v2.0.0\", after: qa}, qa: {}}\r\n")
    }

    @Test func addsAMissingVersionAfterTheLastValue() throws {
        #expect(try edited("environments:\n prod:\n     address: x   # a comment\n# after\nname: n\n")
            == "environments:\n prod:\n     address: x   # a comment\n     version: v2.0.0\n# after\nname: n\n")
        #expect(try edited("environments:\r\n  prod:\r\n    datacenters:\r\n    - dc1\r\n\r\n# end\r\n")
            == "environments:\r\n  prod:\r\n    datacenters:\r\n    - dc1\r\n    version: v2.0.0\r\n\r\n# end\r\n")
        #expect(try edited("environments:\n  prod:\n    address: x") == "environments:\n  prod:\n    address: x\n    version: v2.0.0")
        #expect(try edited("environments: {prod: {address: x, datacenters: [a, b] }}") == "environments: {prod: {address: x, datacenters: [a, b], version: v2.0.0 }}")
        #expect(try edited("environments: {prod: {}}") == "environments: {prod: {version: v2.0.0}}")
    }

    @Test func refusesWhatItCannotEditInPlace() {
        #expect(throws: PinEdit.Failure.self) { try edited("environments:\n  prod: {track: latest}\n") }
        #expect(throws: PinEdit.Failure.self) { try edited("base: &b {address: x}\nenvironments:\n  prod: *b\n") }
        #expect(throws: PinEdit.Failure.self) { try edited("environments:\n  qa: {}\n") }
        #expect(throws: PinEdit.Failure.self) { try edited("environments: [\n") }
    }
}
