/// A compact byte encoding for results kept between runs. Hand-written because a warm run decodes
/// thousands of records and must stay within the pre-commit hook's budget.
public struct RecordWriter {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func write(_ value: Int) {
        var rest = UInt64(bitPattern: Int64(value))
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    public mutating func write(_ value: Bool) { bytes.append(value ? 1 : 0) }

    public mutating func write(_ text: String) {
        write(text.utf8.count)
        bytes.append(contentsOf: text.utf8)
    }

    public mutating func write(_ raw: [UInt8]) {
        write(raw.count)
        bytes.append(contentsOf: raw)
    }

    public mutating func write(_ text: String?) {
        write(text != nil)
        if let text { write(text) }
    }

    public mutating func write<Element>(_ list: [Element], _ element: (inout RecordWriter, Element) -> Void) {
        write(list.count)
        for item in list { element(&self, item) }
    }

    public mutating func write(_ location: SourceLocation) {
        write(location.file)
        write(location.line)
        write(location.column)
    }

    public mutating func write(_ diagnostic: Diagnostic) {
        write(diagnostic.severity == .error)
        write(diagnostic.location)
        write(diagnostic.rule)
        write(diagnostic.message)
    }

    public mutating func write(_ diagnostics: [Diagnostic]) {
        write(diagnostics) { $0.write($1) }
    }
}

/// Reads what `RecordWriter` wrote; any malformed input reads as a cache miss (nil), never a crash.
public struct RecordReader {
    private let bytes: [UInt8]
    private var offset = 0

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    public var isAtEnd: Bool { offset == bytes.count }

    public mutating func int() -> Int? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count, shift < 64 {
            let byte = bytes[offset]
            offset += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return Int(Int64(bitPattern: result)) }
            shift += 7
        }
        return nil
    }

    public mutating func bool() -> Bool? {
        guard offset < bytes.count, bytes[offset] <= 1 else { return nil }
        offset += 1
        return bytes[offset - 1] == 1
    }

    public mutating func raw() -> [UInt8]? {
        guard let count = int(), count >= 0, count <= bytes.count - offset else { return nil }
        offset += count
        return Array(bytes[offset - count..<offset])
    }

    public mutating func string() -> String? {
        guard let count = int(), count >= 0, count <= bytes.count - offset else { return nil }
        offset += count
        return String(decoding: bytes[offset - count..<offset], as: UTF8.self)
    }

    public mutating func optionalString() -> String?? {
        guard let present = bool() else { return nil }
        return present ? string().map { $0 } : .some(nil)
    }

    public mutating func list<Element>(_ element: (inout RecordReader) -> Element?) -> [Element]? {
        guard let count = int(), count >= 0, count <= bytes.count - offset else { return nil }
        var result: [Element] = []
        result.reserveCapacity(count)
        for _ in 0..<count {
            guard let item = element(&self) else { return nil }
            result.append(item)
        }
        return result
    }

    public mutating func location() -> SourceLocation? {
        guard let file = string(), let line = int(), let column = int() else { return nil }
        return SourceLocation(file: file, line: line, column: column)
    }

    public mutating func diagnostic() -> Diagnostic? {
        guard let error = bool(), let location = location(), let rule = string(), let message = string() else { return nil }
        return Diagnostic(error ? .error : .warning, at: location, rule: rule, message)
    }

    public mutating func diagnostics() -> [Diagnostic]? {
        list { $0.diagnostic() }
    }
}

/// Results kept between runs, as opaque records under string keys. The store decides where they
/// live and when they are stale as a whole; callers put everything a record depends on in its key.
public protocol ResultMemo: Sendable {
    func recall(_ key: String) -> [UInt8]?
    func store(_ key: String, _ record: [UInt8])
}
