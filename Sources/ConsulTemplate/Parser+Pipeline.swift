extension ParserEngine {
    /// `[decl :=] command (| command)*` up to `end` (a right delimiter or, in parentheses, `)`).
    mutating func pipeline(_ context: String, end: TokenKind) throws(TemplateSyntaxError) -> TemplatePipeline {
        let start = try peekNonSpace().offset
        var declarations: [String] = []
        var isAssignment = false
        declarations: while true {
            let save = index
            let variable = try nextNonSpace()
            guard variable.kind == .variable else {
                index = save
                break
            }
            let after = try peekNonSpace()
            switch after.kind {
            case .assign, .declare:
                _ = try nextNonSpace()
                isAssignment = after.kind == .assign
                if isAssignment, !variables.contains(variable.text) {
                    throw error("undefined variable \(GoQuote.quote(variable.text))", at: variable.offset)
                }
                declarations.append(variable.text)
                variables.append(variable.text)
                break declarations
            case .char where after.text == ",":
                _ = try nextNonSpace()
                declarations.append(variable.text)
                variables.append(variable.text)
                guard context == "range", declarations.count < 2 else {
                    throw error("too many declarations in \(context)", at: after.offset)
                }
                let following = try peekNonSpace()
                guard following.kind == .variable else {
                    throw error("range can only initialize variables", at: following.offset)
                }
            default:
                // Not a declaration: the variable starts the first command.
                index = save
                break declarations
            }
        }

        var commands: [TemplateCommand] = []
        while true {
            let token = try nextNonSpace()
            if token.kind == end { break }
            switch token.kind {
            case .bool, .charConstant, .dot, .field, .identifier, .number, .nilValue, .rawString, .string,
                 .variable, .leftParen:
                backup(token)
                commands.append(try command())
                if commands.count > TemplateLimits.pipelineCommands {
                    throw error("pipeline too long: more than \(TemplateLimits.pipelineCommands) commands (Go's limit)", at: token.offset)
                }
            default:
                throw unexpected(token, context)
            }
        }
        guard let first = commands.first else { throw error("missing value for \(context)", at: start) }
        for (stage, command) in commands.enumerated().dropFirst() {
            switch command.arguments[0].kind {
            case .bool, .dot, .nilValue, .number, .string:
                throw error("non executable command in pipeline stage \(stage + 1)", at: command.position.offset)
            default:
                break
            }
        }
        return TemplatePipeline(declarations: declarations, isAssignment: isAssignment, commands: commands,
                                position: first.position)
    }

    /// Operands separated by blanks, up to `|`, `)` or the right delimiter.
    private mutating func command() throws(TemplateSyntaxError) -> TemplateCommand {
        let start = try peekNonSpace().offset
        var arguments: [TemplateOperand] = []
        while true {
            _ = try peekNonSpace()
            if let operand = try operand() { arguments.append(operand) }
            let token = try next()
            switch token.kind {
            case .space:
                continue
            case .rightDelim, .rightParen:
                backup(token)
            case .pipe:
                break
            default:
                throw unexpected(token, "operand")
            }
            break
        }
        guard !arguments.isEmpty else { throw error("empty command", at: start) }
        return TemplateCommand(arguments: arguments, position: position(start))
    }

    /// A term followed by any `.Field`s written directly after it.
    private mutating func operand() throws(TemplateSyntaxError) -> TemplateOperand? {
        guard let term = try term() else { return nil }
        var fields: [String] = []
        while try peek().kind == .field { fields.append(String(try next().text.dropFirst())) }
        guard !fields.isEmpty else { return term }
        switch term.kind {
        case .field(let names):
            return TemplateOperand(kind: .field(names + fields), position: term.position)
        case .variable(let name, let names):
            return TemplateOperand(kind: .variable(name, fields: names + fields), position: term.position)
        case .bool, .string, .number, .nilValue, .dot:
            throw error("unexpected . after term \(GoQuote.quote(termText(term)))", at: term.position.offset)
        default:
            return TemplateOperand(kind: .chain(term, fields: fields), position: term.position)
        }
    }

    private func termText(_ term: TemplateOperand) -> String {
        switch term.kind {
        case .bool(let b): return String(b)
        case .string(let s): return GoQuote.quote(s)
        case .number(let n): return n.text
        case .nilValue: return "nil"
        default: return "."
        }
    }

    private mutating func term() throws(TemplateSyntaxError) -> TemplateOperand? {
        let token = try nextNonSpace()
        let at = position(token.offset)
        switch token.kind {
        case .identifier:
            guard functions.signature(of: token.text) != nil else {
                throw error("function \(GoQuote.quote(token.text)) not defined", at: token.offset)
            }
            return TemplateOperand(kind: .function(token.text), position: at)
        case .dot:
            return TemplateOperand(kind: .dot, position: at)
        case .nilValue:
            return TemplateOperand(kind: .nilValue, position: at)
        case .variable:
            guard variables.contains(token.text) else {
                throw error("undefined variable \(GoQuote.quote(token.text))", at: token.offset)
            }
            return TemplateOperand(kind: .variable(token.text, fields: []), position: at)
        case .field:
            return TemplateOperand(kind: .field([String(token.text.dropFirst())]), position: at)
        case .bool:
            return TemplateOperand(kind: .bool(token.text == "true"), position: at)
        case .number, .charConstant:
            guard let number = numberLiteral(token) else {
                throw error("illegal number syntax: \(GoQuote.quote(token.text))", at: token.offset)
            }
            return TemplateOperand(kind: .number(number), position: at)
        case .leftParen:
            try enterNesting(at: token.offset)
            defer { nesting -= 1 }
            return TemplateOperand(kind: .pipeline(try pipeline("parenthesized pipeline", end: .rightParen)), position: at)
        case .string, .rawString:
            guard let value = literalString(token) else { throw error("invalid syntax", at: token.offset) }
            return TemplateOperand(kind: .string(value), position: at)
        default:
            backup(token)
            return nil
        }
    }

    func literalString(_ token: Token) -> String? {
        let body = token.text.dropFirst().dropLast()
        return token.kind == .rawString ? String(body) : GoQuote.unquote(body, quote: "\"")
    }

    private func numberLiteral(_ token: Token) -> TemplateNumber? {
        let text = token.text
        if token.kind == .charConstant {
            guard let decoded = GoQuote.unquote(text.dropFirst().dropLast(), quote: "'"),
                  decoded.unicodeScalars.count == 1, let scalar = decoded.unicodeScalars.first else { return nil }
            return TemplateNumber(text: text, integer: Int(scalar.value), double: Double(scalar.value))
        }
        guard !text.hasSuffix("i") else { return nil }  // complex numbers have no use here
        var digits = text.filter { $0 != "_" }
        var negative = false
        if let sign = digits.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            digits.removeFirst()
        }
        let lower = digits.lowercased()
        // The sign is parsed with the digits, as strconv.ParseInt does: -9223372036854775808 is an int.
        let sign = negative ? "-" : ""
        var integer: Int?
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where lower.hasPrefix(prefix) {
            integer = Int(sign + lower.dropFirst(2), radix: radix)
            if integer == nil { return nil }
        }
        if integer == nil, lower.allSatisfy(\.isNumber) {
            integer = lower.count > 1 && lower.hasPrefix("0") ? Int(sign + lower.dropFirst(), radix: 8) : Int(sign + lower)
        }
        if let value = integer {
            return TemplateNumber(text: text, integer: value, double: Double(value))
        }
        guard let value = Double(lower), lower.first != "." || lower.count > 1 else { return nil }
        return TemplateNumber(text: text, integer: nil, double: negative ? -value : value)
    }
}
