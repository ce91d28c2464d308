import KVCore
import Testing
import TestSupport
@testable import Validation

private func version(_ manifests: [String: String]) throws -> VersionUnderTest {
    let loaded = try ManifestLoader(config: KVConfig()).load(from: MemoryTree(manifests))
    #expect(!loaded.diagnostics.hasErrors, "\(loaded.diagnostics)")
    return VersionUnderTest(tree: loaded.tree, config: KVConfig())
}

private func itemFindings(_ validator: some ItemValidator, _ version: VersionUnderTest) -> [Diagnostic] {
    version.items.flatMap { validator.validate($0, in: version) }
}

private func secretFindings(_ manifests: [String: String]) throws -> [Diagnostic] {
    itemFindings(SecretValidator(), try version(manifests))
}

@Suite struct SecretGuard {
    @Test("secrets in files are found with their rule and position", arguments: [
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n", "secret-private-key", 1, 1),
        ("x\n-----BEGIN OPENSSH PRIVATE KEY-----\n", "secret-private-key", 2, 1),
        ("aws_key = AKIAIOSFODNN7EXAMPLE\n", "secret-cloud-key", 1, 11),
        ("token: ghp_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ\n", "secret-cloud-key", 1, 8),
        ("slack = \"xoxb-1234567890-abcdef\"\n", "secret-cloud-key", 1, 10),
        ("output { elasticsearch { password => \"hunter2!\" } }\n", "secret-assignment", 1, 38),
        ("{\n  \"password\": \"s3cr3t-value\"\n}\n", "secret-assignment", 2, 15),
        ("DB_PASSWORD=correcthorse\n", "secret-assignment", 1, 13),
        ("  client_secret: 'abcd1234'\n", "secret-assignment", 1, 18),
    ])
    func found(content: String, rule: String, line: Int, column: Int) throws {
        let findings = try secretFindings([
            "kv/a.yaml": "config:\n  - key: app/conf\n    file: conf.txt\n",
            "kv/conf.txt": content,
        ])
        let finding = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(finding.rule == rule)
        #expect(finding.location == SourceLocation(file: "kv/conf.txt", line: line, column: column))
        #expect(finding.message.contains("'app/conf'"))
        #expect(finding.message.contains("Vault"))
    }

    @Test("references and ordinary text are not secrets", arguments: [
        "password => \"${ES_PASSWORD}\"", "password => \"{{ with secret \\\"x\\\" }}{{ .Data.password }}{{ end }}\"",
        "\"secureJsonData\": { \"password\": \"$GRAFANA_PW\" }", "token_ttl = 3600s", "password_file = /run/secrets/db",
        "secretName: none", "The password policy requires 12 characters.", "api_key: $API_KEY",
        "-----BEGIN CERTIFICATE-----", "AKIA-not-a-key", "passwords = []",
    ])
    func notFound(content: String) throws {
        let findings = try secretFindings([
            "kv/a.yaml": "config:\n  - key: app/conf\n    file: conf.txt\n",
            "kv/conf.txt": content,
        ])
        #expect(findings.isEmpty, "\(findings)")
    }

    @Test func highEntropyValueUnderASecretName() throws {
        let findings = try secretFindings(["kv/a.yaml": "config:\n  - key: config/db/password\n    value: q8Vz3LkP0wXr7TyN2mBd\n"])
        #expect(findings.map(\.rule) == ["secret-high-entropy"])
        #expect(findings.first?.location == SourceLocation(file: "kv/a.yaml", line: 2, column: 10))
        #expect(findings.first?.message.contains("q8Vz") == true)
        #expect(findings.first?.message.contains("q8Vz3LkP0wXr7TyN2mBd") == false)
    }

    @Test("low entropy or non-secret names pass", arguments: [
        ("config/db/password", "secret/data/db"), ("config/db/token-ttl-seconds", "aaaaaaaaaaaaaaaaaaaaaaaa"),
        ("config/db/host", "q8Vz3LkP0wXr7TyN2mBd"), ("config/db/password", "${DB_PASSWORD}"),
    ])
    func quiet(key: String, value: String) throws {
        #expect(try secretFindings(["kv/a.yaml": "config:\n  - key: \(key)\n    value: \"\(value)\"\n"]).isEmpty)
    }

    @Test func allowSecretMarksAReviewedFalsePositive() throws {
        let findings = try secretFindings(["kv/a.yaml": """
            config:
              - key: config/test/fixture-token
                value: q8Vz3LkP0wXr7TyN2mBd
                allow-secret: public test fixture, revoked
            """])
        #expect(findings.isEmpty)
    }
}

@Suite struct ValueSize {
    @Test func overTheLimitIsAnError() throws {
        let big = String(repeating: "x", count: 600 * 1024)
        var config = KVConfig()
        let loaded = try ManifestLoader(config: KVConfig()).load(from: MemoryTree([
            "kv/a.yaml": "config:\n  - key: big\n    file: big.txt\n  - key: small\n    value: 1\n", "kv/big.txt": big,
        ]))
        let findings = itemFindings(ValueSizeValidator(), VersionUnderTest(tree: loaded.tree, config: config))
        #expect(findings.map(\.rule) == ["value-too-large"])
        #expect(findings.first?.location == SourceLocation(file: "kv/a.yaml", line: 2, column: 10))
        #expect(findings.first?.message.contains("600.0 KiB") == true)
        config.maxValueSize = 1024 * 1024
        #expect(itemFindings(ValueSizeValidator(), VersionUnderTest(tree: loaded.tree, config: config)).isEmpty)
    }
}
