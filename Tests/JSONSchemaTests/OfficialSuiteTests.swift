import Foundation
import JSONSchema
import Testing

/// Runs the official JSON-Schema-Test-Suite (draft 2020-12) from the shared folder next to the package.
struct OfficialSuiteTests {
    /// `$KVCTL_SHARED_DIR`, else `<package root>/../shared`, with the package root 3 levels above this file.
    static let sharedDirectory: URL = {
        if let dir = ProcessInfo.processInfo.environment["KVCTL_SHARED_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir, isDirectory: true)
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared", isDirectory: true)
    }()

    static var suiteDirectory: URL { sharedDirectory.appendingPathComponent("json-schema-test-suite", isDirectory: true) }

    /// Cases not run, with the reason; printed on every run.
    static let skipped: [String: String] = [
        "optional/cross-draft.json": "only draft 2020-12 semantics are implemented; refs to historic drafts are not",
        "optional/format/idn-hostname.json": "IDNA2008 (RFC 5891/5892) tables are not implemented",
    ]

    struct Outcome {
        var passed = 0
        var failures: [String] = []
        var skipped: [String] = []
    }

    static func baseRegistry() throws -> SchemaRegistry {
        var registry = SchemaRegistry()
        try registry.addDocuments(
            inDirectory: suiteDirectory.appendingPathComponent("metaschemas/draft2020-12").path,
            baseURI: "https://json-schema.org/draft/2020-12/")
        try registry.addDocuments(inDirectory: suiteDirectory.appendingPathComponent("remotes").path, baseURI: "http://localhost:1234/")
        return registry
    }

    static func run(files: [URL], relativeTo root: URL, registry: SchemaRegistry, assertFormat: (String) -> Bool) throws -> Outcome {
        var outcome = Outcome()
        for file in files {
            let name = String(file.path.dropFirst(root.path.count + 1))
            let groups = try JSONParser.parse(try Data(contentsOf: file)).value.arrayValue ?? []
            if let reason = skipped[name] {
                let count = groups.reduce(0) { $0 + ($1["tests"]?.arrayValue?.count ?? 0) }
                outcome.skipped.append("\(name) (\(count) cases): \(reason)")
                continue
            }
            for group in groups {
                let groupName = group["description"]?.stringValue ?? "?"
                let tests = group["tests"]?.arrayValue ?? []
                let schema: Schema
                do {
                    schema = try registry.compile(group["schema"] ?? .bool(true), options: ValidationOptions(assertFormat: assertFormat(name)))
                } catch {
                    for test in tests {
                        outcome.failures.append("\(name): \(groupName) / \(test["description"]?.stringValue ?? "?"): compile error: \(error)")
                    }
                    continue
                }
                for test in tests {
                    let data = test["data"] ?? .null
                    let expected = test["valid"]?.boolValue ?? true
                    let errors = schema.validate(data)
                    let fast = schema.isValid(data)
                    if fast == expected && errors.isEmpty == expected {
                        outcome.passed += 1
                    } else {
                        let detail = errors.first.map { " [\($0)]" } ?? ""
                        outcome.failures.append(
                            "\(name): \(groupName) / \(test["description"]?.stringValue ?? "?"): expected \(expected ? "valid" : "invalid"), isValid=\(fast), errors=\(errors.count)\(detail)"
                        )
                    }
                }
            }
        }
        return outcome
    }

    static func jsonFiles(in directory: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().map { directory.appendingPathComponent($0) }
    }

    @Test func requiredDraft202012() throws {
        let tests = Self.suiteDirectory.appendingPathComponent("tests/draft2020-12")
        guard FileManager.default.fileExists(atPath: tests.path) else {
            Issue.record("JSON Schema test suite not found at \(tests.path); set KVCTL_SHARED_DIR to the shared folder")
            return
        }
        let outcome = try Self.run(files: Self.jsonFiles(in: tests), relativeTo: tests, registry: try Self.baseRegistry()) { _ in false }
        print("json-schema-suite draft2020-12: \(outcome.passed) passed, \(outcome.failures.count) failed")
        for s in outcome.skipped { print("  skipped: \(s)") }
        for f in outcome.failures { print("  FAILED \(f)") }
        #expect(outcome.failures.isEmpty, "\(outcome.failures.count) required suite cases failed")
    }

    @Test func optionalDraft202012() throws {
        let tests = Self.suiteDirectory.appendingPathComponent("tests/draft2020-12")
        guard FileManager.default.fileExists(atPath: tests.path) else {
            Issue.record("JSON Schema test suite not found at \(tests.path); set KVCTL_SHARED_DIR to the shared folder")
            return
        }
        let optional = tests.appendingPathComponent("optional")
        let files = Self.jsonFiles(in: optional) + Self.jsonFiles(in: optional.appendingPathComponent("format"))
        let outcome = try Self.run(files: files, relativeTo: tests, registry: try Self.baseRegistry()) { $0.hasPrefix("optional/format/") }
        print("json-schema-suite optional: \(outcome.passed) passed, \(outcome.failures.count) failed")
        for s in outcome.skipped { print("  skipped: \(s)") }
        let verbose = ProcessInfo.processInfo.environment["KVCTL_SUITE_VERBOSE"] != nil
        for f in verbose ? outcome.failures : Array(outcome.failures.prefix(5)) { print("  optional failure: \(f)") }
        if !verbose && outcome.failures.count > 5 { print("  … \(outcome.failures.count - 5) more (set KVCTL_SUITE_VERBOSE=1 to list all)") }
    }
}
