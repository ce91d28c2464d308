import Foundation

/// A compiled schema. Immutable and Sendable: validate from any number of threads at once.
public struct Schema: Sendable {
    let program: Program

    /// All errors found; empty when the instance is valid. An instance that exceeds a limit of
    /// `SchemaLimits` gets that one error instead: what was not checked is not valid.
    public func validate(_ instance: JSONValue) -> [ValidationError] {
        var evaluator = Evaluator(program: program, collectErrors: true)
        var annotations: Annotations?
        _ = evaluator.eval(program.root, instance, &annotations)
        return evaluator.limitError.map { [$0] } ?? evaluator.errors
    }

    /// Stops at the first failure and builds no messages.
    public func isValid(_ instance: JSONValue) -> Bool {
        var evaluator = Evaluator(program: program, collectErrors: false)
        var annotations: Annotations?
        return evaluator.eval(program.root, instance, &annotations) && evaluator.limitError == nil
    }
}

/// Bounds on one validation, so that a hostile schema or instance costs bounded time and stack.
public enum SchemaLimits {
    /// Subschemas entered and not yet left (through `$ref`s or the instance's own nesting).
    public static let depth = 128
    /// Subschema evaluations per validation: `$defs` that each `allOf` two `$ref`s to the next
    /// would otherwise take 2^n steps.
    public static let steps = 1_000_000
    /// ICU progress reports allowed for one `pattern` match beyond one per start position.
    /// ICU reports every ~10,000 backtracking steps, so this is about a million steps.
    public static let regexReports = 100
}

/// Which properties/items in-place applicators evaluated, for unevaluated*.
/// Per-call mutable state; `annotations` is nil unless an enclosing unevaluated* needs it.
struct Evaluator {
    let nodes: [Node]
    let dynamicAnchors: [[String: Int]]
    var collectErrors: Bool
    var errors: [ValidationError] = []
    var path: [PathToken] = []
    var depth = 0
    /// Dynamic scope: resources entered on the current evaluation path, outermost first.
    var scope: [Int] = []
    var refStack: [(node: Int, depth: Int)] = []
    var steps = 0
    var nesting = 0
    /// The first limit hit; from then on every evaluation fails at once.
    var limitError: ValidationError?

    init(program: Program, collectErrors: Bool) {
        nodes = program.nodes
        dynamicAnchors = program.dynamicAnchors
        self.collectErrors = collectErrors
    }

    mutating func eval(_ n: Int, _ v: JSONValue, _ ann: inout Annotations?) -> Bool {
        guard limitError == nil else { return false }
        steps += 1
        guard steps <= SchemaLimits.steps, nesting < SchemaLimits.depth else {
            exceeded(n, nil, steps > SchemaLimits.steps
                ? "schema evaluation exceeded its budget of \(SchemaLimits.steps) steps (kvctl limit); the value was not checked"
                : "schema evaluation nested deeper than \(SchemaLimits.depth) levels (kvctl limit); the value was not checked")
            return false
        }
        nesting += 1
        defer { nesting -= 1 }
        switch nodes[n].body {
        case .always(let ok):
            if !ok && collectErrors { fail(n, nil, "no value is allowed here (the schema is false)") }
            return ok
        case .keywords(let keywords):
            let resource = nodes[n].resource
            let pushed = scope.last != resource
            if pushed { scope.append(resource) }
            defer { if pushed { scope.removeLast() } }
            guard nodes[n].tracksEvaluated else { return evalKeywords(keywords, n, v, &ann) }
            var local: Annotations? = Annotations()
            let ok = evalKeywords(keywords, n, v, &local)
            if ok, ann != nil { ann!.merge(local!) }
            return ok
        }
    }

    mutating func evalKeywords(_ keywords: [Keyword], _ node: Int, _ v: JSONValue, _ ann: inout Annotations?) -> Bool {
        var valid = true
        for keyword in keywords where !evalKeyword(keyword, node, v, &ann) {
            valid = false
            if !collectErrors { return false }
        }
        return valid
    }

    func isFalse(_ n: Int) -> Bool {
        if case .always(false) = nodes[n].body { return true }
        return false
    }

    mutating func fail(_ node: Int, _ keyword: String?, _ message: String, at token: PathToken? = nil, causes: [ValidationError] = []) {
        errors.append(error(node, keyword, message, at: token, causes: causes))
    }

