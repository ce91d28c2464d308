import Foundation
import KVCore

/// Secrets belong in Vault, never in this repository (nor in Consul, where every reader sees them).
struct SecretValidator: ItemValidator {
    static let hint = "secrets belong in Vault: keep the Vault path here and read it with consul-template's `secret`, or mark a reviewed false positive with `allow-secret: <reason>` on the entry"

    /// What every secret finding predicts: the credential is readable wherever the repository and the key are.
    static let exposure = "git keeps every committed line in every clone and in history, and Consul serves the value in plain text to every token allowed to read the key (https://developer.hashicorp.com/consul/docs/secure/acl/rule, key rules)"

    static let privateKey = Rule("secret-private-key", .error, "A private key block.",
                                 rationale: "A PEM private key in configuration is readable by everyone with access to the repository and to Consul.",
                                 consumer: exposure)
    static let cloudKey = Rule("secret-cloud-key", .error, "A cloud or SaaS access key (AWS, GitHub, Slack, Google, Stripe).",
                               rationale: "These tokens have well-known shapes and grant access on their own; leaked ones are harvested within minutes.",
                               consumer: exposure)
    static let assignment = Rule("secret-assignment", .error, "A password, token or secret assigned a literal value.",
                                 rationale: "A literal after `password =`, `token:` or `secret =>` is a credential; references like ${VAR}, $VAR, {{ secret ... }} or {{ env ... }} are fine. In a Logstash pipeline only settings count: comments are not configuration and Ruby code is code.",
                                 consumer: exposure + "; Logstash resolves ${VAR} from its keystore or the environment instead (https://www.elastic.co/guide/en/logstash/current/environment-variables.html)")
    static let highEntropy = Rule("secret-high-entropy", .error, "A high-entropy value under a key named like a password, secret or token.",
                                  rationale: "Random-looking text under such a key is almost always a real credential.",
                                  consumer: exposure)
    static let placeholder = Rule("secret-placeholder", .warning, "A password, token or secret is set to a placeholder such as changeme, <password> or INSERT YOUR TOKEN.",
                                  rationale: "A placeholder is no credential, so nothing leaks and the consumer starts; but it would authenticate with the placeholder. Read the real value with ${VAR} or consul-template's secret.")
    static let commented = Rule("secret-commented", .warning, "A commented-out line assigns a literal to a password, token or secret.",
                                rationale: "Comments are not configuration, so no consumer reads it; but git keeps it like any other line. If it ever was a real credential, rotate it and delete the line. Placeholders in comments are not reported.")

    var rules: [Rule] { [Self.privateKey, Self.cloudKey, Self.assignment, Self.highEntropy, Self.placeholder, Self.commented] }

    func validate(_ item: Item, in version: VersionUnderTest) -> [Diagnostic] {
        guard item.entry.options.allowSecret == nil else { return [] }
        let value = item.entry.value
        var matches = SecretScanner.scan(value)
        // A parsed pipeline says which assignments are settings; the bytes still say where keys and
        // commented-out lines are. The bytes hold every literal the pipeline does, so where they show
        // no live assignment there is nothing for the parsed form to confirm or drop, and the walk
        // over it (the dearest part of checking a pipeline) is skipped.
        if matches.contains(where: { $0.isAssignment && !$0.commented }), let settings = LogstashSecrets.assignments(in: item) {
            let keys = matches.filter { !$0.isAssignment }
            let commentedOut = matches.filter { $0.isAssignment && $0.commented }
            // `token => "ghp_…"` is reported as the GitHub token the bytes found.
            let live = settings.filter { setting in !keys.contains { setting.offset...(setting.offset + setting.text.utf8.count + 1) ~= $0.offset } }
            matches = (keys + commentedOut + live).sorted { $0.offset < $1.offset }
        }
        var findings: [Diagnostic] = []
        func report(_ rule: Rule, at offset: Int, _ what: String) {
            findings.append(rule.finding(at: location(of: offset, in: item.entry), "\(what) in '\(item.key)'; \(Self.hint)"))
        }
        for match in matches {
            switch match.kind {
            case .privateKey: report(Self.privateKey, at: match.offset, "a private key block")
            case .cloudKey(let name): report(Self.cloudKey, at: match.offset, "what looks like \(name) (\(mask(match.text)))")
            case .assignment(let name) where SecretScanner.isPlaceholder(match.text):
                if !match.commented {
                    report(Self.placeholder, at: match.offset, "'\(name)' is set to the placeholder '\(match.text)'")
                }
            case .assignment(let name) where match.commented:
                report(Self.commented, at: match.offset, "a commented-out line assigns '\(name)' the literal \(mask(match.text))")
            case .assignment(let name): report(Self.assignment, at: match.offset, "'\(name)' is assigned the literal \(mask(match.text))")
            }
        }
        if findings.isEmpty, SecretScanner.isHighEntropy(value), SecretScanner.isSecretName(item.key) {
            report(Self.highEntropy, at: 0, "a random-looking value (\(mask(String(decoding: value, as: UTF8.self))))")
        }
        return findings
    }

