import TextPositions

/// Parses Go text/template syntax with consul-template's functions.
public struct TemplateParser: Sendable {
    /// Used in error messages, like Go's template name.
    public var name: String
    public var leftDelimiter: String
    public var rightDelimiter: String
    public var functions: FunctionTable

    public init(name: String = "template", leftDelimiter: String = "{{", rightDelimiter: String = "}}",
                functions: FunctionTable = .consulTemplate) {
        self.name = name
        self.leftDelimiter = leftDelimiter.isEmpty ? "{{" : leftDelimiter
        self.rightDelimiter = rightDelimiter.isEmpty ? "}}" : rightDelimiter
        self.functions = functions
    }

    /// Throws the first problem Go would report. Argument counts are checked when a call
    /// executes, as Go does (text/template/exec.go, evalCall), not here.
    public func parse(_ text: String) throws(TemplateSyntaxError) -> ParsedTemplate {
        let bytes = Array(text.utf8)
        var lexer = Lexer(bytes, leftDelimiter: leftDelimiter, rightDelimiter: rightDelimiter)
        var engine = ParserEngine(tokens: lexer.tokenize(), lines: LineIndex(bytes), name: name, functions: functions)
        let root = try engine.parseTemplate()
        return ParsedTemplate(name: name, root: root, definitions: engine.definitions, lines: engine.lines, functions: functions)
    }
}

/// What kvctl refuses to parse, so that parsing and rendering stay within a small stack
/// (validation runs on 512 KiB worker threads).
public enum TemplateLimits {
    /// Blocks (`if`, `with`, `range`, `define`, `block`, each `else if` of a chain) and
    /// parentheses open at once. Go allows 10,000 parentheses (text/template/parse/parse.go,
    /// maxStackDepth) and any number of blocks; real templates nest a handful.
    public static let nesting = 200
    /// Commands in one pipeline: Go's own limit (parse.go, maxPipelineCmds, "pipeline too long").
    public static let pipelineCommands = 100_000
}

/// Variables in scope while parsing, with O(1) lookup however many are declared.
struct VariableScope {
    private(set) var names: [String] = ["$"]
    private var counts: [String: Int] = ["$": 1]

    var count: Int { names.count }

    func contains(_ name: String) -> Bool { counts[name] != nil }

    mutating func append(_ name: String) {
        names.append(name)
        counts[name, default: 0] += 1
    }

    /// Keeps only the first `mark` variables.
    mutating func pop(to mark: Int) {
        while names.count > mark {
            let name = names.removeLast()
            if counts[name] == 1 { counts[name] = nil } else { counts[name]! -= 1 }
        }
    }
}

/// What ends an item list: `{{end}}` or `{{else}}` (`chained` for `{{else if}}`/`{{else with}}`).
private enum ListEnd {
    case end
    case `else`(chained: Bool)
}

private enum Parsed {
    case node(TemplateNode)
    case listEnd(ListEnd, Int)
}

struct ParserEngine {
    let tokens: [Token]
    let lines: LineIndex
    let name: String
    let functions: FunctionTable
    var index = 0
    var variables = VariableScope()
    var rangeDepth = 0
    /// Blocks and parentheses open now, against `TemplateLimits.nesting`.
    var nesting = 0
    /// Open blocks, innermost last, for "never closed" messages.
    var openBlocks: [(keyword: String, offset: Int)] = []
    var definitions: [String: [TemplateNode]] = [:]

    init(tokens: [Token], lines: LineIndex, name: String, functions: FunctionTable) {
        self.tokens = tokens
        self.lines = lines
        self.name = name
        self.functions = functions
    }

    // MARK: Token access

    func error(_ message: String, at offset: Int) -> TemplateSyntaxError {
        TemplateSyntaxError(message, name: name, at: lines.position(of: offset))
    }

    func position(_ offset: Int) -> TextPosition { lines.position(of: offset) }

    func peek() throws(TemplateSyntaxError) -> Token {
        let token = tokens[index]
        if token.kind == .error { throw error(token.text, at: token.offset) }
        return token
    }