    func error(_ node: Int, _ keyword: String?, _ message: String, at token: PathToken? = nil, causes: [ValidationError] = []) -> ValidationError {
        var instancePath = PathToken.pointer(path)
        if let token { instancePath += PathToken.pointer([token]) }
        let node = nodes[node]
        return ValidationError(
            instancePath: instancePath,
            keywordLocation: keyword.map { node.location.pointer + "/" + $0 } ?? node.location.pointer,
            schemaURI: node.location.document, keyword: keyword ?? "false", message: message, causes: causes)
    }

    mutating func exceeded(_ node: Int, _ keyword: String?, _ message: String, at token: PathToken? = nil) {
        if limitError == nil { limitError = error(node, keyword ?? "limit", message, at: token) }
    }

    mutating func evalChild(_ n: Int, _ v: JSONValue, _ token: PathToken) -> Bool {
        if collectErrors { path.append(token) }
        depth += 1
        var none: Annotations?
        let ok = eval(n, v, &none)
        depth -= 1
        if collectErrors { path.removeLast() }
        return ok
    }

    /// Evaluates without building messages, e.g. for `not`, `if` and `contains`, whose inner failures are expected.
    mutating func quietly<T>(_ body: (inout Evaluator) -> T) -> T {
        let saved = collectErrors
        collectErrors = false
        defer { collectErrors = saved }
        return body(&self)
    }

    mutating func evalRef(_ target: Int, _ node: Int, _ keyword: String, _ v: JSONValue, _ ann: inout Annotations?) -> Bool {
        // Reaching the same target again without descending into the instance can never terminate.
        var k = refStack.count - 1
        while k >= 0 && refStack[k].depth == depth {
            if refStack[k].node == target {
                if collectErrors { fail(node, keyword, "infinite \(keyword) loop: the reference never descends into the instance") }
                return false
            }
            k -= 1
        }
        refStack.append((target, depth))
        defer { refStack.removeLast() }
        return eval(target, v, &ann)
    }

    /// ICU backtracks, so `(a+)+$` takes exponential time; Foundation's progress reports are the
    /// only way to stop it. A find reports once per start position and once per ~10,000 steps, so
    /// the budget allows one report per position plus `SchemaLimits.regexReports`.
    mutating func matches(_ regex: NSRegularExpression, _ s: String, _ node: Int, _ keyword: String, at token: PathToken? = nil) -> Bool {
        let length = s.utf16.count
        let budget = length + 1 + SchemaLimits.regexReports
        var reports = 0
        var found = false
        regex.enumerateMatches(in: s, options: [.reportProgress], range: NSRange(location: 0, length: length)) { match, _, stop in
            if match != nil {
                found = true
                stop.pointee = true
                return
            }
            reports += 1
            if reports > budget { stop.pointee = true }
        }
        if !found, reports > budget {
            exceeded(node, keyword, "pattern \(Describe.value(.string(regex.pattern))) needs more than about \(SchemaLimits.regexReports * 10_000) backtracking steps on this string (kvctl limit); the value was not checked", at: token)
        }
        return found
    }

    mutating func matchesAny(_ patterns: [NSRegularExpression], _ s: String, _ node: Int, _ keyword: String) -> Bool {
        for p in patterns where matches(p, s, node, keyword, at: .key(s)) { return true }
        return false
    }

    static func isMultiple(_ n: JSONNumber, of m: JSONNumber) -> Bool {
        if case .int(let a) = n.storage, case .int(let b) = m.storage { return a % b == 0 }
        let x = n.doubleValue
        let d = m.doubleValue
        let q = x / d
        // fmod is exact but too strict for decimal fractions like 0.0075 / 0.0001; fall back to it on overflow.
        guard q.isFinite else { return x.truncatingRemainder(dividingBy: d) == 0 }
        return abs(q - q.rounded()) <= abs(q) * 1e-10
    }

    mutating func evalKeyword(_ keyword: Keyword, _ node: Int, _ v: JSONValue, _ ann: inout Annotations?) -> Bool {
        switch keyword {
        case .ref(let target):
            return evalRef(target, node, "$ref", v, &ann)
        case .dynamicRef(var target, let anchor):
            if let anchor {
                for r in scope {
                    if let t = dynamicAnchors[r][anchor] {
                        target = t
                        break
                    }
                }
            }
            return evalRef(target, node, "$dynamicRef", v, &ann)
        case .type(let mask):
            if mask.matches(v) { return true }
            if collectErrors { fail(node, "type", "expected \(mask.description), got \(Describe.typed(v))") }
            return false
        case .enumeration(let values, let set):
            if set.contains(v) { return true }
            if collectErrors {
                fail(node, "enum", "value \(Describe.value(v)) is not one of the allowed values: \(Describe.list(values))")
            }
            return false
        case .const(let c):
            if v == c { return true }
            if collectErrors { fail(node, "const", "expected \(Describe.value(c)), got \(Describe.value(v))") }
            return false
        default:
            switch v {
            case .number(let n): return evalNumber(keyword, node, n)
            case .string(let s): return evalString(keyword, node, s)
            case .array(let a): return evalArray(keyword, node, v, a, &ann)
            case .object(let o): return evalObject(keyword, node, v, o, &ann)
            default: return evalApplicator(keyword, node, v, &ann)
            }
        }
    }