    /// Values from files point into the file; inline values point at the manifest entry.
    private func location(of offset: Int, in entry: KVEntry) -> SourceLocation {
        guard let file = entry.origin.file else { return entry.valueLocation }
        let (line, column) = lineAndColumn(ofByte: offset, in: entry.value)
        return SourceLocation(file: file, line: line, column: column)
    }

    /// Enough to recognise the value in review, never the whole secret.
    private func mask(_ text: String) -> String {
        let visible = text.count > 8 ? String(text.prefix(4)) : ""
        return "'\(visible)…' (\(text.count) characters)"
    }
}

/// Byte-level scanning: dashboards run to megabytes, and regular expressions over every value
/// would dominate validation time.
enum SecretScanner {
    struct Match {
        enum Kind { case privateKey, cloudKey(String), assignment(String) }
        let kind: Kind
        let offset: Int
        let text: String
        /// An assignment on a line whose first character (after blanks) is `#`.
        var commented = false

        var isAssignment: Bool {
            if case .assignment = kind { return true }
            return false
        }
    }

    static let secretWords = ["password", "passwd", "secret", "token", "apikey", "api_key", "api-key",
                              "access_key", "access-key", "private_key", "private-key", "credentials"]

    static func isSecretName(_ key: String) -> Bool {
        let last = key.split(separator: "/").last.map { $0.lowercased() } ?? ""
        return secretWords.contains { last.contains($0) }
    }

    /// At least 16 characters, no spaces, and close to random (Shannon entropy ≥ 3.5 bits per character).
    static func isHighEntropy(_ value: [UInt8]) -> Bool {
        var text = value[...]
        while let last = text.last, last == 10 || last == 13 || last == 32 { text = text.dropLast() }
        guard text.count >= 16, !text.contains(32), text.first != UInt8(ascii: "$"),
              !text.starts(with: Array("{{".utf8)) else { return false }
        var counts = [Int](repeating: 0, count: 256)
        for byte in text { counts[Int(byte)] += 1 }
        let total = Double(text.count)
        let entropy = counts.reduce(0.0) { sum, count in
            count == 0 ? sum : sum - Double(count) / total * log2(Double(count) / total)
        }
        return entropy >= 3.5
    }

    private struct CloudKey: Sendable {
        let prefix: [UInt8]
        let name: String
        let minimumTail: Int
        let tail: @Sendable (UInt8) -> Bool
    }

