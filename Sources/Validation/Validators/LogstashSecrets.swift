import LogstashConfig

/// The secret-named settings of a Logstash pipeline, read from its parsed form rather than its
/// bytes: a commented-out line is not configuration, and the `code` of a `ruby` filter is Ruby,
/// where only a quoted string is a literal (`url_password = url_parsed.password` is code).
enum LogstashSecrets {
    /// Literal values of secret-named settings, at their offset in the value (a template's own
    /// text); nil when no rendering of the item parsed, and the byte scan has to stand in.
    static func assignments(in item: Item) -> [SecretScanner.Match]? {
        guard item.kind == .logstash else { return nil }
        var parsed = false
        var seen: Set<Int> = []
        var matches: [SecretScanner.Match] = []
        for check in item.logstash {
            guard case .success(let config) = check.result else { continue }
            parsed = true
            for literal in literals(in: config) where SecretScanner.isLiteralSecret(literal.text) {
                guard let offset = check.sourceOffset(ofLiteral: literal.range), seen.insert(offset).inserted else { continue }
                matches.append(SecretScanner.Match(kind: .assignment(literal.name), offset: offset, text: literal.text))
            }
        }
        return parsed ? matches : nil
    }

    /// A literal in the Logstash text: `range` runs from its opening quote (or first character) to
    /// the end of its text.
    private struct Literal {
        let name: String
        let text: String
        let range: Range<Int>
    }

    private static func literals(in config: LogstashConfig) -> [Literal] {
        var found: [Literal] = []
        for (_, plugin) in config.plugins() {
            for attribute in plugin.attributes {
                if SecretScanner.namesSecret(attribute.name), let literal = literal(attribute.name, attribute.value) {
                    found.append(literal)
                }
                switch attribute.value.kind {
                case .hash(let entries):
                    for entry in entries {
                        if let name = entry.key.scalarText, SecretScanner.namesSecret(name), let literal = literal(name, entry.value) {
                            found.append(literal)
                        }
                    }
                case .string(let code) where plugin.name == "ruby" && (attribute.name == "code" || attribute.name == "init"):
                    // Raw string text: its bytes follow the opening quote one for one.
                    let base = attribute.value.position.offset + 1
                    for match in SecretScanner.scan(Array(code.utf8), quotedOnly: true) where !match.commented {
                        guard case .assignment(let name) = match.kind else { continue }
                        found.append(Literal(name: name, text: match.text, range: base + match.offset..<base + match.offset + 1 + match.text.utf8.count))
                    }
                default: break
                }
            }
        }
        return found
    }

    private static func literal(_ name: String, _ value: LogstashValue) -> Literal? {
        let start = value.position.offset
        switch value.kind {
        case .string(let text): return Literal(name: name, text: text, range: start..<start + 1 + text.utf8.count)
        case .bareword(let text), .number(let text): return Literal(name: name, text: text, range: start..<start + text.utf8.count)
        case .plugin, .array, .hash: return nil
        }
    }
}