    mutating func evalNumber(_ keyword: Keyword, _ node: Int, _ n: JSONNumber) -> Bool {
        let failure: String
        switch keyword {
        case .multipleOf(let m):
            if Self.isMultiple(n, of: m) { return true }
            failure = "value \(n) is not a multiple of \(m)"
        case .maximum(let m):
            if n <= m { return true }
            failure = "value \(n) is greater than maximum \(m)"
        case .exclusiveMaximum(let m):
            if n < m { return true }
            failure = "value \(n) is not less than exclusive maximum \(m)"
        case .minimum(let m):
            if n >= m { return true }
            failure = "value \(n) is less than minimum \(m)"
        case .exclusiveMinimum(let m):
            if n > m { return true }
            failure = "value \(n) is not greater than exclusive minimum \(m)"
        default:
            var none: Annotations?
            return evalApplicator(keyword, node, .number(n), &none)
        }
        if collectErrors { fail(node, keyword.name, failure) }
        return false
    }

    mutating func evalString(_ keyword: Keyword, _ node: Int, _ s: String) -> Bool {
        let failure: String
        switch keyword {
        case .maxLength(let max):
            // Scalars never outnumber UTF-8 bytes, so short strings skip the count.
            if s.utf8.count <= max { return true }
            let length = s.unicodeScalars.count
            if length <= max { return true }
            failure = "string is \(Describe.plural(length, "character")) long, longer than maxLength \(max)"
        case .minLength(let min):
            if s.utf8.count >= min, s.unicodeScalars.count >= min { return true }
            failure = s.isEmpty ? "string must not be empty" : "string is \(Describe.plural(s.unicodeScalars.count, "character")) long, shorter than minLength \(min)"
        case .pattern(let source, let regex):
            if matches(regex, s, node, "pattern") { return true }
            failure = "string \(Describe.value(.string(s))) does not match pattern \(Describe.value(.string(source)))"
        case .format(let name, let format):
            if format.validate(s) { return true }
            failure = "\(Describe.value(.string(s))) is not a valid \(name)"
        default:
            var none: Annotations?
            return evalApplicator(keyword, node, .string(s), &none)
        }
        if collectErrors { fail(node, keyword.name, failure) }
        return false
    }

