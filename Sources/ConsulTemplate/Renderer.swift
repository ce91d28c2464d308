import TextPositions

public struct RenderOptions: Sendable {
    /// How `if`, `with`, `and`, `or` and `not` judge an unknowable value (a placeholder).
    /// Render once with each setting to see both branches.
    public var placeholdersAreTruthy: Bool
    /// Nesting limit for `{{template}}` calls, against runaway recursion. Go stops at 100,000
    /// (text/template/exec.go, maxExecDepth); kvctl's is lower to stay within a worker thread's stack.
    public var maximumTemplateDepth: Int
    /// `{{template}}` calls in one rendering, against definitions that call each other many times.
    public var maximumTemplateCalls: Int
    /// Nodes, commands and range iterations executed in one rendering.
    public var maximumSteps: Int
    /// Bytes of output.
    public var maximumOutputBytes: Int

    public init(placeholdersAreTruthy: Bool = true, maximumTemplateDepth: Int = 100, maximumTemplateCalls: Int = 10_000,
                maximumSteps: Int = 1_000_000, maximumOutputBytes: Int = 16 << 20) {
        self.placeholdersAreTruthy = placeholdersAreTruthy
        self.maximumTemplateDepth = maximumTemplateDepth
        self.maximumTemplateCalls = maximumTemplateCalls
        self.maximumSteps = maximumSteps
        self.maximumOutputBytes = maximumOutputBytes
    }
}

/// A KV read that would make consul-template wait: `key` on an absent key, `ls`/`tree` on an
/// empty prefix. The renderer goes on with an empty value.
public struct BlockedKey: Equatable, Sendable {
    public let function: String
    public let key: String
    public let position: TextPosition
}

public struct RenderResult: Sendable {
    public let output: String
    public let sourceMap: SourceMap
    public let blockedKeys: [BlockedKey]
    /// Functions whose result was a placeholder or an assumption (secret, service, env,
    /// envOrDefault's default, unimplemented helpers…), sorted.
    public let placeholderFunctions: [String]

    /// Whether the output depends on something unknowable offline.
    public var usedPlaceholders: Bool { !placeholderFunctions.isEmpty }
}

extension ParsedTemplate {
    /// Executes the template against `lookup`, with `.` and `$` nil as in consul-template.
    public func render(using lookup: some KeyLookup, options: RenderOptions = RenderOptions())
        throws(TemplateRenderError) -> RenderResult {
        var execution = Execution(template: self, lookup: lookup, options: options)
        _ = try execution.walk(root, dot: .missing)
        let bytes = execution.output
        let map = SourceMap(segments: execution.segments, output: LineIndex(bytes), template: lines)
        return RenderResult(output: String(decoding: bytes, as: UTF8.self), sourceMap: map,
                            blockedKeys: execution.blocked, placeholderFunctions: execution.placeholders.sorted())
    }
}

struct Execution<Lookup: KeyLookup> {
    enum Flow { case normal, breakLoop, continueLoop }

    let template: ParsedTemplate
    let lookup: Lookup
    let options: RenderOptions
    var output: [UInt8] = []
    var segments: [SourceMap.Segment] = []
    var variables = Bindings(dot: .missing)
    var blocked: [BlockedKey] = []
    var placeholders: Set<String> = []
    var depth = 0
    var calls = 0
    var steps = 0

    init(template: ParsedTemplate, lookup: Lookup, options: RenderOptions) {
        self.template = template
        self.lookup = lookup
        self.options = options
    }

    func fail(_ message: String, at position: TextPosition) -> TemplateRenderError {
        TemplateRenderError(message, name: template.name, at: position)
    }

    func isTrue(_ value: TemplateValue) -> Bool { value.isTrue(placeholders: options.placeholdersAreTruthy) }

    /// Counts one unit of work against the render budget.
    mutating func step(at position: TextPosition) throws(TemplateRenderError) {
        steps += 1
        guard steps <= options.maximumSteps else {
            throw fail("render budget exceeded: more than \(options.maximumSteps) steps (kvctl limit)", at: position)
        }
    }

    mutating func write(_ text: String, from position: TextPosition, verbatim: Bool) throws(TemplateRenderError) {
        guard !text.isEmpty else { return }
        guard output.count + text.utf8.count <= options.maximumOutputBytes else { throw outputTooLarge(at: position) }
        segments.append(SourceMap.Segment(outputStart: output.count, templateOffset: position.offset, verbatim: verbatim))
        output.append(contentsOf: text.utf8)
    }

    // MARK: Nodes

    mutating func walk(_ nodes: [TemplateNode], dot: TemplateValue) throws(TemplateRenderError) -> Flow {
        for node in nodes {
            let flow = try walk(node, dot: dot)
            if flow != .normal { return flow }
        }
        return .normal
    }