    mutating func next() throws(TemplateSyntaxError) -> Token {
        let token = try peek()
        if token.kind != .eof { index += 1 }
        return token
    }

    mutating func nextNonSpace() throws(TemplateSyntaxError) -> Token {
        var token = try next()
        while token.kind == .space { token = try next() }
        return token
    }

    mutating func peekNonSpace() throws(TemplateSyntaxError) -> Token {
        let token = try nextNonSpace()
        backup(token)
        return token
    }

    mutating func backup(_ token: Token) {
        if token.kind != .eof { index -= 1 }
    }

    mutating func enterNesting(at offset: Int) throws(TemplateSyntaxError) {
        guard nesting < TemplateLimits.nesting else {
            throw error("nesting deeper than \(TemplateLimits.nesting) levels of blocks and parentheses (kvctl limit)", at: offset)
        }
        nesting += 1
    }

    func unexpected(_ token: Token, _ context: String) -> TemplateSyntaxError {
        error("unexpected \(token.quoted) in \(context)", at: token.offset)
    }

    mutating func expect(_ kind: TokenKind, _ context: String) throws(TemplateSyntaxError) -> Token {
        let token = try nextNonSpace()
        guard token.kind == kind else { throw unexpected(token, context) }
        return token
    }

    // MARK: Lists

    mutating func parseTemplate() throws(TemplateSyntaxError) -> [TemplateNode] {
        var root: [TemplateNode] = []
        while try peek().kind != .eof {
            if try peek().kind == .leftDelim {
                let save = index
                let delim = try next()
                if try nextNonSpace().kind == .keyword(.define) {
                    try parseDefinition(at: delim.offset)
                    continue
                }
                index = save
            }
            switch try textOrAction() {
            case .node(let node): root.append(node)
            case .listEnd(.end, let offset): throw error("unexpected {{end}}", at: offset)
            case .listEnd(.else, let offset): throw error("unexpected {{else}}", at: offset)
            }
        }
        return root
    }

    /// Nodes up to `{{end}}` or `{{else}}`, returned with that terminator's offset.
    private mutating func itemList() throws(TemplateSyntaxError) -> ([TemplateNode], ListEnd, Int) {
        var list: [TemplateNode] = []
        while try peek().kind != .eof {
            switch try textOrAction() {
            case .node(let node): list.append(node)
            case .listEnd(let end, let offset): return (list, end, offset)
            }
        }
        let eof = tokens[index].offset
        guard let open = openBlocks.last else { throw error("unexpected EOF", at: eof) }
        let line = lines.lineNumber(of: open.offset)
        throw error("unexpected EOF: {{\(open.keyword)}} opened at line \(line) is never closed by {{end}}", at: eof)
    }

    private mutating func textOrAction() throws(TemplateSyntaxError) -> Parsed {
        let token = try next()
        switch token.kind {
        case .text: return .node(.text(token.text, position(token.offset)))
        case .leftDelim: return try action(at: token.offset)
        default: throw unexpected(token, "input")
        }
    }

    // MARK: Actions

    private mutating func action(at offset: Int) throws(TemplateSyntaxError) -> Parsed {
        let token = try nextNonSpace()
        switch token.kind {
        case .keyword(.if): return .node(try control(.if, at: offset))
        case .keyword(.with): return .node(try control(.with, at: offset))
        case .keyword(.range): return .node(try control(.range, at: offset))
        case .keyword(.block): return .node(try block(at: offset))
        case .keyword(.template): return .node(try templateCall(at: offset))
        case .keyword(.break), .keyword(.continue):
            let word = token.text
            _ = try expect(.rightDelim, "{{\(word)}}")
            guard rangeDepth > 0 else { throw error("{{\(word)}} outside {{range}}", at: token.offset) }
            return .node(word == "break" ? .breakLoop(position(offset)) : .continueLoop(position(offset)))
        case .keyword(.else):
            let after = try peekNonSpace()
            if after.kind == .keyword(.if) || after.kind == .keyword(.with) {
                return .listEnd(.else(chained: true), offset)
            }
            _ = try expect(.rightDelim, "else")
            return .listEnd(.else(chained: false), offset)
        case .keyword(.end):
            _ = try expect(.rightDelim, "end")
            return .listEnd(.end, offset)
        default:
            backup(token)
            return .node(.action(try pipeline("command", end: .rightDelim), position(offset)))
        }
    }