    mutating func evalArray(_ keyword: Keyword, _ node: Int, _ v: JSONValue, _ a: [JSONValue], _ ann: inout Annotations?) -> Bool {
        switch keyword {
        case .maxItems(let max):
            if a.count <= max { return true }
            if collectErrors { fail(node, "maxItems", "array has \(Describe.plural(a.count, "item")), more than maxItems \(max)") }
            return false
        case .minItems(let min):
            if a.count >= min { return true }
            if collectErrors { fail(node, "minItems", "array has \(Describe.plural(a.count, "item")), fewer than minItems \(min)") }
            return false
        case .uniqueItems:
            var seen: [JSONValue: Int] = [:]
            for (i, item) in a.enumerated() {
                if let first = seen.updateValue(i, forKey: item) {
                    if collectErrors { fail(node, "uniqueItems", "array items \(first) and \(i) are equal, but items must be unique") }
                    return false
                }
            }
            return true
        case .prefixItems(let subs):
            var valid = true
            for i in 0..<min(subs.count, a.count) where !evalChild(subs[i], a[i], .index(i)) {
                valid = false
                if !collectErrors { return false }
            }
            if let prefix = ann?.itemPrefix { ann?.itemPrefix = max(prefix, min(subs.count, a.count)) }
            return valid
        case .items(let sub, let from):
            ann?.allItems = true
            guard a.count > from else { return true }
            if isFalse(sub) {
                if collectErrors {
                    fail(node, "items", "array has \(Describe.plural(a.count, "item")), but only \(from) \(from == 1 ? "is" : "are") allowed")
                }
                return false
            }
            var valid = true
            for i in from..<a.count where !evalChild(sub, a[i], .index(i)) {
                valid = false
                if !collectErrors { return false }
            }
            return valid
        case .contains(let sub, let min, let max):
            var matched = 0
            quietly { e in
                for (i, item) in a.enumerated() where e.evalChild(sub, item, .index(i)) {
                    matched += 1
                    ann?.items.insert(i)
                    if ann == nil && max == nil && matched >= min { break }
                }
            }
            if matched < min {
                if collectErrors {
                    if min == 1 {
                        fail(node, "contains", "array does not contain any item matching the \"contains\" schema")
                    } else {
                        fail(node, "minContains", "array contains \(Describe.plural(matched, "matching item")), fewer than minContains \(min)")
                    }
                }
                return false
            }
            if let max, matched > max {
                if collectErrors { fail(node, "maxContains", "array contains \(Describe.plural(matched, "matching item")), more than maxContains \(max)") }
                return false
            }
            return true
        case .unevaluatedItems(let sub):
            var valid = true
            let evaluated = ann ?? Annotations()
            for i in a.indices where !evaluated.evaluated(item: i) {
                if isFalse(sub) {
                    if collectErrors { fail(node, "unevaluatedItems", "array item \(i) is not allowed by the schema", at: .index(i)) }
                    valid = false
                } else if !evalChild(sub, a[i], .index(i)) {
                    valid = false
                }
                if !valid && !collectErrors { return false }
            }
            ann?.allItems = true
            return valid
        default:
            return evalApplicator(keyword, node, v, &ann)
        }
    }

    mutating func evalObject(_ keyword: Keyword, _ node: Int, _ v: JSONValue, _ o: JSONObject, _ ann: inout Annotations?) -> Bool {
        switch keyword {
        case .maxProperties(let max):
            if o.count <= max { return true }
            if collectErrors { fail(node, "maxProperties", "object has \(Describe.plural(o.count, "property")), more than maxProperties \(max)") }
            return false
        case .minProperties(let min):
            if o.count >= min { return true }
            if collectErrors { fail(node, "minProperties", "object has \(Describe.plural(o.count, "property")), fewer than minProperties \(min)") }
            return false
        case .required(let names):
            var valid = true
            for name in names where o.position(of: name) == nil {
                if !collectErrors { return false }
                fail(node, "required", "missing required property \(Describe.value(.string(name)))")
                valid = false
            }
            return valid
        case .dependentRequired(let deps):
            var valid = true
            for (trigger, names) in deps where o.position(of: trigger) != nil {
                for name in names where o.position(of: name) == nil {
                    if !collectErrors { return false }
                    fail(node, "dependentRequired", "property \(Describe.value(.string(name))) is required when \(Describe.value(.string(trigger))) is present")
                    valid = false
                }
            }
            return valid
        case .properties(let table):
            var valid = true
            for (i, m) in o.members.enumerated() {
                guard let sub = table.lookup(m.key) else { continue }
                ann?.properties.insert(i)
                if !evalChild(sub, m.value, .key(m.key)) {
                    valid = false
                    if !collectErrors { return false }
                }
            }
            return valid
        case .patternProperties(let patterns):
            var valid = true
            for (i, m) in o.members.enumerated() {
                for p in patterns where matches(p.regex, m.key, node, "patternProperties", at: .key(m.key)) {
                    ann?.properties.insert(i)
                    if !evalChild(p.node, m.value, .key(m.key)) {
                        valid = false
                        if !collectErrors { return false }
                    }
                }
            }
            return valid
        case .additionalProperties(let sub, let known, let patterns):
            var valid = true
            for (i, m) in o.members.enumerated() where known.lookup(m.key) == nil && !matchesAny(patterns, m.key, node, "additionalProperties") {
                ann?.properties.insert(i)
                if isFalse(sub) {
                    if !collectErrors { return false }
                    fail(node, "additionalProperties", "property \(Describe.value(.string(m.key))) is not allowed", at: .key(m.key))
                    valid = false
                } else if !evalChild(sub, m.value, .key(m.key)) {
                    valid = false
                    if !collectErrors { return false }
                }
            }
            return valid
        case .propertyNames(let sub):
            var valid = true
            for m in o.members {
                let start = errors.count
                var none: Annotations?
                guard !eval(sub, .string(m.key), &none) else { continue }
                valid = false
                guard collectErrors else { return false }
                let causes = Array(errors[start...])
                errors.removeSubrange(start...)
                let reason = causes.first.map { ": " + $0.message } ?? ""
                fail(node, "propertyNames", "invalid property name \(Describe.value(.string(m.key)))\(reason)", at: .key(m.key), causes: causes)
            }
            return valid
        case .unevaluatedProperties(let sub):
            var valid = true
            let evaluated = ann ?? Annotations()
            for (i, m) in o.members.enumerated() where !evaluated.evaluated(property: i) {
                if isFalse(sub) {
                    if !collectErrors { return false }
                    fail(node, "unevaluatedProperties", "property \(Describe.value(.string(m.key))) is not allowed by the schema", at: .key(m.key))
                    valid = false
                } else if !evalChild(sub, m.value, .key(m.key)) {
                    valid = false
                    if !collectErrors { return false }
                }
            }
            ann?.allProperties = true
            return valid
        case .dependentSchemas(let deps):
            var valid = true
            for (trigger, sub) in deps where o.position(of: trigger) != nil && !eval(sub, v, &ann) {
                valid = false
                if !collectErrors { return false }
            }
            return valid
        default:
            return evalApplicator(keyword, node, v, &ann)
        }
    }

