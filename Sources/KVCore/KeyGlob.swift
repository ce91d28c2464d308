/// A glob over keys or paths: `*` and `?` stay within one `/` segment, `**` crosses segments, and
/// `**/` also matches nothing (`a/**/b` matches `a/b`).
///
/// Matching runs the pattern as a set of positions advanced together over the text (a Thompson NFA), so
/// it takes at most pattern length × text length steps: a pattern of many stars against a long key
/// cannot backtrack exponentially.
public struct KeyGlob: Sendable, Hashable, CustomStringConvertible {
    public let pattern: String
    private let tokens: [Token]

    private enum Token: Sendable, Hashable {
        case byte(UInt8)
        /// `?`: one byte other than `/`.
        case any
        /// `*`: any run of bytes without `/`.
        case segmentStar
        /// `**`: any run of bytes.
        case star
        /// Before a `**/`: the whole of it may also match nothing, but only where it starts (once the star
        /// has consumed a byte, the `/` must follow).
        case skippable
    }

    public init(_ pattern: String) {
        self.pattern = pattern
        var tokens: [Token] = []
        let bytes = Array(pattern.utf8)
        var index = 0
        while index < bytes.count {
            switch bytes[index] {
            case Self.star where index + 1 < bytes.count && bytes[index + 1] == Self.star:
                if index + 2 < bytes.count && bytes[index + 2] == Self.slash { tokens.append(.skippable) }
                tokens.append(.star)
                index += 2
                continue
            case Self.star: tokens.append(.segmentStar)
            case Self.question: tokens.append(.any)
            case let byte: tokens.append(.byte(byte))
            }
            index += 1
        }
        self.tokens = tokens
    }

    public var description: String { pattern }

    public func matches(_ text: String) -> Bool {
        var current = [Bool](repeating: false, count: tokens.count + 1)
        var next = current
        add(0, to: &current)
        for byte in text.utf8 {
            for index in next.indices { next[index] = false }
            var alive = false
            for state in tokens.indices where current[state] {
                switch tokens[state] {
                case .byte(let expected) where expected == byte: add(state + 1, to: &next)
                case .any where byte != Self.slash: add(state + 1, to: &next)
                case .segmentStar where byte != Self.slash, .star: add(state, to: &next)
                default: continue
                }
                alive = true
            }
            guard alive else { return false }
            swap(&current, &next)
        }
        return current[tokens.count]
    }

    /// Marks `state` and every state reachable from it without reading a byte: past a star (which
    /// may match nothing) and, from the start of a `**/`, past all of it.
    private func add(_ state: Int, to states: inout [Bool]) {
        var state = state
        while !states[state] {
            states[state] = true
            guard state < tokens.count else { return }
            switch tokens[state] {
            case .skippable:
                add(state + 3, to: &states)
                state += 1
            case .star, .segmentStar: state += 1
            default: return
            }
        }
    }

    private static let slash = UInt8(ascii: "/"), star = UInt8(ascii: "*"), question = UInt8(ascii: "?")
}
