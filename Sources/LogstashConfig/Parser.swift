import TextPositions

/// Entry points. The grammar is Logstash's PEG (`grammar.treetop`) transcribed by hand; every
/// rule returns nil on failure and leaves `pos` where it started.
public enum LogstashParser {
    public static func parse(_ text: String) throws(LogstashSyntaxError) -> LogstashConfig {
        var text = text
        return try text.withUTF8 { run($0) }.get()
    }

    public static func parse(utf8 bytes: some Collection<UInt8>) throws(LogstashSyntaxError) -> LogstashConfig {
        if let result = bytes.withContiguousStorageIfAvailable({ run($0) }) {
            return try result.get()
        }
        return try Array(bytes).withUnsafeBufferPointer { run($0) }.get()
    }

    private static func run(_ input: UnsafeBufferPointer<UInt8>) -> Result<LogstashConfig, LogstashSyntaxError> {
        var parser = Parser(input)
        if let config = parser.parseConfig() { return .success(config) }
        return .failure(parser.error())
    }
}

/// What kvctl refuses to parse. Logstash's own parser (treetop on JRuby) has no explicit limit;
/// real pipelines nest a handful of levels.
public enum LogstashLimits {
    /// Section and branch bodies, values (arrays, hashes, plugins) and conditions open at once.
    public static let nesting = 100
}

struct Parser {
    let input: UnsafeBufferPointer<UInt8>
    let end: Int
    let lines: LineIndex
    var pos = 0
    /// Furthest offset where a terminal failed, and the set of terminals that failed there.
    var failPos = -1
    var failSet: UInt64 = 0
    /// `value` tries a string as a plugin name before as a string; this avoids scanning it twice.
    var lastString: (start: Int, end: Int, text: String)?
    /// Blocks, values and conditions open now, against `LogstashLimits.nesting`.
    var nesting = 0
    /// Where the nesting limit was hit: the parse then fails with that as its error.
    var limitOffset: Int?

    init(_ input: UnsafeBufferPointer<UInt8>) {
        self.input = input
        self.end = input.count
        self.lines = LineIndex(Array(input))
    }

    func error() -> LogstashSyntaxError {
        if let limitOffset {
            return LogstashSyntaxError(position: lines.position(of: limitOffset),
                                       limit: "nesting deeper than \(LogstashLimits.nesting) levels of blocks, values and parentheses (kvctl limit)")
        }
        let at = max(failPos, 0)
        return LogstashSyntaxError(position: lines.position(of: at), expected: Expectation.describe(failSet))
    }

    // MARK: Primitives

    /// Every recursive rule enters here, so depth stays within a worker thread's stack. Once the
    /// limit is hit every rule fails: the file is reported, not half-parsed.
    @inline(__always) mutating func enterNesting() -> Bool {
        guard limitOffset == nil else { return false }
        guard nesting < LogstashLimits.nesting else {
            limitOffset = pos
            return false
        }
        nesting += 1
        return true
    }

    @inline(__always) mutating func fail(_ mask: UInt64, at p: Int) {
        if p > failPos {
            failPos = p
            failSet = mask
        } else if p == failPos {
            failSet |= mask
        }
    }

    @inline(__always) mutating func fail(_ e: Expectation) { fail(e.bit, at: pos) }

    @inline(__always) func byte(_ p: Int) -> UInt8 { p < end ? input[p] : 0 }

    @inline(__always) func position(_ offset: Int) -> TextPosition { lines.position(of: offset) }