    /// In-place applicators that apply to every instance type.
    mutating func evalApplicator(_ keyword: Keyword, _ node: Int, _ v: JSONValue, _ ann: inout Annotations?) -> Bool {
        switch keyword {
        case .allOf(let subs):
            var valid = true
            for sub in subs where !eval(sub, v, &ann) {
                valid = false
                if !collectErrors { return false }
            }
            return valid
        case .anyOf(let subs):
            return evalAlternatives(subs, node, v, &ann, exactlyOne: false)
        case .oneOf(let subs):
            return evalAlternatives(subs, node, v, &ann, exactlyOne: true)
        case .not(let sub):
            let matched = quietly { e in
                var none: Annotations?
                return e.eval(sub, v, &none)
            }
            if matched && collectErrors { fail(node, "not", "value must not match the schema in \"not\"") }
            return !matched
        case .conditional(let condition, let then, let otherwise):
            var local: Annotations? = ann == nil ? nil : Annotations()
            let holds = quietly { e in e.eval(condition, v, &local) }
            if holds {
                if let local { ann?.merge(local) }
                return then.map { eval($0, v, &ann) } ?? true
            }
            return otherwise.map { eval($0, v, &ann) } ?? true
        default:
            // Keywords for other instance types (e.g. `required` on a string) do not apply.
            return true
        }
    }

    mutating func evalAlternatives(_ subs: [Int], _ node: Int, _ v: JSONValue, _ ann: inout Annotations?, exactlyOne: Bool) -> Bool {
        let start = errors.count
        var branchErrors: [[ValidationError]] = []
        var matches: [Int] = []
        for (i, sub) in subs.enumerated() {
            var local: Annotations? = ann == nil ? nil : Annotations()
            let before = errors.count
            if eval(sub, v, &local) {
                matches.append(i)
                if let local { ann?.merge(local) }
                // anyOf may stop at the first match unless annotations from every branch are needed.
                if !exactlyOne && ann == nil { break }
                if exactlyOne && matches.count > 1 { break }
            } else if collectErrors {
                branchErrors.append(Array(errors[before...]))
            }
        }
        errors.removeSubrange(start...)
        let name = exactlyOne ? "oneOf" : "anyOf"
        if matches.count == 1 || (!exactlyOne && !matches.isEmpty) { return true }
        guard collectErrors else { return false }
        if matches.isEmpty {
            fail(node, name, "value does not match any alternative in \(name): " + summarize(branchErrors), causes: branchErrors.flatMap { $0 })
        } else {
            fail(node, name, "value matches alternatives \(matches.map(String.init).joined(separator: " and ")) in oneOf, but must match exactly one")
        }
        return false
    }

    /// One line per failed branch: its first error, with the path relative to here.
    func summarize(_ branches: [[ValidationError]]) -> String {
        let here = PathToken.pointer(path)
        let shown = branches.prefix(4).enumerated().map { i, errs -> String in
            guard let e = errs.first else { return "[\(i)] invalid" }
            let relative = e.instancePath.dropFirst(here.count)
            return "[\(i)] " + (relative.isEmpty ? "" : "\(relative): ") + e.message
        }
        return shown.joined(separator: "; ") + (branches.count > 4 ? "; …" : "")
    }
}
