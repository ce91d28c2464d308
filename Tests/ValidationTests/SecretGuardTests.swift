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
        #expect(findings.first?.location == SourceLocation(file: "kv/a.yaml", line: 3, column: 12))
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

/// The secret guard on one Logstash file `name` (a `.conf` snippet or a `.ctmpl` template).
private func pipelineSecrets(_ name: String, _ text: String) throws -> [Diagnostic] {
    try secretFindings([
        "kv/a.yaml": "config:\n  - key: logstash/conf.d/\(name)\n    file: \(name)\n  - key: es/user\n    value: writer\n",
        "kv/\(name)": text,
    ])
}

private func described(_ findings: [Diagnostic]) -> [String] {
    findings.map { "\($0.rule) \($0.severity.rawValue) \($0.location.line):\($0.location.column)" }
}

/// Logstash pipelines are read as Logstash reads them: settings are configuration, comments are
/// not, the `code` of a `ruby` filter is Ruby, and `${VAR}` is resolved by Logstash from its
/// keystore or the environment (https://www.elastic.co/guide/en/logstash/current/environment-variables.html).
@Suite struct SecretGuardInPipelines {
    @Test func aLiteralPasswordSettingIsAnError() throws {
        // Settings named like a secret, hash entries, and `password=` inside a string (a JDBC URL).
        let findings = try pipelineSecrets("90-out.conf", """
            input {
              jdbc {
                jdbc_connection_string => "jdbc:sqlserver://db:1433;user=sa;password=Str0ng-Pw"
                jdbc_password_filepath => "/run/secrets/db"
              }
            }
            output {
              elasticsearch {
                user => "writer"
                password => "s3cr3t-Pw"
                custom_headers => { "X-Api-Token" => "a1b2c3d4e5" }
              }
            }

            """)
        #expect(described(findings) == ["secret-assignment error 3:74", "secret-assignment error 10:17", "secret-assignment error 11:42"])
        #expect(findings.allSatisfy { finding in ["Str0ng-Pw", "s3cr3t-Pw", "a1b2c3d4e5"].allSatisfy { !finding.message.contains($0) } })
    }

    @Test func rubyCodeIsCodeNotAPassword() throws {
        // A real pipeline: the password is taken apart from a URL at run time.
        let code = try pipelineSecrets("20-filter.conf", """
            filter {
              ruby {
                code => "
                  url_parsed = URI.parse(event.get('url'))
                  url_password = url_parsed.password
                  event.set('[@metadata][password]', url_password)
                "
              }
            }

            """)
        #expect(code.isEmpty, "\(code)")
        // A quoted literal in Ruby code is still a literal.
        let literal = try pipelineSecrets("20-filter.conf", "filter {\n  ruby { code => \"db_password = 'hunter22'; connect(db_password)\" }\n}\n")
        #expect(described(literal) == ["secret-assignment error 2:33"])
    }

    @Test func commentedOutLinesAreNotConfiguration() throws {
        // Logstash's own sample pipeline (config/logstash-sample.conf) ships the placeholder commented out.
        let sample = try pipelineSecrets("10-out.conf", "output {\n  elasticsearch {\n    #user => \"elastic\"\n    #password => \"changeme\"\n  }\n}\n")
        #expect(sample.isEmpty, "\(sample)")
        // A literal in a comment is no setting, but it is in git: a warning, masked.
        let kept = try pipelineSecrets("10-out.conf", "output {\n  elasticsearch {\n    # password => \"Zq8-old-prod\"\n    password => \"${ES_PW}\"\n  }\n}\n")
        #expect(described(kept) == ["secret-commented warning 3:19"])
        #expect(kept.first?.message.contains("Zq8-old-prod") == false)
    }

    @Test("placeholders are warnings, shown as written", arguments: [
        ("password => \"changeme\"", "changeme"), ("password => changeme", "changeme"),
        ("consumer_secret => \"INSERT YOUR CONSUMER SECRET\"", "INSERT YOUR CONSUMER SECRET"),
        ("api_key => \"<api-key>\"", "<api-key>"), ("oauth_token => 'xxxxxxxx'", "xxxxxxxx"),
        ("password => \"your_password\"", "your_password"),
    ])
    func placeholder(setting: String, text: String) throws {
        let findings = try pipelineSecrets("10-in.conf", "input {\n  twitter { \(setting) }\n}\n")
        #expect(findings.map(\.rule) == ["secret-placeholder"])
        #expect(findings.first?.severity == .warning)
        #expect(findings.first?.message.contains("'\(text)'") == true)
    }

    @Test("references and look-alikes are not literals", arguments: [
        "password => \"${ES_PASSWORD}\"", "api_key => \"${PLUGIN_API_KEY}\"", "password => \"%{[@metadata][pw]}\"",
        "password_file => \"/run/secrets/es\"", "password => \"{{ not a template here }}\"",
    ])
    func reference(setting: String) throws {
        let findings = try pipelineSecrets("10-in.conf", "input {\n  http { \(setting) }\n}\n")
        #expect(findings.isEmpty, "\(findings)")
    }

    @Test func templateReferencesAreNotLiteralsButTemplateTextIs() throws {
        let template = """
            output {
              elasticsearch {
                user => "{{ key "es/user" }}"
                password => "{{ with secret "secret/data/es" }}{{ .Data.data.password }}{{ end }}"
                api_key => "{{ env "ES_API_KEY" }}"
                ssl_keystore_password => "k3ystore-pw"
              }
            }

            """
        let findings = try pipelineSecrets("90-out.conf.ctmpl", template)
        #expect(described(findings) == ["secret-assignment error 6:30"])
    }

    @Test func aPipelineThatDoesNotParseIsScannedAsText() throws {
        let findings = try pipelineSecrets("10-in.conf", "input {\n  http { password => \"s3cr3t-Pw\" }\n")
        #expect(described(findings) == ["secret-assignment error 2:22"])
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
