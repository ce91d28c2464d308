import Crypto
import Foundation

/// Who sent a verified push event.
public enum WebhookSender: String, Sendable {
    case github, gitea, gitlab
}

/// Why a webhook request was refused (401): it triggers nothing.
public struct WebhookRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
}

/// Checks `POST /hooks/git` requests against the shared secret. Pure: headers and body in, verdict out.
/// - GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`
///   (https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries).
/// - Gitea: `X-Gitea-Signature: <hex HMAC-SHA256 of the body>`; Gitea sends `X-Hub-Signature-256` as well
///   (go-gitea/gitea services/webhook/deliver.go).
/// - GitLab: `X-Gitlab-Token: <the secret token itself>`
///   (https://docs.gitlab.com/ee/user/project/integrations/webhooks.html#validate-payloads-by-using-a-secret-token).
/// Every signature header present must verify and at least one must be present; all comparisons take
/// the same time whatever bytes differ (HMAC's own check; digests of the tokens for GitLab's).
public struct WebhookVerifier: Sendable {
    private let key: SymmetricKey
    private let tokenDigest: SHA256.Digest

    public init(secret: [UInt8]) {
        key = SymmetricKey(data: secret)
        tokenDigest = SHA256.hash(data: secret)
    }

    /// Reads the secret from `path`; one trailing line break (as `echo` leaves) is not part of it.
    public init(secretFile path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WebhookRefusal(description: "cannot read the webhook secret file \(path)")
        }
        var bytes = Array(data)
        if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        guard !bytes.isEmpty else { throw WebhookRefusal(description: "the webhook secret file \(path) is empty") }
        self.init(secret: bytes)
    }

    /// `header(name)` looks a header up by its lower-case name.
    public func verify(body: [UInt8], header: (String) -> String?) -> Result<WebhookSender, WebhookRefusal> {
        var sender: WebhookSender?
        if let gitea = header("x-gitea-signature") {
            guard signed(body, hex: gitea) else { return .failure(WebhookRefusal(description: "X-Gitea-Signature does not match the body")) }
            sender = .gitea
        }
        if let github = header("x-hub-signature-256") {
            guard github.hasPrefix("sha256="), signed(body, hex: String(github.dropFirst(7))) else {
                return .failure(WebhookRefusal(description: "X-Hub-Signature-256 does not match the body"))
            }
            sender = sender ?? .github
        }
        if let gitlab = header("x-gitlab-token") {
            guard SHA256.hash(data: Array(gitlab.utf8)) == tokenDigest else {
                return .failure(WebhookRefusal(description: "X-Gitlab-Token is not the secret"))
            }
            sender = sender ?? .gitlab
        }
        return sender.map { .success($0) }
            ?? .failure(WebhookRefusal(description: "unsigned: expected X-Hub-Signature-256, X-Gitea-Signature or X-Gitlab-Token"))
    }

    private func signed(_ body: [UInt8], hex: String) -> Bool {
        guard let mac = Self.bytes(hex: hex), mac.count == SHA256.byteCount else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: key)
    }

    private static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