    /// `if`/`with`/`range` after its keyword, through the matching `{{end}}`.
    private mutating func control(_ kind: TemplateControlKind, at offset: Int,
                                  keyword: String? = nil) throws(TemplateSyntaxError) -> TemplateNode {
        try enterNesting(at: offset)
        defer { nesting -= 1 }
        let variableMark = variables.count
        defer { variables.pop(to: variableMark) }
        let pipe = try pipeline(kind.rawValue, end: .rightDelim)
        openBlocks.append((keyword ?? kind.rawValue, offset))
        defer { openBlocks.removeLast() }
        if kind == .range { rangeDepth += 1 }
        let (body, end, endOffset) = try itemList()
        if kind == .range { rangeDepth -= 1 }
        var elseBody: [TemplateNode]?
        if case .else(let chained) = end {
            let next = try peekNonSpace()
            if chained, kind != .range, next.kind == .keyword(kind == .if ? .if : .with) {
                _ = try nextNonSpace()
                elseBody = [try control(kind, at: endOffset, keyword: "else \(kind.rawValue)")]
            } else {
                let (list, elseEnd, elseOffset) = try itemList()
                guard case .end = elseEnd else { throw error("expected end; found {{else}}", at: elseOffset) }
                elseBody = list
            }
        }
        return .control(TemplateControl(kind: kind, pipeline: pipe, body: body, elseBody: elseBody, position: position(offset)))
    }

    private mutating func templateName(_ context: String) throws(TemplateSyntaxError) -> String {
        let token = try nextNonSpace()
        guard token.kind == .string || token.kind == .rawString, let value = literalString(token) else {
            throw unexpected(token, context)
        }
        return value
    }

    private mutating func templateCall(at offset: Int) throws(TemplateSyntaxError) -> TemplateNode {
        let name = try templateName("template clause")
        var pipe: TemplatePipeline?
        let token = try nextNonSpace()
        if token.kind != .rightDelim {
            backup(token)
            pipe = try pipeline("template clause", end: .rightDelim)
        }
        return .template(name: name, pipeline: pipe, position(offset))
    }

    /// `{{block "name" pipeline}} … {{end}}`: defines "name" and calls it.
    private mutating func block(at offset: Int) throws(TemplateSyntaxError) -> TemplateNode {
        let name = try templateName("block clause")
        let pipe = try pipeline("block clause", end: .rightDelim)
        try parseBody(named: name, keyword: "block", at: offset, context: "block clause")
        return .template(name: name, pipeline: pipe, position(offset))
    }

    private mutating func parseDefinition(at offset: Int) throws(TemplateSyntaxError) {
        let name = try templateName("define clause")
        _ = try expect(.rightDelim, "define clause")
        try parseBody(named: name, keyword: "define", at: offset, context: "define clause")
    }

    /// A named template's body runs with fresh variables and outside any range.
    private mutating func parseBody(named name: String, keyword: String, at offset: Int,
                                    context: String) throws(TemplateSyntaxError) {
        try enterNesting(at: offset)
        defer { nesting -= 1 }
        let saved = (variables, rangeDepth)
        (variables, rangeDepth) = (VariableScope(), 0)
        openBlocks.append((keyword, offset))
        let (body, end, endOffset) = try itemList()
        openBlocks.removeLast()
        (variables, rangeDepth) = saved
        guard case .end = end else { throw error("unexpected {{else}} in \(context)", at: endOffset) }
        if let existing = definitions[name], !existing.isEmpty, !body.isEmpty {
            throw error("template: multiple definition of template \(GoQuote.quote(name))", at: offset)
        }
        if definitions[name]?.isEmpty ?? true { definitions[name] = body }
    }
}