    mutating func walk(_ node: TemplateNode, dot: TemplateValue) throws(TemplateRenderError) -> Flow {
        try step(at: node.position)
        switch node {
        case .text(let text, let position):
            try write(text, from: position, verbatim: true)
        case .action(let pipeline, let position):
            let value = try evaluate(pipeline, dot: dot)
            if pipeline.declarations.isEmpty { try write(value.text, from: position, verbatim: false) }
        case .control(let control):
            let mark = variables.count
            defer { variables.pop(to: mark) }
            return control.kind == .range ? try range(control, dot: dot) : try ifOrWith(control, dot: dot)
        case .template(let name, let pipeline, let position):
            try call(name, pipeline: pipeline, dot: dot, at: position)
        case .breakLoop:
            return .breakLoop
        case .continueLoop:
            return .continueLoop
        }
        return .normal
    }

    private mutating func ifOrWith(_ control: TemplateControl, dot: TemplateValue) throws(TemplateRenderError) -> Flow {
        let value = try evaluate(control.pipeline, dot: dot)
        if isTrue(value) { return try walk(control.body, dot: control.kind == .with ? value : dot) }
        if let elseBody = control.elseBody { return try walk(elseBody, dot: dot) }
        return .normal
    }

    private mutating func range(_ control: TemplateControl, dot: TemplateValue) throws(TemplateRenderError) -> Flow {
        let value = try evaluateCommands(control.pipeline, dot: dot)
        // Items are made one at a time: `range 1000000000` must cost steps, not memory.
        let count: Int
        let item: (Int) -> (key: TemplateValue, element: TemplateValue)
        switch value {
        case .list(let list):
            count = list.count
            item = { (.int($0), list[$0]) }
        case .map(let map):
            let keys = map.keys.sorted(by: { $0.precedesInUTF8($1) })
            count = keys.count
            item = { (.string(keys[$0]), map[keys[$0]]!) }
        case .int(let n):
            count = max(n, 0)
            item = { (.int($0), .int($0)) }
        case .counter(let start, let stop):
            count = stop - start
            item = { (.int($0), .int(start + $0)) }
        case .placeholder:
            count = 1
            item = { _ in (.int(0), value) }
        case .missing:
            count = 0
            item = { _ in (.missing, .missing) }
        default: throw fail("range can't iterate over \(value.text)", at: control.position)
        }
        if count == 0 {
            if let elseBody = control.elseBody { return try walk(elseBody, dot: dot) }
            return .normal
        }
        let declarations = control.pipeline.declarations
        for index in 0..<count {
            try step(at: control.position)
            let (key, element) = item(index)
            let mark = variables.count
            // One variable gets the element; two get the index (or key) and the element.
            let bound: [TemplateValue] = declarations.count > 1 ? [key, element] : [element]
            for (name, value) in zip(declarations, bound) {
                if control.pipeline.isAssignment { variables.assign(name, value) } else { variables.declare(name, value) }
            }
            let flow = try walk(control.body, dot: element)
            variables.pop(to: mark)
            if flow == .breakLoop { break }
        }
        return .normal
    }

    private mutating func call(_ name: String, pipeline: TemplatePipeline?, dot: TemplateValue,
                               at position: TextPosition) throws(TemplateRenderError) {
        guard let body = template.definitions[name] else {
            throw fail("no such template \(GoQuote.quote(name))", at: position)
        }
        guard depth < options.maximumTemplateDepth else {
            throw fail("exceeded maximum template depth (\(options.maximumTemplateDepth), kvctl limit)", at: position)
        }
        calls += 1
        guard calls <= options.maximumTemplateCalls else {
            throw fail("render budget exceeded: more than \(options.maximumTemplateCalls) template calls (kvctl limit)", at: position)
        }
        var newDot = TemplateValue.missing
        if let pipeline { newDot = try evaluate(pipeline, dot: dot) }
        let saved = variables
        variables = Bindings(dot: newDot)
        depth += 1
        defer {
            depth -= 1
            variables = saved
        }
        _ = try walk(body, dot: newDot)
    }

    // MARK: Pipelines

    mutating func evaluate(_ pipeline: TemplatePipeline, dot: TemplateValue) throws(TemplateRenderError) -> TemplateValue {
        let value = try evaluateCommands(pipeline, dot: dot)
        for name in pipeline.declarations {
            if pipeline.isAssignment { variables.assign(name, value) } else { variables.declare(name, value) }
        }
        return value
    }

