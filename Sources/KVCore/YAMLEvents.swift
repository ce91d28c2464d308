import CYaml

/// One pass over libyaml's events, ahead of (or after) Yams' composer, for what Yams cannot report:
/// how far aliases expand and where a mapping repeats a key.
///
/// Yams resolves an alias to the anchored node itself, so a 500-byte "billion laughs" composes into a
/// small shared tree, but every walk over it (hashing a mapping's keys, converting to JSON values)
/// visits each expansion. Counting the nodes each anchor stands for while the events stream by bounds
/// that work before any of it starts. go-yaml refuses "excessive aliasing" the same way
/// (go-yaml/yaml decode.go, `allowedAliasRatio`), and it is what Grafana and most Go consumers parse with.
struct YAMLEvents {
    /// How many nodes aliases may add to a document in total, beyond the nodes written out: go-yaml's
    /// ceiling, which allows alias-driven decodes up to a ratio that never lets them pass about 400,000.
    static let aliasNodeLimit = 400_000

    struct Position: Equatable {
        let line: Int
        let column: Int
    }

    /// A key written a second time in one mapping, with the character range of its whole entry.
    struct Repeat {
        let name: String
        let at: Position
        let first: Position
        let characters: Range<Int>
    }

    enum Outcome {
        case scanned(repeats: [Repeat])
        /// Aliases expand beyond `aliasNodeLimit`; `at` is the alias that crossed it.
        case tooManyAliasedNodes(at: Position)
        /// libyaml could not parse the text: Yams reports that with its own message.
        case unparsable
    }

    private enum Frame {
        case sequence(anchor: String?, size: Int)
        case mapping(anchor: String?, size: Int, seen: [String: Position], key: (name: String?, at: yaml_mark_t)?)
    }

    /// `bytes` must be UTF-8 (the caller checked).
    static func scan(_ bytes: [UInt8]) -> Outcome {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return .unparsable }
        defer { yaml_parser_delete(&parser) }
        return bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var walk = Walk()
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return .unparsable }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { return .scanned(repeats: walk.repeats) }
                if walk.step(event) == false { return .tooManyAliasedNodes(at: position(event.start_mark)) }
            }
        }
    }

    private static func position(_ mark: yaml_mark_t) -> Position {
        Position(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    private struct Walk {
        var stack: [Frame] = []
        /// The number of nodes each anchor stands for, its own aliases expanded.
        var sizes: [String: Int] = [:]
        var aliased = 0
        var repeats: [Repeat] = []

        /// False once aliases have added more than the limit.
        mutating func step(_ event: yaml_event_t) -> Bool {
            switch event.type {
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                let text = scalar.value.map { String(decoding: UnsafeBufferPointer(start: $0, count: scalar.length), as: UTF8.self) }
                finish(size: 1, anchor: name(scalar.anchor), text: text ?? "", event)
            case YAML_ALIAS_EVENT:
                let size = name(event.data.alias.anchor).flatMap { sizes[$0] } ?? 1
                aliased += size
                guard aliased <= YAMLEvents.aliasNodeLimit else { return false }
                finish(size: size, anchor: nil, text: nil, event)
            case YAML_SEQUENCE_START_EVENT:
                stack.append(.sequence(anchor: name(event.data.sequence_start.anchor), size: 1))
            case YAML_MAPPING_START_EVENT:
                stack.append(.mapping(anchor: name(event.data.mapping_start.anchor), size: 1, seen: [:], key: nil))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                switch stack.popLast() {
                case let .sequence(anchor, size)?, let .mapping(anchor, size, _, _)?:
                    finish(size: size, anchor: anchor, text: nil, event)
                case nil: break
                }
            default: break
            }
            return true
        }

        /// A node ended (a collection at its end event): count it into its parent, and in a mapping,
        /// pair keys with values to find repeats.
        private mutating func finish(size: Int, anchor: String?, text: String?, _ event: yaml_event_t) {
            if let anchor { sizes[anchor] = size }
            guard let parent = stack.popLast() else { return }
            switch parent {
            case let .sequence(anchor, total):
                stack.append(.sequence(anchor: anchor, size: total + size))
            case let .mapping(anchor, total, seen, nil):
                // A key: its start is where a repeated entry begins. Only scalar keys are compared.
                stack.append(.mapping(anchor: anchor, size: total + size, seen: seen, key: (text, event.start_mark)))
            case let .mapping(anchor, total, seen, key?):
                var seen = seen
                if let name = key.name {
                    let at = YAMLEvents.position(key.at)
                    if let first = seen[name] {
                        repeats.append(Repeat(name: name, at: at, first: first,
                                              characters: Int(key.at.index)..<Int(event.end_mark.index)))
                    } else {
                        seen[name] = at
                    }
                }
                stack.append(.mapping(anchor: anchor, size: total + size, seen: seen, key: nil))
            }
        }

        private func name(_ anchor: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            anchor.map { String(cString: $0) }
        }
    }
}
