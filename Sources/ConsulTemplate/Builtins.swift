import TextPositions

/// The functions the renderer evaluates. Argument counts were checked when parsing. Anything
/// not implemented here (and everything depending on Vault, the catalog or the environment)
/// yields a placeholder and is reported in `RenderResult.placeholderFunctions`.
extension Execution {
    mutating func invoke(_ name: String, _ args: [TemplateValue],
                         at position: TextPosition) throws(TemplateRenderError) -> TemplateValue {
        func string(_ index: Int) throws(TemplateRenderError) -> String {
            switch args[index] {
            case .string(let s), .placeholder(let s): return s
            default: throw fail("wrong type for value; expected string; got \(args[index].typeName)", at: position)
            }
        }
        // A value computed from something unknowable stays unknowable (text-building functions
        // such as printf and join keep the placeholder's text instead).
        let derived: Set<String> = ["toLower", "toUpper", "trimSpace", "replaceAll", "split", "parseBool", "parseInt",
                                    "parseFloat", "len", "index", "not", "eq", "ne", "lt", "le", "gt", "ge", "add",
                                    "subtract", "multiply", "divide", "modulo", "toJSON"]
        if let unknown = args.first(where: \.isPlaceholder),
           derived.contains(name) || template.functions.signature(of: name)?.category == .consulKV {
            return unknown
        }
        switch name {
        case "key", "keyExists", "keyOrDefault":
            let key = ParsedTemplate.splitDatacenter(try string(0)).0
            let value = lookup.value(forKey: key)
            if name == "keyExists" { return .bool(value != nil) }
            if let value { return .string(value) }
            if name == "keyOrDefault" { return .string(try string(1)) }
            blocked.append(BlockedKey(function: name, key: key, position: position))
            return .string("")
        case "ls", "safeLs", "tree", "safeTree":
            let prefix = ParsedTemplate.splitDatacenter(try string(0)).0
            let pairs = lookup.pairs(underPrefix: prefix, recursive: name.hasSuffix("ree"))
            if pairs.isEmpty, !name.hasPrefix("safe") {
                blocked.append(BlockedKey(function: name, key: prefix, position: position))
            }
            return .list(pairs.map(TemplateValue.pair))
        case "envOrDefault":
            placeholders.insert(name)
            return .string(try string(1))
        case "not":
            return .bool(!isTrue(args[0]))
        case "len":
            switch args[0] {
            case .string(let s): return .int(s.utf8.count)
            case .list(let l): return .int(l.count)
            case .map(let m): return .int(m.count)
            default: throw fail("error calling len: len of type \(args[0].typeName)", at: position)
            }
        case "index":
            return try index(args[0], args.dropFirst(), at: position)
        case "print", "println":
            var out = ""
            // Sprint separates operands only when neither is a string; Sprintln always does.
            for (i, arg) in args.enumerated() {
                if i > 0, name == "println" || (!args[i - 1].isString && !arg.isString) { out += " " }
                out += arg.text
            }
            return .string(name == "println" ? out + "\n" : out)
        case "printf":
            return .string(GoPrintf.format(try string(0), Array(args.dropFirst())))
        case "eq":
            for other in args.dropFirst() where try equal(args[0], other, at: position) { return .bool(true) }
            return .bool(false)
        case "ne":
            return .bool(try !equal(args[0], args[1], at: position))
        case "lt", "le", "gt", "ge":
            let order = try compare(args[0], args[1], at: position)
            switch name {
            case "lt": return .bool(order < 0)
            case "le": return .bool(order <= 0)
            case "gt": return .bool(order > 0)
            default: return .bool(order >= 0)
            }
        case "join":
            if case .placeholder = args[1] { return args[1] }
            guard case .list(let items) = args[1] else {
                throw fail("wrong type for value; expected []string; got \(args[1].typeName)", at: position)
            }
            return .string(items.map(\.text).joined(separator: try string(0)))
        case "split":
            let (separator, text) = (try string(0), try string(1))
            if text.isEmpty { return .list([]) }
            if separator.isEmpty { return .list(text.map { .string(String($0)) }) }
            return .list(text.split(separator: separator, omittingEmptySubsequences: false).map { .string(String($0)) })
        case "toLower":
            return .string(try string(0).lowercased())
        case "toUpper":
            return .string(try string(0).uppercased())
        case "trimSpace":
            return .string(try string(0).trimmingGoSpace())
        case "replaceAll":
            let (from, to, text) = (try string(0), try string(1), try string(2))
            return .string(from.isEmpty ? text : text.split(separator: from, omittingEmptySubsequences: false).joined(separator: to))
        case "contains", "in":
            // contains(v, l) is in(l, v): does list or string l contain v?
            let (container, item) = name == "in" ? (args[0], args[1]) : (args[1], args[0])
            switch container {
            case .placeholder: return container
            case .list(let items): return .bool(items.contains(item))
            case .string(let s): return .bool(s.contains(try string(name == "in" ? 1 : 0)))
            default: throw fail("wrong type for value; expected list or string; got \(container.typeName)", at: position)
            }
        case "parseBool":
            let text = try string(0)
            switch text {
            case "1", "t", "T", "TRUE", "true", "True": return .bool(true)
            case "0", "f", "F", "FALSE", "false", "False": return .bool(false)
            default: throw fail("strconv.ParseBool: parsing \(GoQuote.quote(text)): invalid syntax", at: position)
            }
        case "parseInt":
            let text = try string(0)
            guard let value = Int(text) else {
                throw fail("strconv.ParseInt: parsing \(GoQuote.quote(text)): invalid syntax", at: position)
            }
            return .int(value)
        case "parseFloat":
            let text = try string(0)
            guard let value = Double(text) else {
                throw fail("strconv.ParseFloat: parsing \(GoQuote.quote(text)): invalid syntax", at: position)
            }
            return .double(value)
        case "toJSON":
            return .string(GoJSON.encode(args[0]))
        case "add", "subtract", "multiply", "divide", "modulo":
            // consul-template's math functions take (b, a) and compute a op b.
            return try arithmetic(name, args[1], args[0], at: position)
        default:
            return placeholder(for: name)
        }
    }