    func text(_ from: Int, _ to: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: input[from..<to]), as: UTF8.self)
    }

    /// Matches a literal terminal; records it as expected when it does not match.
    @inline(__always) mutating func literal(_ s: StaticString, _ e: Expectation) -> Bool {
        let n = s.utf8CodeUnitCount
        if pos + n <= end {
            let p = s.utf8Start
            var i = 0
            while i < n, input[pos + i] == p[i] { i += 1 }
            if i == n {
                pos += n
                return true
            }
        }
        fail(e)
        return false
    }

    /// `first (separator element)*`, PEG style: a separator or element that does not match gives
    /// its input back, and the list ends before it.
    @inline(__always) mutating func repeating<T>(
        after first: T, separator: (inout Parser) -> Bool, element: (inout Parser) -> T?
    ) -> [T] {
        var items = [first]
        while true {
            let save = pos
            guard separator(&self), let next = element(&self) else {
                pos = save
                return items
            }
            items.append(next)
        }
    }

    /// `cs "," cs`, between array elements and method arguments.
    mutating func commaSeparator() -> Bool {
        skipCS()
        guard literal(",", .comma) else { return false }
        skipCS()
        return true
    }

    @inline(__always) static func isSpace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D
    }

    @inline(__always) static func isLetter(_ b: UInt8) -> Bool {
        (b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z")
    }

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool {
        b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")
    }

    @inline(__always) static func isWordChar(_ b: UInt8) -> Bool {
        isLetter(b) || isDigit(b) || b == UInt8(ascii: "_")
    }

    /// `cs`: whitespace and `#` comments, possibly none.
    mutating func skipCS() {
        var p = pos
        scan: while true {
            while p < end, Self.isSpace(input[p]) { p += 1 }
            guard p < end, input[p] == UInt8(ascii: "#") else { break }
            var q = p + 1
            while q < end, input[q] != 0x0A, input[q] != 0x0D { q += 1 }
            if q == end {
                p = q
            } else if input[q] == 0x0A {
                p = q + 1
            } else if q + 1 < end, input[q + 1] == 0x0A {
                p = q + 2
            } else {
                // A lone CR cannot end a comment, so the comment does not match at all.
                fail(Expectation.whitespace.bit, at: q + 1)
                break scan
            }
        }
        pos = p
        fail(Expectation.whitespace.bit | Expectation.comment.bit, at: p)
    }

    /// `whitespace`: at least one blank, as required between plugin attributes.
    mutating func requireWhitespace() -> Bool {
        guard pos < end, Self.isSpace(input[pos]) else {
            fail(.whitespace)
            return false
        }
        return true
    }

    // MARK: Sections and items

    /// `(cs plugin_section)* cs`: since Logstash 7.6 (elastic/logstash#11615) a file may hold no
    /// section at all, only comments and whitespace, as a commented-out file of a pipeline does.
    mutating func parseConfig() -> LogstashConfig? {
        skipCS()
        var sections: [LogstashSection] = []
        if let first = parseSection() {
            sections = repeating(after: first, separator: { $0.skipCS(); return true }, element: { $0.parseSection() })
        }
        let tail = sections.isEmpty ? 0 : pos
        skipCS()
        guard pos == end, limitOffset == nil else { return nil }
        return LogstashConfig(sections: sections, unterminatedComment: unterminatedComment(after: tail))
    }

    /// A `#` comment running into the end of input. Only the tail after the last section can hold
    /// one, and the tail is whitespace and comments only: its last line's first `#` starts it.
    func unterminatedComment(after tail: Int) -> TextPosition? {
        guard end > tail, input[end - 1] != 0x0A else { return nil }
        var p = end
        while p > tail, input[p - 1] != 0x0A { p -= 1 }
        while p < end, input[p] != UInt8(ascii: "#") { p += 1 }
        return p < end ? position(p) : nil
    }

    mutating func parseSection() -> LogstashSection? {
        let start = pos
        let kind: LogstashSectionKind
        if literal("input", .input) {
            kind = .input
        } else if literal("filter", .filter) {
            kind = .filter
        } else if literal("output", .output) {
            kind = .output
        } else {
            return nil
        }
        skipCS()
        guard literal("{", .openBrace) else {
            pos = start
            return nil
        }
        skipCS()
        guard let items = parseItemsAndClose() else {
            pos = start
            return nil
        }
        return LogstashSection(kind: kind, items: items, position: position(start))
    }

    /// `(branch_or_plugin cs)* "}"`, the body of sections and branches after `{ cs`.
    mutating func parseItemsAndClose() -> [LogstashItem]? {
        guard enterNesting() else { return nil }
        defer { nesting -= 1 }
        var items: [LogstashItem] = []
        while let item = parseItem() {
            items.append(item)
            skipCS()
        }
        return literal("}", .closeBrace) ? items : nil
    }

    mutating func parseItem() -> LogstashItem? {
        if let branch = parseBranch() { return .branch(branch) }
        if let plugin = parsePlugin() { return .plugin(plugin) }
        return nil
    }

    mutating func parsePlugin() -> LogstashPlugin? {
        let start = pos
        guard let name = parseName() else { return nil }
        skipCS()
        guard literal("{", .openBrace) else {
            pos = start
            return nil
        }
        skipCS()
        var attributes: [LogstashAttribute] = []
        if let first = parseAttribute() {
            attributes = repeating(after: first, separator: { parser in
                guard parser.requireWhitespace() else { return false }
                parser.skipCS()
                return true
            }, element: { $0.parseAttribute() })
        }
        skipCS()
        guard literal("}", .closeBrace) else {
            pos = start
            return nil
        }
        return LogstashPlugin(name: name, attributes: attributes, position: position(start))
    }

    mutating func parseAttribute() -> LogstashAttribute? {
        let start = pos
        guard let name = parseName() else { return nil }
        skipCS()
        guard literal("=>", .arrow) else {
            pos = start
            return nil
        }
        skipCS()
        guard let value = parseValue() else {
            pos = start
            return nil
        }
        return LogstashAttribute(name: name, value: value, position: position(start))
    }

    /// `[A-Za-z0-9_-]+ / string`
    mutating func parseName() -> String? {
        let start = pos
        var p = pos
        while p < end, Self.isWordChar(input[p]) || input[p] == UInt8(ascii: "-") { p += 1 }
        fail(Expectation.name.bit, at: p)
        if p > start {
            pos = p
            return text(start, p)
        }
        return parseString()
    }

    // MARK: Values

    mutating func parseValue() -> LogstashValue? {
        guard enterNesting() else { return nil }
        defer { nesting -= 1 }
        let start = pos
        if let plugin = parsePlugin() {
            return LogstashValue(kind: .plugin(plugin), position: plugin.position)
        }
        let kind: LogstashValue.Kind
        if let word = parseBareword() {
            kind = .bareword(word)
        } else if let string = parseString() {
            kind = .string(string)
        } else if let number = parseNumber() {
            kind = .number(number)
        } else if let array = parseArray() {
            kind = .array(array)
        } else if let hash = parseHash() {
            kind = .hash(hash)
        } else {
            return nil
        }
        return LogstashValue(kind: kind, position: position(start))
    }

    /// `[A-Za-z_][A-Za-z0-9_]+`: one letter alone is not a bareword.
    mutating func parseBareword() -> String? {
        let start = pos
        guard pos < end, Self.isLetter(input[pos]) || input[pos] == UInt8(ascii: "_") else {
            fail(.bareword)
            return nil
        }
        var p = pos + 1
        while p < end, Self.isWordChar(input[p]) { p += 1 }
        fail(Expectation.barewordCharacter.bit, at: p)
        guard p > start + 1 else { return nil }
        pos = p
        return text(start, p)
    }

    /// Double- or single-quoted; only the quote itself can be escaped, everything else is raw.
    mutating func parseString() -> String? {
        if let cached = lastString, cached.start == pos {
            pos = cached.end
            return cached.text
        }
        let quote = byte(pos)
        guard pos < end, quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
            fail(.string)
            return nil
        }
        guard let close = scanQuoted(from: pos + 1, quote: quote) else {
            fail((quote == UInt8(ascii: "\"") ? Expectation.closingDoubleQuote : .closingSingleQuote).bit, at: end)
            return nil
        }
        let value = text(pos + 1, close)
        lastString = (pos, close + 1, value)
        pos = close + 1
        return value
    }

    /// Offset of the closing delimiter, skipping `\<delimiter>`.
    func scanQuoted(from: Int, quote: UInt8) -> Int? {
        var p = from
        while p < end {
            let b = input[p]
            if b == quote { return p }
            p += b == UInt8(ascii: "\\") && p + 1 < end && input[p + 1] == quote ? 2 : 1
        }
        return nil
    }

    /// `"-"? [0-9]+ ("." [0-9]*)?`
    mutating func parseNumber() -> String? {
        let start = pos
        var p = pos
        if byte(p) == UInt8(ascii: "-") { p += 1 }
        let digitsStart = p
        while p < end, Self.isDigit(input[p]) { p += 1 }
        fail((p == start ? Expectation.number : .digit).bit, at: p)
        guard p > digitsStart else { return nil }
        if byte(p) == UInt8(ascii: ".") {
            p += 1
            while p < end, Self.isDigit(input[p]) { p += 1 }
            fail(Expectation.digit.bit, at: p)
        } else {
            fail(Expectation.dot.bit, at: p)
        }
        pos = p
        return text(start, p)
    }

    /// `"[" cs (value (cs "," cs value)*)? cs "]"`
    mutating func parseArray() -> [LogstashValue]? {
        let start = pos
        guard literal("[", .openBracket) else { return nil }
        skipCS()
        var values: [LogstashValue] = []
        if let first = parseValue() {
            values = repeating(after: first, separator: { $0.commaSeparator() }, element: { $0.parseValue() })
        }
        skipCS()
        guard literal("]", .closeBracket) else {
            pos = start
            return nil
        }
        return values
    }

    /// `"{" cs (entry (cs entry)*)? cs "}"`: entries are not comma-separated.
    mutating func parseHash() -> [LogstashHashEntry]? {
        let start = pos
        guard literal("{", .openBrace) else { return nil }
        skipCS()
        var entries: [LogstashHashEntry] = []
        if let first = parseHashEntry() {
            entries = repeating(after: first, separator: { $0.skipCS(); return true }, element: { $0.parseHashEntry() })
        }
        skipCS()
        guard literal("}", .closeBrace) else {
            pos = start
            return nil
        }
        return entries
    }

    mutating func parseHashEntry() -> LogstashHashEntry? {
        let start = pos
        let keyKind: LogstashValue.Kind
        if let number = parseNumber() {
            keyKind = .number(number)
        } else if let word = parseBareword() {
            keyKind = .bareword(word)
        } else if let string = parseString() {
            keyKind = .string(string)
        } else {
            return nil
        }
        let key = LogstashValue(kind: keyKind, position: position(start))
        skipCS()
        guard literal("=>", .arrow) else {
            pos = start
            return nil
        }
        skipCS()
        guard let value = parseValue() else {
            pos = start
            return nil
        }
        return LogstashHashEntry(key: key, value: value, position: key.position)
    }
}