    private static let cloudKeys: [CloudKey] = [
        CloudKey(prefix: Array("AKIA".utf8), name: "an AWS access key id", minimumTail: 16, tail: isUpperAlnum),
        CloudKey(prefix: Array("ASIA".utf8), name: "an AWS temporary access key id", minimumTail: 16, tail: isUpperAlnum),
        CloudKey(prefix: Array("AIza".utf8), name: "a Google API key", minimumTail: 35, tail: isTokenByte),
        CloudKey(prefix: Array("sk_live_".utf8), name: "a Stripe live secret key", minimumTail: 24, tail: isAlnum),
        CloudKey(prefix: Array("github_pat_".utf8), name: "a GitHub token", minimumTail: 22, tail: isTokenByte),
    ] + ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"].map {
        CloudKey(prefix: Array($0.utf8), name: "a GitHub token", minimumTail: 36, tail: isAlnum)
    } + ["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-"].map {
        CloudKey(prefix: Array($0.utf8), name: "a Slack token", minimumTail: 10, tail: { isAlnum($0) || $0 == UInt8(ascii: "-") })
    }

    /// Whether a setting's name ends in a secret word (`password`, `ssl_keystore_password`, `api_key`).
    static func namesSecret(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        return bytes.withUnsafeBufferPointer { endsWithSecretWord($0, 0, $0.count) }
    }

    /// Documentation's stand-ins for a credential: `changeme`, `<password>`, `INSERT YOUR TOKEN`,
    /// `your_api_key`, `xxxxxxxx`. Only letters and separators, so `secret123` is no placeholder.
    static func isPlaceholder(_ literal: String) -> Bool {
        let text = literal.trimmingCharacters(in: .whitespaces).lowercased()
        if text.count > 2, text.hasPrefix("<"), text.hasSuffix(">") { return true }
        if let first = text.first, text.count >= 4, "x*.".contains(first), text.allSatisfy({ $0 == first }) { return true }
        guard text.allSatisfy({ $0.isLetter || $0 == " " || $0 == "_" || $0 == "-" }) else { return false }
        let words = text.split(whereSeparator: { $0 == " " || $0 == "_" || $0 == "-" })
        if let first = words.first, words.count > 1, ["insert", "your", "enter", "replace", "put", "add", "my"].contains(first) { return true }
        return ["changeme", "changeit", "replaceme", "password", "secret", "token", "example", "placeholder",
                "redacted", "todo", "fixme", "dummy"].contains(words.joined())
    }

    /// One pass over the bytes, word by word: cloud keys and secret names start words, so nothing
    /// inside a word is looked at twice. `quotedOnly` takes only quoted values as literals, for code
    /// where a bare word after `=` is an expression (`url_password = url_parsed.password` in Ruby).
    static func scan(_ bytes: [UInt8], quotedOnly: Bool = false) -> [Match] {
        var matches: [Match] = []
        bytes.withUnsafeBufferPointer { buffer in
            var index = 0
            while index < buffer.count {
                let byte = buffer[index]
                if byte == UInt8(ascii: "-"), let match = privateKey(buffer, at: index) {
                    matches.append(match)
                    index += pemStart.count
                    continue
                }
                guard isIdentifierByte(byte) else {
                    index += 1
                    continue
                }
                var end = index + 1
                while end < buffer.count && isIdentifierByte(buffer[end]) { end += 1 }
                if let match = cloudKey(buffer, at: index) {
                    matches.append(match)
                } else if endsWithSecretWord(buffer, index, end),
                          var (match, valueEnd) = assignment(buffer, name: index..<end, quotedOnly: quotedOnly) {
                    if match.isAssignment { match.commented = opensComment(buffer, lineOf: index) }
                    matches.append(match)
                    end = max(end, valueEnd)
                }
                index = end
            }
        }
        return matches
    }

    private static let secretWordBytes = secretWords.map { Array($0.utf8) }

    /// Compares the word's tail, lower-cased, with each secret word without building a String:
    /// this runs for every word of every value.
    private static func endsWithSecretWord(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        for word in secretWordBytes where end - start >= word.count {
            var matched = true
            for offset in 0..<word.count where buffer[end - word.count + offset] | 0x20 != word[offset] | 0x20 {
                matched = false
                break
            }
            if matched { return true }
        }
        return false
    }

    private static let pemStart = Array("-----BEGIN ".utf8), pemKey = Array("PRIVATE KEY-----".utf8)

    private static func privateKey(_ buffer: UnsafeBufferPointer<UInt8>, at index: Int) -> Match? {
        guard has(buffer, pemStart, at: index) else { return nil }
        let windowEnd = min(buffer.count, index + pemStart.count + 40)
        for start in (index + pemStart.count)..<windowEnd where has(buffer, pemKey, at: start) {
            return Match(kind: .privateKey, offset: index, text: "")
        }
        return nil
    }

    private static let cloudKeyFirstBytes = Set(cloudKeys.map { $0.prefix[0] })

    private static func cloudKey(_ buffer: UnsafeBufferPointer<UInt8>, at index: Int) -> Match? {
        guard cloudKeyFirstBytes.contains(buffer[index]) else { return nil }
        for key in cloudKeys where has(buffer, key.prefix, at: index) {
            var end = index + key.prefix.count
            while end < buffer.count && key.tail(buffer[end]) { end += 1 }
            guard end - index - key.prefix.count >= key.minimumTail else { continue }
            return Match(kind: .cloudKey(key.name), offset: index, text: String(decoding: buffer[index..<end], as: UTF8.self))
        }
        return nil
    }

    /// `name <sep> literal` where the identifier ends in a secret word and the separator is
    /// `=`, `:` or `=>` (quotes around either side allowed).
    /// Whether the line holding `index` starts, after blanks, with `#`.
    private static func opensComment(_ buffer: UnsafeBufferPointer<UInt8>, lineOf index: Int) -> Bool {
        var start = index
        while start > 0, buffer[start - 1] != 10, buffer[start - 1] != 13 { start -= 1 }
        while start < index, buffer[start] == 32 || buffer[start] == 9 { start += 1 }
        return buffer[start] == UInt8(ascii: "#")
    }

    private static func assignment(_ buffer: UnsafeBufferPointer<UInt8>, name range: Range<Int>, quotedOnly: Bool) -> (Match, Int)? {
        let name = String(decoding: buffer[range], as: UTF8.self)
        var cursor = range.upperBound
        if cursor < buffer.count && (buffer[cursor] == UInt8(ascii: "\"") || buffer[cursor] == UInt8(ascii: "'")) { cursor += 1 }
        while cursor < buffer.count && (buffer[cursor] == 32 || buffer[cursor] == 9) { cursor += 1 }
        if has(buffer, Array("=>".utf8), at: cursor) {
            cursor += 2
        } else if cursor < buffer.count && (buffer[cursor] == UInt8(ascii: "=") || buffer[cursor] == UInt8(ascii: ":")) {
            cursor += 1
        } else {
            return nil
        }
        while cursor < buffer.count && (buffer[cursor] == 32 || buffer[cursor] == 9) { cursor += 1 }
        guard cursor < buffer.count else { return nil }
        let valueStart = cursor
        var valueEnd = cursor
        if buffer[cursor] == UInt8(ascii: "\"") || buffer[cursor] == UInt8(ascii: "'") {
            let quote = buffer[cursor]
            valueEnd = cursor + 1
            while valueEnd < buffer.count && buffer[valueEnd] != quote && buffer[valueEnd] != 10 { valueEnd += 1 }
            cursor += 1
        } else if quotedOnly {
            return nil
        } else {
            while valueEnd < buffer.count && !isValueTerminator(buffer[valueEnd]) { valueEnd += 1 }
        }
        let literal = String(decoding: buffer[cursor..<valueEnd], as: UTF8.self)
        guard isLiteralSecret(literal) else { return nil }
        // The more specific finding wins: `token: ghp_...` is a GitHub token, not just an assignment.
        if let known = cloudKey(buffer, at: cursor) { return (known, valueEnd) }
        return (Match(kind: .assignment(name), offset: valueStart, text: literal), valueEnd)
    }

    /// References to the environment, templates and Vault are how secrets should arrive.
    static func isLiteralSecret(_ literal: String) -> Bool {
        guard literal.count >= 4 else { return false }
        for reference in ["$", "{{", "%{", "#{", "<%", "ENV[", "vault:", "secret/"] where literal.hasPrefix(reference) {
            return false
        }
        return !["null", "none", "nil", "true", "false", "required", "optional"].contains(literal.lowercased())
    }

    private static func has(_ buffer: UnsafeBufferPointer<UInt8>, _ needle: [UInt8], at index: Int) -> Bool {
        guard index + needle.count <= buffer.count else { return false }
        for offset in 0..<needle.count where buffer[index + offset] != needle[offset] { return false }
        return true
    }

    private static func isAlnum(_ byte: UInt8) -> Bool {
        (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
    }

    private static func isUpperAlnum(_ byte: UInt8) -> Bool {
        (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90)
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        isAlnum(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    private static func isIdentifierByte(_ byte: UInt8) -> Bool {
        isTokenByte(byte) || byte == UInt8(ascii: ".")
    }

    private static func isValueTerminator(_ byte: UInt8) -> Bool {
        byte == 32 || byte == 9 || byte == 10 || byte == 13 || byte == UInt8(ascii: ",")
            || byte == UInt8(ascii: ";") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "#")
    }
}

extension Validation {
    /// The keys whose values the secret guard refuses (its errors; placeholders and commented-out lines
    /// are warnings): what `kvctl import` leaves out of git. Their values are never part of the answer.
    public static func secretKeys(in tree: KVTree, config: KVConfig) -> Set<String> {
        let version = VersionUnderTest(tree: tree, config: config)
        let guardian = SecretValidator()
        let flagged = version.items.concurrentMap { item in
            guardian.validate(item, in: version).hasErrors ? item.key : nil
        }
        return Set(flagged.compactMap { $0 })
    }
}
