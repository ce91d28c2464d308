import Foundation
import JSONSchema
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
                                    "subtract", "multiply", "divide", "modulo", "toJSON", "toJSONPretty", "trim", "trimPrefix",
                                    "trimSuffix", "regexReplaceAll", "regexMatch", "parseJSON", "parseUint", "indent", "slice",
                                    "base64Encode", "base64Decode", "base64URLEncode", "base64URLDecode", "html", "urlquery"]
        if let unknown = args.first(where: \.isPlaceholder),
           derived.contains(name) || template.functions.signature(of: name)?.category == .consulKV {
            return unknown
        }
        switch name {
        case "key", "keyExists", "keyOrDefault":
            let key = ParsedTemplate.splitDatacenter(try string(0)).0
            // An empty path reads nothing and waits on nothing (template/funcs.go, keyFunc and friends).
            let value = key.isEmpty ? nil : lookup.value(forKey: key)
            if name == "keyExists" { return .bool(value != nil) }
            // keyOrDefault takes the default for an absent key and for an empty value alike.
            if name == "keyOrDefault" {
                if let value, !value.isEmpty { return .string(value) }
                return .string(try string(1))
            }
            if let value { return .string(value) }
            if !key.isEmpty { blocked.append(BlockedKey(function: name, key: key, position: position)) }
            return .string("")
        case "ls", "safeLs", "tree", "safeTree":
            let prefix = ParsedTemplate.splitDatacenter(try string(0)).0
            if prefix.isEmpty { return .list([]) }
            let pairs = lookup.pairs(underPrefix: prefix, recursive: name.hasSuffix("ree"))
            // consul-template renders `ls`/`tree` of an empty prefix as an empty list; only the safe
            // variants wait for keys (template/funcs.go: lsFunc and treeFunc, emptyIsSafe false).
            if pairs.isEmpty, name.hasPrefix("safe") {
                blocked.append(BlockedKey(function: name, key: prefix, position: position))
            }
            return .list(pairs.map(TemplateValue.pair))
        case "env", "mustEnv", "envOrDefault":
            // consul-template's env functions (template/funcs.go envFunc, mustEnvFunc, envWithDefaultFunc).
            let variable = try string(0)
            guard let environment = lookup.environment else {
                if name == "envOrDefault" { placeholders.insert(name); return .string(try string(1)) }
                return placeholder(for: name)
            }
            let value = environment[variable]
            if name == "envOrDefault" {
                if let value { return .string(value) }
                return .string(try string(1))
            }
            if name == "mustEnv", (value ?? "").isEmpty {
                throw fail("error calling mustEnv: required environment variable \(variable) is empty", at: position)
            }
            return .string(value ?? "")
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
        case "slice":
            return try slice(args[0], args.dropFirst(), at: position)
        case "print", "println":
            return .string(Self.sprint(args, line: name == "println"))
        case "printf":
            return .string(GoPrintf.format(try string(0), Array(args.dropFirst())))
        case "html", "urlquery":
            // text/template's evalArgs: one string argument as is, anything else through fmt.Sprint.
            let text = args.count == 1 && args[0].isString ? try string(0) : Self.sprint(args, line: false)
            return .string(name == "html" ? StringFunctions.htmlEscape(text) : StringFunctions.queryEscape(text))
        case "eq":
            for other in args.dropFirst() where try equal(args[0], other, name: name, at: position) { return .bool(true) }
            return .bool(false)
        case "ne":
            return .bool(try !equal(args[0], args[1], name: name, at: position))
        case "lt", "le", "gt", "ge":
            // text/template/funcs.go: le is lt or eq, gt is not le, ge is not lt.
            let order = try compare(args[0], args[1], name: name, at: position)
            switch name {
            case "lt": return .bool(order < 0)
            case "le": return .bool(order <= 0)
            case "gt": return .bool(order > 0)
            default: return .bool(order >= 0)
            }
        case "join":
            if case .placeholder = args[1] { return args[1] }
            // join takes a []string (template/funcs.go): split's result, not a list of other values.
            guard case .list(let items) = args[1], items.allSatisfy(\.isString) else {
                throw fail("wrong type for value; expected []string; got \(args[1].typeName)", at: position)
            }
            return .string(items.map(\.text).joined(separator: try string(0)))
        case "split":
            return .list(StringFunctions.split(try string(1), by: try string(0)).map(TemplateValue.string))
        case "toLower", "toUpper":
            return .string(StringFunctions.mapCase(try string(0), upper: name == "toUpper"))
        case "trimSpace":
            return .string(try string(0).trimmingGoSpace())
        case "trim":
            return .string(StringFunctions.trim(try string(1), cutset: try string(0)))
        case "trimPrefix", "trimSuffix":
            let (affix, text) = (try string(0), try string(1))
            let prefix = name == "trimPrefix"
            guard !affix.isEmpty, prefix ? text.utf8.starts(with: affix.utf8) : text.utf8.reversed().starts(with: affix.utf8.reversed()) else {
                return .string(text)
            }
            let bytes = Array(text.utf8)
            return .string(String(decoding: prefix ? bytes[affix.utf8.count...] : bytes[..<(bytes.count - affix.utf8.count)], as: UTF8.self))
        case "indent":
            guard case .int(let spaces) = args[0] else {
                throw fail("wrong type for value; expected int; got \(args[0].typeName)", at: position)
            }
            guard spaces >= 0 else { throw fail("error calling indent: indent value must be a positive integer", at: position) }
            let text = try string(1)
            let lines = text.utf8.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
            // A value this large could never be written: refuse it before building it.
            let (prefixes, overflow) = spaces.multipliedReportingOverflow(by: lines)
            try fitsOutput(overflow ? Int.max : prefixes &+ text.utf8.count, at: position)
            return .string(StringFunctions.indent(text, spaces: spaces))
        case "replaceAll":
            let (old, new, text) = (try string(0), try string(1), try string(2))
            let occurrences = old.isEmpty ? text.unicodeScalars.count + 1 : text.components(separatedByBytes: old).count - 1
            let (added, overflow) = occurrences.multipliedReportingOverflow(by: new.utf8.count)
            try fitsOutput(overflow ? Int.max : added &+ text.utf8.count, at: position)
            return .string(StringFunctions.replaceAll(text, old, new))
        case "regexReplaceAll", "regexMatch":
            do {
                let regex = try GoRegex(try string(0))
                if name == "regexMatch" { return .bool(try regex.matches(try string(1))) }
                return .string(try regex.replaceAll(in: try string(2), with: try string(1), limit: options.maximumOutputBytes))
            } catch GoRegex.Failure.syntax(let message) {
                throw fail("error calling \(name): \(message)", at: position)
            } catch GoRegex.Failure.budget {
                throw fail("render budget exceeded: \(name) needs more than about \(GoRegex.progressReports * 10_000) backtracking steps (kvctl limit)", at: position)
            } catch GoRegex.Failure.tooLarge {
                throw outputTooLarge(at: position)
            } catch {
                throw error as! TemplateRenderError
            }
        case "contains", "in":
            // contains(v, l) is in(l, v): a list holding v (same kind), or a string holding the string v;
            // anything else is false, not an error (template/funcs.go, in).
            let (container, item) = name == "in" ? (args[0], args[1]) : (args[1], args[0])
            switch (container, item) {
            case (.placeholder, _): return container
            case (.list(let items), _): return .bool(items.contains { Self.sameKind($0, item) && $0 == item })
            case (.string(let s), .string(let v)): return .bool(s.containsBytes(v))
            default: return .bool(false)
            }
        case "containsAll", "containsAny", "containsNone", "containsNotAll":
            guard case .list(let wanted) = args[0] else {
                throw fail("wrong type for value; expected []interface {}; got \(args[0].typeName)", at: position)
            }
            func has(_ v: TemplateValue) -> Bool {
                switch args[1] {
                case .list(let items): items.contains { Self.sameKind($0, v) && $0 == v }
                case .string(let s): v.isString && s.containsBytes(v.text)
                default: false
                }
            }
            switch name {
            case "containsAll": return .bool(wanted.allSatisfy(has))
            case "containsAny": return .bool(wanted.contains(where: has))
            case "containsNone": return .bool(!wanted.contains(where: has))
            default: return .bool(!wanted.allSatisfy(has))
            }
        case "parseBool":
            let text = try string(0)
            switch text {
            case "": return .bool(false)
            case "1", "t", "T", "TRUE", "true", "True": return .bool(true)
            case "0", "f", "F", "FALSE", "false", "False": return .bool(false)
            default: throw fail("error calling parseBool: parseBool: strconv.ParseBool: parsing \(GoQuote.quote(text)): invalid syntax", at: position)
            }
        case "parseInt", "parseUint":
            let text = try string(0)
            if text.isEmpty { return .int(0) }
            guard let value = Int(text), name == "parseInt" || value >= 0 && !text.hasPrefix("+") else {
                let go = name == "parseInt" ? "strconv.ParseInt" : "strconv.ParseUint"
                throw fail("error calling \(name): \(name): \(go): parsing \(GoQuote.quote(text)): invalid syntax", at: position)
            }
            return .int(value)
        case "parseFloat":
            let text = try string(0)
            if text.isEmpty { return .double(0) }
            guard let value = Double(text) else {
                throw fail("error calling parseFloat: parseFloat: strconv.ParseFloat: parsing \(GoQuote.quote(text)): invalid syntax", at: position)
            }
            return .double(value)
        case "parseJSON":
            do {
                return try StringFunctions.parseJSON(try string(0))
            } catch let error as JSONParseError {
                throw fail("error calling parseJSON: \(error)", at: position)
            } catch {
                throw error as! TemplateRenderError
            }
        case "toJSON":
            return .string(GoJSON.encode(args[0]))
        case "toJSONPretty":
            return .string(GoJSON.encode(args[0], indent: "  "))
        case "base64Encode", "base64URLEncode":
            let encoded = Data(try string(0).utf8).base64EncodedString()
            return .string(name == "base64Encode" ? encoded
                : encoded.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_"))
        case "base64Decode", "base64URLDecode":
            var text = try string(0)
            if name == "base64URLDecode" {
                text = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            }
            guard !text.contains("\n"), !text.contains("\r"), let data = Data(base64Encoded: text) else {
                throw fail("error calling \(name): \(name): illegal base64 data", at: position)
            }
            return .string(String(decoding: data, as: UTF8.self))
        case "loop":
            // consul-template's loop: [start, stop) one by one; ranged over like Go's channel.
            let bounds = try args.map { value throws(TemplateRenderError) -> Int in
                switch value {
                case .int(let i): return i
                case .string(let s) where Int(s) != nil: return Int(s)!
                default: throw fail("error calling loop: loop: bad argument type: \(value.typeName)", at: position)
                }
            }
            let (start, stop) = bounds.count == 1 ? (0, bounds[0]) : (bounds[0], bounds[1])
            return .counter(start, max(stop, start))
        case "add", "subtract", "multiply", "divide", "modulo":
            // consul-template's math functions take (b, a) and compute a op b.
            return try arithmetic(name, args[1], args[0], at: position)
        default:
            return placeholder(for: name)
        }
    }

    /// A value larger than the output budget could never be written; string functions check
    /// before building one, so a template cannot ask for gigabytes in a single call.
    func fitsOutput(_ bytes: Int, at position: TextPosition) throws(TemplateRenderError) {
        guard bytes <= options.maximumOutputBytes else { throw outputTooLarge(at: position) }
    }

    func outputTooLarge(at position: TextPosition) -> TemplateRenderError {
        fail("render budget exceeded: output larger than \(options.maximumOutputBytes) bytes (kvctl limit)", at: position)
    }

    /// fmt.Sprint (spaces between operands when neither is a string) or fmt.Sprintln (always, and a newline).
    static func sprint(_ args: [TemplateValue], line: Bool) -> String {
        var out = ""
        for (i, arg) in args.enumerated() {
            if i > 0, line || (!args[i - 1].isString && !arg.isString) { out += " " }
            out += arg.text
        }
        return line ? out + "\n" : out
    }

    /// Go's kinds for `in`: strings match strings, integers integers, floats floats.
    static func sameKind(_ a: TemplateValue, _ b: TemplateValue) -> Bool {
        switch (a, b) {
        case (.string, .string), (.int, .int), (.double, .double): true
        default: false
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

    /// text/template/funcs.go `eq`: values of one basic kind compare; a missing value equals
    /// nothing (no error, as Go skips the kind check for an invalid operand); other mixes are errors.
    private func equal(_ a: TemplateValue, _ b: TemplateValue, name: String, at position: TextPosition) throws(TemplateRenderError) -> Bool {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x == y
        case (.double(let x), .double(let y)): return x == y
        case (.string(let x), .string(let y)): return x.utf8.elementsEqual(y.utf8)
        case (.bool(let x), .bool(let y)): return x == y
        case (.missing, .missing): return true
        case (.missing, _), (_, .missing): return false
        case (.list, .list), (.map, .map):
            throw fail("error calling \(name): non-comparable types \(a.text): \(a.typeName), \(b.typeName): \(b.text)", at: position)
        default: throw fail("error calling \(name): incompatible types for comparison", at: position)
        }
    }

    /// -1, 0 or 1, as text/template/funcs.go `lt`: ints, floats and strings order within their kind;
    /// two different kinds are "incompatible", bools, lists, maps and nil "invalid" for comparison.
    private func compare(_ a: TemplateValue, _ b: TemplateValue, name: String, at position: TextPosition) throws(TemplateRenderError) -> Int {
        func order<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x == y ? 0 : 1) }
        func orderable(_ v: TemplateValue) -> Bool {
            switch v {
            case .int, .double, .string, .bool: true
            default: false
            }
        }
        guard orderable(a), orderable(b) else { throw fail("error calling \(name): invalid type for comparison", at: position) }
        switch (a, b) {
        case (.int(let x), .int(let y)): return order(x, y)
        case (.double(let x), .double(let y)): return order(x, y)
        case (.string(let x), .string(let y)): return x.precedesInUTF8(y) ? -1 : (x.utf8.elementsEqual(y.utf8) ? 0 : 1)
        case (.bool, .bool): throw fail("error calling \(name): invalid type for comparison", at: position)
        default: throw fail("error calling \(name): incompatible types for comparison", at: position)
        }
    }

    /// text/template/funcs.go `slice`: `slice x 1 2` is x[1:2]; strings by byte, at most two indexes.
    private func slice(_ item: TemplateValue, _ indexes: ArraySlice<TemplateValue>,
                       at position: TextPosition) throws(TemplateRenderError) -> TemplateValue {
        var bounds: [Int] = []
        for index in indexes {
            guard case .int(let i) = index else {
                throw fail("error calling slice: cannot index slice/array with type \(index.typeName)", at: position)
            }
            bounds.append(i)
        }
        let length: Int
        switch item {
        case .placeholder: return item
        case .string(let s):
            guard bounds.count <= 2 else { throw fail("error calling slice: cannot 3-index slice a string", at: position) }
            length = s.utf8.count
        case .list(let l): length = l.count
        case .missing: throw fail("error calling slice: slice of untyped nil", at: position)
        default: throw fail("error calling slice: can't slice item of type \(item.typeName)", at: position)
        }
        guard bounds.count <= 3 else { throw fail("error calling slice: too many slice indexes: \(bounds.count)", at: position) }
        let low = bounds.first ?? 0, high = bounds.count > 1 ? bounds[1] : length
        for i in bounds where i < 0 || i > length {
            throw fail("error calling slice: index out of range: \(i)", at: position)
        }
        guard low <= high else { throw fail("error calling slice: invalid slice index: \(low) > \(high)", at: position) }
        switch item {
        case .string(let s): return .string(String(decoding: Array(s.utf8)[low..<high], as: UTF8.self))
        case .list(let l): return .list(Array(l[low..<high]))
        default: return item
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
    /// strings.Contains, by bytes.
    func containsBytes(_ needle: String) -> Bool {
        needle.isEmpty || components(separatedByBytes: needle).count > 1
    }

    /// strings.TrimSpace: Unicode white space at both ends.
    func trimmingGoSpace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }),
              let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }
}
