/// Reads the plain block form nearly every manifest is written in without building a Yams node tree,
/// which is most of the cost of loading thousands of keys:
///
///     # comment
///     config:
///       - key: some/key   # comment
///         value: 8080
///         type: 'text'
///
/// It knows only that form: a top-level `config:` block sequence of flat block mappings whose field
/// values are one-line plain, single-quoted or escape-free double-quoted scalars (or empty). Anything
/// else (flow collections, anchors, tags, block or multi-line scalars, escapes, tabs, directives, document
/// markers, duplicate fields, other top-level keys, unusual characters) returns nil and the caller parses
/// with Yams. Whenever it returns an outline, that outline is what the Yams path would have produced,
/// locations included.
struct PlainManifestScanner {
    private let bytes: [UInt8]
    private let path: String
    private var items: [ManifestItem] = []
    /// The column (0-based) of the list's `-`, fixed by the first item.
    private var sequenceIndent: Int?
    // The item being read: where its mapping starts, the column its fields share, what it holds so far.
    private var itemLocation: SourceLocation?
    private var fieldIndent = 0
    private var names: [ManifestNode] = []
    private var fields: [String: ManifestNode] = [:]

    static func scan(_ bytes: [UInt8], path: String) -> ManifestOutline? {
        guard charactersAreSafe(bytes) else { return nil }
        var scanner = PlainManifestScanner(bytes: bytes, path: path)
        return scanner.run()
    }

    private init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    private mutating func run() -> ManifestOutline? {
        var sawConfig = false
        var lineStart = 0, line = 1
        while lineStart < bytes.count {
            var end = lineStart
            while end < bytes.count && bytes[end] != .newline { end += 1 }
            // `charactersAreSafe` lets a CR through only right before LF, where YAML reads CRLF as one break.
            let contentEnd = end > lineStart && bytes[end - 1] == .carriageReturn ? end - 1 : end
            var indent = lineStart
            while indent < contentEnd && bytes[indent] == .space { indent += 1 }
            if indent == contentEnd || bytes[indent] == .hash {
                // Blank or comment-only: YAML ignores these at any indentation between block lines.
            } else if !sawConfig {
                guard indent == lineStart, isConfigLine(lineStart, contentEnd) else { return nil }
                sawConfig = true
            } else {
                guard readContent(lineStart: lineStart, indent: indent, contentEnd: contentEnd, line: line) else {
                    return nil
                }
            }
            lineStart = end + 1
            line += 1
        }
        finishItem()
        // `config:` with no items is null, not a sequence: leave that verdict to Yams.
        return items.isEmpty ? nil : ManifestOutline(strayKeys: [], items: items)
    }

    /// `config:` at column 1, then nothing but spaces and a comment.
    private func isConfigLine(_ start: Int, _ contentEnd: Int) -> Bool {
        let marker = "config:".utf8
        guard contentEnd - start >= marker.count, bytes[start..<start + marker.count].elementsEqual(marker) else {
            return false
        }
        return onlyCommentFollows(start + marker.count, contentEnd)
    }

    /// An item line (`- field: ...`) at the list's column, or a further field of the current item.
    private mutating func readContent(lineStart: Int, indent: Int, contentEnd: Int, line: Int) -> Bool {
        let column = indent - lineStart
        if bytes[indent] == .dash && (sequenceIndent == nil || sequenceIndent == column) {
            // `- ` then the first field on the same line; `-` alone would start a nested node.
            guard indent + 1 < contentEnd, bytes[indent + 1] == .space else { return false }
            var field = indent + 1
            while field < contentEnd && bytes[field] == .space { field += 1 }
            guard field < contentEnd else { return false }
            finishItem()
            sequenceIndent = column
            fieldIndent = field - lineStart
            // libyaml starts a block mapping where its first key starts.
            itemLocation = location(line, field - lineStart + 1)
            return readField(at: field, lineStart: lineStart, contentEnd: contentEnd, line: line)
        }
        // Any other indentation would nest a node in a field's value or end the list.
        guard itemLocation != nil, column == fieldIndent else { return false }
        return readField(at: indent, lineStart: lineStart, contentEnd: contentEnd, line: line)
    }

    private mutating func finishItem() {
        guard let itemLocation else { return }
        items.append(ManifestItem(node: ManifestNode(.mapping, at: itemLocation), names: names, fields: fields))
        self.itemLocation = nil
        names = []
        fields = [:]
    }

    /// `name: value`, the name a plain word. A repeated name is left to the Yams path, which reports it at the repeat.
    private mutating func readField(at start: Int, lineStart: Int, contentEnd: Int, line: Int) -> Bool {
        guard bytes[start].isLetter else { return false }
        var end = start
        while end < contentEnd && bytes[end].isNameByte { end += 1 }
        // libyaml caps simple keys at 1,024 characters; real field names are short.
        guard end - start <= 64, end < contentEnd, bytes[end] == .colon,
              end + 1 == contentEnd || bytes[end + 1] == .space else { return false }
        let name = String(decoding: bytes[start..<end], as: UTF8.self)
        guard !names.contains(where: { $0.text == name }),
              let value = readValue(afterColon: end + 1, lineStart: lineStart, contentEnd: contentEnd, line: line)
        else { return false }
        names.append(ManifestNode(.scalar(name, isNull: YAMLDocument.isNull(plain: name)),
                                  at: location(line, start - lineStart + 1)))
        if Manifest.fields.contains(name) { fields[name] = value }
        return true
    }

