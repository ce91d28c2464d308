import TextPositions

public struct RenderOptions: Sendable {
    /// How `if`, `with`, `and`, `or` and `not` judge an unknowable value (a placeholder).
    /// Render once with each setting to see both branches.
    public var placeholdersAreTruthy: Bool
    /// Nesting limit for `{{template}}` calls, against runaway recursion.
    public var maximumTemplateDepth: Int

    public init(placeholdersAreTruthy: Bool = true, maximumTemplateDepth: Int = 1000) {
        self.placeholdersAreTruthy = placeholdersAreTruthy
        self.maximumTemplateDepth = maximumTemplateDepth
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
    var variables: [(name: String, value: TemplateValue)] = [("$", .missing)]
    var blocked: [BlockedKey] = []
    var placeholders: Set<String> = []
    var depth = 0

    init(template: ParsedTemplate, lookup: Lookup, options: RenderOptions) {
        self.template = template
        self.lookup = lookup
        self.options = options
    }

    func fail(_ message: String, at position: TextPosition) -> TemplateRenderError {
        TemplateRenderError(message, name: template.name, at: position)
    }

    func isTrue(_ value: TemplateValue) -> Bool { value.isTrue(placeholders: options.placeholdersAreTruthy) }

    mutating func write(_ text: String, from offset: Int, verbatim: Bool) {
        guard !text.isEmpty else { return }
        segments.append(SourceMap.Segment(outputStart: output.count, templateOffset: offset, verbatim: verbatim))
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
        switch node {
        case .text(let text, let position):
            write(text, from: position.offset, verbatim: true)
        case .action(let pipeline, let position):
            let value = try evaluate(pipeline, dot: dot)
            if pipeline.declarations.isEmpty { write(value.text, from: position.offset, verbatim: false) }
        case .control(let control):
            let mark = variables.count
            defer { variables.removeLast(variables.count - mark) }
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
        let items: [(key: TemplateValue, element: TemplateValue)]
        switch value {
        case .list(let list): items = list.enumerated().map { (.int($0.offset), $0.element) }
        case .map(let map): items = map.keys.sorted().map { (.string($0), map[$0]!) }
        case .int(let n): items = (0..<max(n, 0)).map { (.int($0), .int($0)) }
        case .placeholder: items = [(.int(0), value)]
        case .missing: items = []
        default: throw fail("range can't iterate over \(value.text)", at: control.position)
        }
        if items.isEmpty {
            if let elseBody = control.elseBody { return try walk(elseBody, dot: dot) }
            return .normal
        }
        let declarations = control.pipeline.declarations
        for item in items {
            let mark = variables.count
            // One variable gets the element; two get the index (or key) and the element.
            let bound: [TemplateValue] = declarations.count > 1 ? [item.key, item.element] : [item.element]
            for (name, value) in zip(declarations, bound) {
                if control.pipeline.isAssignment { assign(name, value) } else { variables.append((name, value)) }
            }
            let flow = try walk(control.body, dot: item.element)
            variables.removeLast(variables.count - mark)
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
            throw fail("exceeded maximum template depth (\(options.maximumTemplateDepth))", at: position)
        }
        var newDot = TemplateValue.missing
        if let pipeline { newDot = try evaluate(pipeline, dot: dot) }
        let saved = variables
        variables = [("$", newDot)]
        depth += 1
        defer {
            depth -= 1
            variables = saved
        }
        _ = try walk(body, dot: newDot)
    }

    // MARK: Pipelines

    mutating func assign(_ name: String, _ value: TemplateValue) {
        if let index = variables.lastIndex(where: { $0.name == name }) { variables[index].value = value }
    }

    mutating func evaluate(_ pipeline: TemplatePipeline, dot: TemplateValue) throws(TemplateRenderError) -> TemplateValue {
        let value = try evaluateCommands(pipeline, dot: dot)
        for name in pipeline.declarations {
            if pipeline.isAssignment { assign(name, value) } else { variables.append((name, value)) }
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
            let value = variables.last { $0.name == name }?.value ?? .missing
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

    private func fields(_ names: [String], of value: TemplateValue, at position: TextPosition) throws(TemplateRenderError) -> TemplateValue {
        var current = value
        for name in names {
            switch current {
            case .map(let map):
                current = map[name] ?? .missing
            case .pair(let pair) where name == "Key":
                current = .string(pair.key)
            case .pair(let pair) where name == "Value":
                current = .string(pair.value)
            case .placeholder:
                continue
            case .missing:
                throw fail("nil data; no entry for key \(GoQuote.quote(name))", at: position)
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
