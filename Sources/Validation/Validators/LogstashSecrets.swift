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
                let isCode = plugin.name == "ruby" && (attribute.name == "code" || attribute.name == "init")
                embedded(in: attribute.value, code: isCode, into: &found)
            }
        }
        return found
    }

    /// Assignments inside strings (`password=…` in a JDBC URL) and secret-named hash entries. In
    /// Ruby code only a quoted string is a literal; Ruby comment lines are left to the byte scan.
    private static func embedded(in value: LogstashValue, code: Bool, into found: inout [Literal]) {
        switch value.kind {
        case .string(let text):
            // Raw string text: its bytes follow the opening quote one for one.
            let base = value.position.offset + 1
            for match in SecretScanner.scan(Array(text.utf8), quotedOnly: code) where !match.commented {
                guard case .assignment(let name) = match.kind else { continue }
                let start = base + match.offset
                found.append(Literal(name: name, text: match.text, range: start..<start + 1 + match.text.utf8.count))
            }
        case .hash(let entries):
            for entry in entries {
                if let name = entry.key.scalarText, SecretScanner.namesSecret(name), let literal = literal(name, entry.value) {
                    found.append(literal)
                }
                embedded(in: entry.value, code: false, into: &found)
            }
        case .array(let values):
            for element in values { embedded(in: element, code: false, into: &found) }
        case .plugin, .bareword, .number:
            break
        }
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
