import Foundation

/// A whole request as the double's handler collected it; the path and query are percent-decoded.
struct DoubleRequest: Sendable {
    var method: String
    var uri: String
    var path: String
    var query: [String: String]
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    /// Nil when the URI holds an invalid percent escape.
    init?(method: String, uri: String, headers: [(name: String, value: String)], body: [UInt8]) {
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        guard let path = PercentDecoding.decode(parts[0], plusIsSpace: false) else { return nil }
        var query: [String: String] = [:]
        for pair in parts.dropFirst().first?.split(separator: "&") ?? [] {
            let nameValue = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = PercentDecoding.decode(nameValue[0], plusIsSpace: true),
                let value = PercentDecoding.decode(nameValue.dropFirst().first ?? "", plusIsSpace: true)
            else { return nil }
            query[name] = query[name] ?? value
        }
        self.method = method
        self.uri = uri
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

struct DoubleResponse: Sendable {
    var status: Int
    var headers: [(name: String, value: String)] = []
    var body: [UInt8]

    static func text(_ status: Int, _ text: String) -> Self {
        .init(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Array(text.utf8))
    }

    static func json(_ value: some Encodable, status: Int = 200) -> Self {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding the double's own plain types cannot fail.
        return json(text: String(decoding: try! encoder.encode(value), as: UTF8.self), status: status)
    }

    /// JSON the double wrote by hand (`EntryJSON`, `TxnResponseJSON`).
    static func json(text: String, status: Int = 200) -> Self {
        .init(status: status, headers: [("Content-Type", "application/json")], body: Array(text.utf8))
    }

    /// The `true` / `false` literal the KV write endpoints answer.
    static func bool(_ value: Bool) -> Self { .json(value) }

    static let notFound = DoubleResponse(status: 404, body: [])

    func filteredByACLs(_ filtered: Bool) -> Self {
        guard filtered else { return self }
        var copy = self
        copy.headers.append(("X-Consul-Results-Filtered-By-ACLs", "true"))
        return copy
    }

    func withConsulIndex(_ index: UInt64) -> Self {
        var copy = self
        copy.headers += [("X-Consul-Index", String(index)), ("X-Consul-KnownLeader", "true"), ("X-Consul-LastContact", "0")]
        return copy
    }
}

enum PercentDecoding {
    static func decode(_ text: Substring, plusIsSpace: Bool) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            case UInt8(ascii: "+") where plusIsSpace:
                bytes.append(UInt8(ascii: " "))
            default:
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
