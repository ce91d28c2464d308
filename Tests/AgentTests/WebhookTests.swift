import Agent
import Testing

/// `POST /hooks/git` verification with the senders' own examples.
@Suite struct Webhooks {
    // GitHub's worked example: secret "It's a Secret to Everybody", payload "Hello, World!", and the
    // X-Hub-Signature-256 it must carry (https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries,
    // "Testing the webhook payload validation").
    let secret = Array("It's a Secret to Everybody".utf8)
    let body = Array("Hello, World!".utf8)
    let hex = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

    private func verify(_ headers: [String: String], body: [UInt8]? = nil) -> Result<WebhookSender, WebhookRefusal> {
        WebhookVerifier(secret: secret).verify(body: body ?? self.body) { name in headers.first { $0.key.lowercased() == name }?.value }
    }

    @Test func gitHubsExampleVerifies() throws {
        #expect(try verify(["X-Hub-Signature-256": "sha256=" + hex]).get() == .github)
    }

    /// Gitea signs the same HMAC-SHA256, hex without a prefix, in X-Gitea-Signature, and sends GitHub's
    /// header beside it (go-gitea/gitea services/webhook/deliver.go).
    @Test func giteasHeadersVerify() throws {
        #expect(try verify(["X-Gitea-Signature": hex]).get() == .gitea)
        #expect(try verify(["X-Gitea-Signature": hex, "X-Hub-Signature-256": "sha256=" + hex, "X-Gitea-Event": "push"]).get() == .gitea)
    }

    /// GitLab sends the secret token itself (docs.gitlab.com, webhooks: "Validate payloads by using a secret token").
    @Test func gitLabsTokenVerifies() throws {
        #expect(try verify(["X-Gitlab-Token": "It's a Secret to Everybody", "X-Gitlab-Event": "Push Hook"]).get() == .gitlab)
    }

    @Test(arguments: [
        ["X-Hub-Signature-256": "sha256=" + String(repeating: "0", count: 64)],
        ["X-Hub-Signature-256": "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"],
        ["X-Hub-Signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1"],
        ["X-Hub-Signature-256": "sha256=zz7107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"],
        ["X-Gitea-Signature": ""],
        ["X-Gitlab-Token": "It's a Secret to Everybody "],
        ["X-Gitlab-Token": ""],
        ["X-Gitea-Signature": "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", "X-Hub-Signature-256": "sha256=00"],
        ["X-GitHub-Event": "push"],
        [:],
    ])
    func wrongOrMissingSignaturesAreRefused(_ headers: [String: String]) {
        guard case .failure = verify(headers) else {
            Issue.record("accepted \(headers)")
            return
        }
    }

    @Test func aChangedBodyIsRefused() {
        guard case .failure(let refusal) = verify(["X-Hub-Signature-256": "sha256=" + hex], body: Array("Hello, World?".utf8)) else {
            Issue.record("a tampered body verified")
            return
        }
        #expect(refusal.description.contains("X-Hub-Signature-256"))
        #expect(!refusal.description.contains("Secret"), "a refusal never shows the secret")
    }
}

@Suite struct BackoffPolicy {
    @Test func doublesUpToTheCapAndResets() {
        var backoff = Backoff(base: .seconds(1), cap: .seconds(10))
        let waits = (0..<6).map { _ in backoff.failed() }
        #expect(waits == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(10), .seconds(10)])
        backoff.succeeded()
        #expect(backoff.failed() == .seconds(1))
        for _ in 0..<100 { _ = backoff.failed() }
        #expect(backoff.failed() == .seconds(10), "no overflow after many failures")
    }
}

@Suite struct Metrics {
    @Test func exposesTheIssuesNamesInPrometheusText() {
        let metrics = AgentMetrics(environment: "prod")
        metrics.setLive("v1.0.0")
        metrics.setLive("v1.1.0")
        metrics.setDrift(3)
        metrics.setLeader(true)
        metrics.reconciled(.applied, took: .milliseconds(120))
        metrics.reconciled(.refused, took: .milliseconds(20))
        let text = String(decoding: metrics.exposition(), as: UTF8.self)
        #expect(text.contains(#"kvctl_live_version_info{environment="prod",version="v1.1.0"} 1"#), "\(text)")
        #expect(!text.contains("v1.0.0"), "only the live release has a series")
        #expect(text.contains(#"kvctl_drift_keys{environment="prod"} 3"#))
        #expect(text.contains(#"kvctl_leader{environment="prod"} 1"#))
        #expect(text.contains(#"kvctl_reconcile_total{environment="prod",result="applied"} 1"#))
        #expect(text.contains(#"kvctl_reconcile_total{environment="prod",result="refused"} 1"#))
        #expect(text.contains(#"kvctl_reconcile_duration_seconds_count{environment="prod"} 2"#))
        #expect(text.contains("kvctl_last_success_timestamp_seconds{environment=\"prod\"} "))
        #expect(text.contains("# TYPE kvctl_reconcile_total counter"))
    }
}
