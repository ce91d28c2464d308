/// A glob over keys or paths: `*` and `?` stay within one `/` segment, `**` crosses segments.
public struct KeyGlob: Sendable, Hashable, CustomStringConvertible {
    public let pattern: String
    private let bytes: [UInt8]

    public init(_ pattern: String) {
        self.pattern = pattern
        bytes = Array(pattern.utf8)
    }

    public var description: String { pattern }

    public func matches(_ text: String) -> Bool {
        let subject = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { pattern in
            subject.withUnsafeBufferPointer { Self.match(pattern[...], $0[...]) }
        }
    }

    private static let slash = UInt8(ascii: "/"), star = UInt8(ascii: "*"), question = UInt8(ascii: "?")

    private static func match(_ pattern: Slice<UnsafeBufferPointer<UInt8>>, _ text: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        guard let first = pattern.first else { return text.isEmpty }
        if first == star {
            let crossesSegments = pattern.dropFirst().first == star
            let rest = pattern.dropFirst(crossesSegments ? 2 : 1)
            // `a/**/b` also matches `a/b`.
            if crossesSegments && rest.first == slash && match(rest.dropFirst(), text) { return true }
            var candidate = text
            while true {
                if match(rest, candidate) { return true }
                guard let next = candidate.first, crossesSegments || next != slash else { return false }
                candidate = candidate.dropFirst()
            }
        }
        guard let next = text.first else { return false }
        if first == question ? next == slash : first != next { return false }
        return match(pattern.dropFirst(), text.dropFirst())
    }
}