    private mutating func evaluateCommands(_ pipeline: TemplatePipeline, dot: TemplateValue) throws(TemplateRenderError) -> TemplateValue {
        var value: TemplateValue?
        for command in pipeline.commands { value = try evaluate(command, dot: dot, final: value) }
        return value ?? .missing
    }

    /// `final` is the previous pipeline stage's value, passed as the last argument.
    private mutating func evaluate(_ command: TemplateCommand, dot: TemplateValue,
                                   final: TemplateValue?) throws(TemplateRenderError) -> TemplateValue {
        try step(at: command.position)
        let first = command.arguments[0]
        let rest = command.arguments.dropFirst()
        if case .function(let name) = first.kind {
            return try call(name, rest, dot: dot, final: final, at: first.position)
        }
        guard rest.isEmpty, final == nil else {
            throw fail("can't give argument to non-function", at: first.position)
        }
        return try evaluate(first, dot: dot)
    }

    private mutating func evaluate(_ operand: TemplateOperand, dot: TemplateValue) throws(TemplateRenderError) -> TemplateValue {
        switch operand.kind {
        case .function(let name):
            return try call(name, [], dot: dot, final: nil, at: operand.position)
        case .dot:
            return dot
        case .nilValue:
            return .missing
        case .field(let names):
            return try fields(names, of: dot, at: operand.position)
        case .variable(let name, let names):
            let value = variables.value(of: name) ?? .missing
            return try fields(names, of: value, at: operand.position)
        case .string(let s):
            return .string(s)
        case .number(let n):
            return n.integer.map(TemplateValue.int) ?? .double(n.double)
        case .bool(let b):
            return .bool(b)
        case .pipeline(let pipeline):
            return try evaluate(pipeline, dot: dot)
        case .chain(let base, let names):
            return try fields(names, of: try evaluate(base, dot: dot), at: operand.position)
        }
    }

    /// Field access with consul-template's `missingkey=zero` (hashicorp/consul-template
    /// template/template.go): a field of the nil data root is no value, an absent map entry is
    /// Go's nil interface, and a field of that nil interface is an error (text/template/exec.go, evalField).
    private func fields(_ names: [String], of value: TemplateValue, at position: TextPosition) throws(TemplateRenderError) -> TemplateValue {
        var current = value
        var absentEntry = false
        for name in names {
            switch current {
            case .map(let map):
                absentEntry = map[name] == nil
                current = map[name] ?? .missing
            case .pair(let pair):
                guard let field = pair.fields.first(where: { $0.name == name }) else {
                    throw fail("can't evaluate field \(name) in type \(current.typeName)", at: position)
                }
                current = field.value
            case .placeholder:
                continue
            case .missing where absentEntry:
                throw fail("nil pointer evaluating interface {}.\(name)", at: position)
            case .missing:
                continue
            default:
                throw fail("can't evaluate field \(name) in type \(current.typeName)", at: position)
            }
        }
        return current
    }

    /// `and`/`or` stop at the first deciding argument, as Go does; other functions get all
    /// arguments evaluated.
    private mutating func call(_ name: String, _ operands: ArraySlice<TemplateOperand>, dot: TemplateValue,
                               final: TemplateValue?, at position: TextPosition) throws(TemplateRenderError) -> TemplateValue {
        let count = operands.count + (final == nil ? 0 : 1)
        if let problem = template.functions.signature(of: name)?.arityProblem(count) { throw fail(problem, at: position) }
        if name == "and" || name == "or" {
            var value = TemplateValue.missing
            for i in 0..<count {
                value = i < operands.count ? try evaluate(operands[operands.startIndex + i], dot: dot) : final!
                if isTrue(value) == (name == "or") { return value }
            }
            return value
        }
        var arguments: [TemplateValue] = []
        for operand in operands { arguments.append(try evaluate(operand, dot: dot)) }
        if let final { arguments.append(final) }
        return try invoke(name, arguments, at: position)
    }
}

/// Variables in scope while rendering: the innermost binding of a name is found in O(1).
struct Bindings {
    private var entries: [(name: String, value: TemplateValue, shadowed: Int?)] = []
    private var latest: [String: Int] = [:]

    init(dot: TemplateValue) { declare("$", dot) }

    var count: Int { entries.count }

    func value(of name: String) -> TemplateValue? { latest[name].map { entries[$0].value } }

    mutating func declare(_ name: String, _ value: TemplateValue) {
        entries.append((name, value, latest[name]))
        latest[name] = entries.count - 1
    }

    mutating func assign(_ name: String, _ value: TemplateValue) {
        if let index = latest[name] { entries[index].value = value }
    }

    /// Keeps only the first `mark` bindings.
    mutating func pop(to mark: Int) {
        while entries.count > mark {
            let entry = entries.removeLast()
            latest[entry.name] = entry.shadowed
        }
    }
}
