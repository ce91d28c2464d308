import CYaml

/// Rewrites one environment's `version:` in the text of `kvctl.yaml`, leaving every other byte as it
/// is (comments, blank lines, indentation, quoting, line endings): promotion is a reviewed commit, and
/// a diff of one line is what a reviewer can trust. libyaml's events say where the scalar is.
public enum PinEdit {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// What the environment's block holds now, as the events showed it.
    struct Found {
        /// The `version:` value's character range and quoting.
        var version: (range: Range<Int>, style: yaml_scalar_style_t)?
        var tracks = false
        var flow = false
        /// Where the block's first key starts (its indentation), where its last value ends, and
        /// where a flow mapping's `{` is.
        var firstKey: yaml_mark_t?
        var lastValueEnd: yaml_mark_t?
        var start: yaml_mark_t?
    }

    /// `bytes` with environment `environment`'s `version:` set to `tag`, in the quoting the old value
    /// used; without a `version:`, one is added as the last entry of the environment's mapping, at its
    /// keys' indentation (a flow mapping gets `, version: TAG` after its last value).
    public static func settingVersion(_ tag: String, of environment: String, in bytes: [UInt8]) throws(Failure) -> [UInt8] {
        let found = try scan(bytes, environment: environment)
        if found.tracks {
            throw Failure("environment '\(environment)' follows a 'track:', which names no single release to replace")
        }
        let offsets = characterOffsets(bytes)
        func byte(_ character: Int) -> Int { offsets[min(max(character, 0), offsets.count - 1)] }
        if let (range, style) = found.version {
            let quoted = switch style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE: "'\(tag)'"
            case YAML_DOUBLE_QUOTED_SCALAR_STYLE: "\"\(tag)\""
            default: tag
            }
            return Array(bytes[..<byte(range.lowerBound)]) + Array(quoted.utf8) + Array(bytes[byte(range.upperBound)...])
        }
        if found.flow {
            guard let end = found.lastValueEnd ?? found.start.map({ mark in
                var after = mark
                after.index += 1
                return after
            }) else { throw Failure("environment '\(environment)' has no mapping to add 'version:' to") }
            let entry = (found.lastValueEnd == nil ? "" : ", ") + "version: \(tag)"
            let at = byte(Int(end.index))
            return Array(bytes[..<at]) + Array(entry.utf8) + Array(bytes[at...])
        }
        guard let first = found.firstKey, let end = found.lastValueEnd else {
            throw Failure("environment '\(environment)' has no mapping to add 'version:' to")
        }
        let newline = bytes.contains(UInt8(ascii: "\r")) && bytes.firstRange(of: Array("\r\n".utf8)) != nil ? "\r\n" : "\n"
        let line = String(repeating: " ", count: Int(first.column)) + "version: \(tag)" + newline
        // After the line the last value ends on (a comment after it stays on that line); a value that
        // ends at a line's start (a block scalar) ends before that line.
        var at = byte(Int(end.index))
        if end.column > 0 {
            while at < bytes.count && bytes[at] != UInt8(ascii: "\n") { at += 1 }
            if at < bytes.count {
                at += 1
            } else {
                return bytes + Array((newline + line.dropLast(newline.count)).utf8)
            }
        }
        return Array(bytes[..<at]) + Array(line.utf8) + Array(bytes[at...])
    }

    private enum Frame {
        /// `key` is the last key read; nil before the first.
        case mapping(key: String?, expectingKey: Bool, flow: Bool)
        case sequence(flow: Bool)
    }

    /// Walks the events to the mapping of `environments:` → `environment`.
    static func scan(_ bytes: [UInt8], environment: String) throws(Failure) -> Found {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { throw Failure("cannot start the YAML parser") }
        defer { yaml_parser_delete(&parser) }
        var stack: [Frame] = [], found = Found(), inside = false, seen = false, failure: Failure?
        bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            /// Where the events are: the keys leading to the current node.
            func path() -> [String?] {
                stack.map { if case .mapping(let key, _, _) = $0 { key } else { nil } }
            }
            while failure == nil {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    failure = Failure("\(KVConfig.fileName) is not valid YAML")
                    break
                }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { break }
                // A value (not a key) of the environment's own mapping.
                let atEnvironmentValue = inside && stack.count == 3 && {
                    if case .mapping(_, false, _) = stack[2] { true } else { false }
                }()
                let isKey: Bool = if case .mapping(_, true, _)? = stack.last { true } else { false }
                switch event.type {
                case YAML_SCALAR_EVENT:
                    let scalar = event.data.scalar
                    let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                    if inside && stack.count == 3 && isKey {
                        if found.firstKey == nil { found.firstKey = event.start_mark }
                        if text == "track" { found.tracks = true }
                    }
                    // The last scalar of the block ends its last value: a block collection's own end is
                    // where the next token starts, past any comment lines.
                    if inside && stack.count >= 3 && !isKey || atEnvironmentValue { found.lastValueEnd = event.end_mark }
                    if atEnvironmentValue {
                        if case .mapping("version", _, _) = stack[2] {
                            found.version = (Int(event.start_mark.index)..<Int(event.end_mark.index), scalar.style)
                        }
                    }
                    advance(&stack, key: isKey ? text : nil)
                case YAML_ALIAS_EVENT:
                    if stack.count == 2 && path() == ["environments", environment] || atEnvironmentValue {
                        failure = Failure("environment '\(environment)' is written with a YAML alias; write its 'version:' out to promote it")
                    }
                    advance(&stack, key: nil)
                case YAML_MAPPING_START_EVENT, YAML_SEQUENCE_START_EVENT:
                    let mapping = event.type == YAML_MAPPING_START_EVENT
                    let flow = mapping ? event.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                        : event.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE
                    if !isKey, stack.count == 2, path() == ["environments", environment], case .mapping(_, false, _) = stack[1] {
                        guard mapping else {
                            failure = Failure("environment '\(environment)' is not a mapping")
                            break
                        }
                        inside = true
                        seen = true
                        found.flow = flow
                        found.start = event.start_mark
                    }
                    stack.append(mapping ? .mapping(key: nil, expectingKey: true, flow: flow) : .sequence(flow: flow))
                case YAML_MAPPING_END_EVENT, YAML_SEQUENCE_END_EVENT:
                    let flow: Bool = switch stack.removeLast() {
                    case .mapping(_, _, let flow), .sequence(let flow): flow
                    }
                    if inside && stack.count >= 3 && flow { found.lastValueEnd = event.end_mark }
                    if inside && stack.count == 2 { inside = false }
                    advance(&stack, key: nil)
                case YAML_DOCUMENT_START_EVENT where seen:
                    failure = Failure("\(KVConfig.fileName) holds several YAML documents")
                default: break
                }
            }
        }
        if let failure { throw failure }
        guard seen else { throw Failure("no environment '\(environment)' in \(KVConfig.fileName)") }
        return found
    }

    /// After a node: a mapping that read a key now expects its value, and after a value its next key.
    private static func advance(_ stack: inout [Frame], key: String?) {
        guard case .mapping(let current, let expectingKey, let flow)? = stack.last else { return }
        stack[stack.count - 1] = .mapping(key: expectingKey ? key : current, expectingKey: !expectingKey, flow: flow)
    }

    /// The byte offset of every character libyaml counts, and of the end. With the encoding given, a
    /// leading byte order mark is one (the scanner skips it as a character).
    static func characterOffsets(_ bytes: [UInt8]) -> [Int] {
        var offsets: [Int] = [], offset = 0
        offsets.reserveCapacity(bytes.count + 1)
        while offset < bytes.count {
            offsets.append(offset)
            let lead = bytes[offset]
            offset += lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
        }
        offsets.append(bytes.count)
        return offsets
    }
}