    private func readValue(afterColon start: Int, lineStart: Int, contentEnd: Int, line: Int) -> ManifestNode? {
        var first = start
        while first < contentEnd && bytes[first] == .space { first += 1 }
        // Nothing (or only a comment) is an empty plain scalar, placed by libyaml right after the colon.
        // `readField` saw a space after the colon, so a `#` here starts a comment.
        if first == contentEnd || bytes[first] == .hash {
            return ManifestNode(.scalar("", isNull: true), at: location(line, start - lineStart + 1))
        }
        let here = location(line, first - lineStart + 1)
        switch bytes[first] {
        case .singleQuote:
            // `''` is the only escape in a single-quoted scalar; the closing quote must be on this line.
            var text: [UInt8] = []
            var index = first + 1
            while true {
                guard index < contentEnd else { return nil }
                if bytes[index] == .singleQuote {
                    guard index + 1 < contentEnd, bytes[index + 1] == .singleQuote else { break }
                    index += 1
                }
                text.append(bytes[index])
                index += 1
            }
            guard onlyCommentFollows(index + 1, contentEnd) else { return nil }
            return ManifestNode(.scalar(String(decoding: text, as: UTF8.self), isNull: false), at: here)
        case .doubleQuote:
            // Escapes are left to Yams.
            var index = first + 1
            while index < contentEnd && bytes[index] != .doubleQuote {
                if bytes[index] == .backslash { return nil }
                index += 1
            }
            guard index < contentEnd, onlyCommentFollows(index + 1, contentEnd) else { return nil }
            return ManifestNode(.scalar(String(decoding: bytes[first + 1..<index], as: UTF8.self), isNull: false),
                                at: here)
        default:
            guard canStartPlainScalar(at: first, contentEnd) else { return nil }
            // A plain scalar runs to the end of the line or a ` #` comment, trailing spaces trimmed.
            var index = first, end = first
            while index < contentEnd {
                let byte = bytes[index]
                // `: ` would make the text a mapping key: not a scalar (or a YAML error).
                if byte == .colon && (index + 1 == contentEnd || bytes[index + 1] == .space) { return nil }
                if byte == .hash && bytes[index - 1] == .space { break }
                if byte != .space { end = index + 1 }
                index += 1
            }
            let text = String(decoding: bytes[first..<end], as: UTF8.self)
            return ManifestNode(.scalar(text, isNull: YAMLDocument.isNull(plain: text)), at: here)
        }
    }

    private static let indicators = Array("?:,[]{}#&*!|>'\"%@`".utf8)

    /// YAML's indicators can't start a plain scalar; `-` can when a non-space follows. `?` and `:` are
    /// rejected outright rather than modelled.
    private func canStartPlainScalar(at index: Int, _ contentEnd: Int) -> Bool {
        switch bytes[index] {
        case .dash: index + 1 < contentEnd && bytes[index + 1] != .space
        default: !Self.indicators.contains(bytes[index])
        }
    }

    /// After a scalar: spaces, then the end of the line or a comment (which needs a space before its `#`).
    private func onlyCommentFollows(_ start: Int, _ contentEnd: Int) -> Bool {
        var index = start
        while index < contentEnd && bytes[index] == .space { index += 1 }
        return index == contentEnd || (bytes[index] == .hash && index > start)
    }

    private func location(_ line: Int, _ column: Int) -> SourceLocation {
        // Columns count bytes: everything before a located node on its line is ASCII (indentation,
        // `- `, a field name and `: `).
        SourceLocation(file: path, line: line, column: column)
    }

    /// Printable text only, LF or CRLF line breaks, no tabs. Beyond ASCII, libyaml reads NEL, LS and PS
    /// as line breaks and skips a BOM that starts a line, which would shift lines and columns.
    private static func charactersAreSafe(_ bytes: [UInt8]) -> Bool {
        var ascii = true
        for index in bytes.indices {
            switch bytes[index] {
            case .newline, 0x20...0x7E: continue
            case .carriageReturn: guard index + 1 < bytes.count, bytes[index + 1] == .newline else { return false }
            case 0x80...: ascii = false
            default: return false
            }
        }
        if ascii { return true }
        guard let text = String(validating: bytes, as: UTF8.self) else { return false }
        return text.unicodeScalars.allSatisfy { scalar in
            switch scalar.value {
            case 0...0x7F: true
            case 0xA0...0xD7FF: scalar.value != 0x2028 && scalar.value != 0x2029
            case 0xE000...0xFFFD: scalar.value != 0xFEFF
            case 0x10000...: true
            default: false
            }
        }
    }
}

private extension UInt8 {
    static let newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r"), space = UInt8(ascii: " ")
    static let hash = UInt8(ascii: "#"), dash = UInt8(ascii: "-"), colon = UInt8(ascii: ":")
    static let singleQuote = UInt8(ascii: "'"), doubleQuote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")

    var isLetter: Bool { (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self) }
    var isNameByte: Bool { isLetter || (0x30...0x39).contains(self) || self == .dash || self == UInt8(ascii: "_") }
}
