import Foundation
import Testing
import TestSupport

/// Every input `make fuzz` saved (Tests/FuzzRegressions/<target>/crash-*, timeout-*, oom-*), replayed
/// through the real kvctl binary in a repository that puts the bytes where the fuzz target
/// (Fuzz/<target>.swift) feeds them, so one crasher is an exit by signal this test reports, not the
/// end of the suite. Ceilings as the robustness table's: 5 s (the fuzzer's -timeout) and 512 MB.
struct FuzzRegression: Sendable, CustomTestStringConvertible {
    let target: String
    let file: URL
    var testDescription: String { "\(target)/\(file.lastPathComponent)" }

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FuzzRegressions")

    static func saved() -> [FuzzRegression] {
        let manager = FileManager.default
        let targets = (try? manager.contentsOfDirectory(atPath: folder.path)) ?? []
        return targets.sorted().flatMap { target in
            let inputs = (try? manager.contentsOfDirectory(atPath: folder.appendingPathComponent(target).path)) ?? []
            return inputs.filter { !$0.hasPrefix(".") }.sorted().map {
                FuzzRegression(target: target, file: folder.appendingPathComponent(target).appendingPathComponent($0))
            }
        }
    }

    /// Writes `bytes` into `fixture` the way kvctl meets what the target's entry point parses.
    static func place(_ bytes: [UInt8], for target: String, in fixture: FixtureRepository) throws {
        let (firstLine, rest) = split(bytes)
        switch target {
        case "manifest-scanner":
            try fixture.write("kv/fuzz.yaml", bytes: bytes)
        case "yaml":
            try fixture.write("kv/fuzz.yaml", bytes: bytes)
            try fixture.write("kvctl.yaml", bytes: bytes)
        case "json":
            try fileValue("fuzz/value.json", "value.json", bytes, type: "json", in: fixture)
        case "logstash":
            try fileValue("logstash/main/fuzz.conf", "fuzz.conf", bytes, in: fixture)
        case "template":
            // The keys Fuzz/template.swift renders against.
            let keys = ["logstash/settings/host": "es.internal:9200", "logstash/settings/index": "logs-%{+YYYY.MM.dd}",
                        "logstash/settings/workers": "4", "logstash/settings/enabled": "true"]
            try fileValue("logstash/main/fuzz.conf", "fuzz.conf.ctmpl", bytes, in: fixture,
                          extra: keys.sorted { $0.key < $1.key }.map { "  - key: \($0.key)\n    value: \(quoted($0.value))\n" }.joined())
        case "json-schema":
            try fixture.write("schemas/fuzz.schema.json", bytes: firstLine)
            try fixture.write("kv/instance.json", bytes: rest)
            try fixture.write("kv/fuzz.yaml", "config:\n  - key: fuzz/instance.json\n    file: instance.json\n    type: json\n"
                + "    schema: fuzz.schema.json\n")
        case "key-glob":
            let glob = String(decoding: firstLine, as: UTF8.self), key = String(decoding: rest, as: UTF8.self)
            try fixture.write("kvctl.yaml", "rules:\n  - keys: \(quoted(glob))\n    type: text\n")
            try fixture.write("kv/fuzz.yaml", "config:\n  - key: \(quoted(key))\n    value: \"1\"\n")
        default:
            throw FixtureError("no replay for fuzz target '\(target)': add one to FuzzRegression.place")
        }
    }

    private static func fileValue(_ key: String, _ name: String, _ bytes: [UInt8], type: String? = nil,
                                  in fixture: FixtureRepository, extra: String = "") throws {
        try fixture.write("kv/\(name)", bytes: bytes)
        try fixture.write("kv/fuzz.yaml", "config:\n  - key: \(key)\n    file: \(name)\n" + (type.map { "    type: \($0)\n" } ?? "") + extra)
    }

    /// The split Fuzz/json-schema.swift and Fuzz/key-glob.swift make: the first line, and the rest.
    private static func split(_ bytes: [UInt8]) -> ([UInt8], [UInt8]) {
        guard let newline = bytes.firstIndex(of: 0x0A) else { return (bytes, []) }
        return (Array(bytes[..<newline]), Array(bytes[(newline + 1)...]))
    }

    /// A YAML double-quoted scalar (JSON's escapes are YAML's).
    private static func quoted(_ text: String) -> String {
        let data = try? JSONSerialization.data(withJSONObject: [text], options: [.fragmentsAllowed])
        return data.map { String(decoding: $0.dropFirst().dropLast(), as: UTF8.self) } ?? "\"\""
    }
}

@Suite struct FuzzRegressions {
    @Test(arguments: FuzzRegression.saved())
    func savedInputDoesNotCrashOrHang(_ saved: FuzzRegression) throws {
        let fixture = try FixtureRepository()
        try FuzzRegression.place(Array(try Data(contentsOf: saved.file)), for: saved.target, in: fixture)
        let result = try run(kvctlBinary(), ["validate"], in: fixture.url, timeout: RobustnessCase.processTimeout)
        // 0 clean, 1 findings, 2 a refused repository; 128 + N is death by signal N.
        #expect(result.status <= 2, "exit \(result.status): \(result.standardError.suffix(600))")
        // The ceiling is on the child's own CPU time: a busy loop spends it, while time spent waiting
        // for a core the parallel suite holds does not count. A hang that spends none (a deadlock)
        // meets the process timeout instead.
        #expect(result.cpuSeconds < RobustnessCase.cpuCeiling, "\(result.cpuSeconds) s of CPU (\(result.seconds) s wall)")
        #expect(result.peakMemoryBytes < RobustnessCase.memoryCeiling, "\(result.peakMemoryBytes / 1_048_576) MB")
    }

    /// The replay knows every target `make fuzz` builds.
    @Test func everyFuzzTargetHasAReplay() throws {
        let entries = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fuzz")
        let targets = try FileManager.default.contentsOfDirectory(atPath: entries.path).filter { $0.hasSuffix(".swift") }
        #expect(targets.count == 7)
        for target in targets.map({ String($0.dropLast(".swift".count)) }) {
            let fixture = try FixtureRepository()
            #expect(throws: Never.self) { try FuzzRegression.place(Array("{}\n{}".utf8), for: target, in: fixture) }
        }
    }
}