    private mutating func placeholder(for name: String) -> TemplateValue {
        placeholders.insert(name)
        switch template.functions.signature(of: name)?.category {
        case .vault: return .placeholder("SECRET_PLACEHOLDER")
        case .catalog, .nomad: return .placeholder("SERVICE_PLACEHOLDER")
        case .environment: return .placeholder("ENV_PLACEHOLDER")
        case .file: return .placeholder("FILE_PLACEHOLDER")
        default: return .placeholder(name == "timestamp" ? "TIMESTAMP_PLACEHOLDER" : "PLACEHOLDER")
        }
    }

    private func index(_ item: TemplateValue, _ keys: ArraySlice<TemplateValue>,
                       at position: TextPosition) throws(TemplateRenderError) -> TemplateValue {
        var current = item
        for key in keys {
            switch (current, key) {
            case (.placeholder, _), (_, .placeholder):
                return current.isPlaceholder ? current : key
            case (.list(let list), .int(let i)):
                guard list.indices.contains(i) else {
                    throw fail("error calling index: index out of range: \(i)", at: position)
                }
                current = list[i]
            case (.string(let s), .int(let i)):
                let bytes = Array(s.utf8)
                guard bytes.indices.contains(i) else {
                    throw fail("error calling index: index out of range: \(i)", at: position)
                }
                current = .int(Int(bytes[i]))
            case (.map(let map), .string(let k)):
                current = map[k] ?? .missing
            case (.missing, _):
                throw fail("error calling index: index of untyped nil", at: position)
            default:
                throw fail("error calling index: cannot index \(current.typeName) with \(key.typeName)", at: position)
            }
        }
        return current
    }

    private func equal(_ a: TemplateValue, _ b: TemplateValue, at position: TextPosition) throws(TemplateRenderError) -> Bool {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x == y
        case (.double(let x), .double(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.bool(let x), .bool(let y)): return x == y
        default: throw fail("error calling eq: incompatible types for comparison", at: position)
        }
    }

    /// -1, 0 or 1.
    private func compare(_ a: TemplateValue, _ b: TemplateValue, at position: TextPosition) throws(TemplateRenderError) -> Int {
        func order<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x == y ? 0 : 1) }
        switch (a, b) {
        case (.int(let x), .int(let y)): return order(x, y)
        case (.double(let x), .double(let y)): return order(x, y)
        case (.string(let x), .string(let y)): return order(x, y)
        default: throw fail("error calling lt: incompatible types for comparison", at: position)
        }
    }

    private func arithmetic(_ name: String, _ a: TemplateValue, _ b: TemplateValue,
                            at position: TextPosition) throws(TemplateRenderError) -> TemplateValue {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            switch name {
            case "add": return .int(x &+ y)
            case "subtract": return .int(x &- y)
            case "multiply": return .int(x &* y)
            default:
                guard y != 0 else { throw fail("error calling \(name): integer divide by zero", at: position) }
                // Go wraps Int.min / -1 to Int.min (remainder 0) where Swift would trap.
                return .int(name == "divide" ? x.dividedReportingOverflow(by: y).partialValue
                                             : x.remainderReportingOverflow(dividingBy: y).partialValue)
            }
        default:
            let values = [a, b].map { v -> Double? in
                switch v {
                case .int(let i): Double(i)
                case .double(let d): d
                default: nil
                }
            }
            guard let x = values[0], let y = values[1], name != "modulo" else {
                throw fail("error calling \(name): unknown type for \(a.text) (\(a.typeName))", at: position)
            }
            switch name {
            case "add": return .double(x + y)
            case "subtract": return .double(x - y)
            case "multiply": return .double(x * y)
            default: return .double(x / y)
            }
        }
    }
}

extension TemplateValue {
    var isString: Bool {
        if case .string = self { return true }
        return false
    }
}

extension String {
    /// strings.TrimSpace: Unicode white space at both ends.
    func trimmingGoSpace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }),
              let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }
}
