extension Parser {
    /// `if (cs else_if)* (cs else)?`
    mutating func parseBranch() -> LogstashBranch? {
        let start = pos
        guard literal("if", .ifKeyword), let first = parseClauseRest(start: start) else {
            pos = start
            return nil
        }
        var clauses = [first]
        while true {
            let save = pos
            skipCS()
            let clauseStart = pos
            guard literal("else", .elseKeyword) else {
                pos = save
                break
            }
            skipCS()
            guard literal("if", .ifKeyword), let clause = parseClauseRest(start: clauseStart) else {
                pos = save
                break
            }
            clauses.append(clause)
        }
        var elseClause: LogstashElse?
        let save = pos
        skipCS()
        let elseStart = pos
        if literal("else", .elseKeyword) {
            skipCS()
            if literal("{", .openBrace) {
                skipCS()
                if let body = parseItemsAndClose() {
                    elseClause = LogstashElse(body: body, position: position(elseStart))
                }
            }
        }
        if elseClause == nil { pos = save }
        return LogstashBranch(clauses: clauses, elseClause: elseClause, position: position(start))
    }

    /// After `if`: `cs condition cs "{" cs (item cs)* "}"`.
    mutating func parseClauseRest(start: Int) -> LogstashClause? {
        skipCS()
        guard let condition = parseCondition() else { return nil }
        skipCS()
        guard literal("{", .openBrace) else { return nil }
        skipCS()
        guard let body = parseItemsAndClose() else { return nil }
        return LogstashClause(condition: condition, body: body, position: position(start))
    }

    /// `expression (cs boolop cs expression)*`
    mutating func parseCondition() -> LogstashCondition? {
        guard enterNesting() else { return nil }
        defer { nesting -= 1 }
        let start = pos
        guard let first = parseExpression() else { return nil }
        var expressions = [first]
        var operators: [LogstashBooleanOperator] = []
        while true {
            let save = pos
            skipCS()
            let op: LogstashBooleanOperator
            if literal("and", .and) {
                op = .and
            } else if literal("or", .or) {
                op = .or
            } else if literal("xor", .xor) {
                op = .xor
            } else if literal("nand", .nand) {
                op = .nand
            } else {
                pos = save
                break
            }
            skipCS()
            guard let next = parseExpression() else {
                pos = save
                break
            }
            operators.append(op)
            expressions.append(next)
        }
        return LogstashCondition(expressions: expressions, operators: operators, position: position(start))
    }

    /// The grammar's alternatives in order. Those starting with an rvalue share one parse of it:
    /// an rvalue parses the same way whichever alternative asks.
    mutating func parseExpression() -> LogstashExpression? {
        let start = pos
        func make(_ kind: LogstashExpression.Kind) -> LogstashExpression {
            LogstashExpression(kind: kind, position: position(start))
        }
        if let group = parseParenthesised() { return make(.group(group)) }
        if literal("!", .bang) {
            let afterBang = pos
            skipCS()
            if let group = parseParenthesised() { return make(.negatedGroup(group)) }
            pos = afterBang
            skipCS()
            if let selector = parseSelector() { return make(.negatedSelector(selector)) }
            pos = start
        }
        guard let lhs = parseRValue() else { return nil }
        let afterLeft = pos

        skipCS()
        if literal("in", .inKeyword) {
            skipCS()
            if let rhs = parseRValue() { return make(.membership(lhs, rhs, negated: false)) }
        }
        pos = afterLeft
        skipCS()
        if literal("not ", .notKeyword) {
            skipCS()
            if literal("in", .inKeyword) {
                skipCS()
                if let rhs = parseRValue() { return make(.membership(lhs, rhs, negated: true)) }
            }
        }
        pos = afterLeft
        skipCS()
        if let op = parseComparisonOperator() {
            skipCS()
            if let rhs = parseRValue() { return make(.comparison(lhs, op, rhs)) }
        }
        pos = afterLeft
        skipCS()
        if let negated = parseMatchOperator() {
            skipCS()
            let patternStart = pos
            if let string = parseString() {
                let pattern = LogstashRValue(kind: .string(string), position: position(patternStart))
                return make(.regexMatch(lhs, negated: negated, pattern: pattern))
            }
            if let regexp = parseRegexp() {
                let pattern = LogstashRValue(kind: .regexp(regexp), position: position(patternStart))
                return make(.regexMatch(lhs, negated: negated, pattern: pattern))
            }
        }
        pos = afterLeft
        return make(.value(lhs))
    }

    /// `"(" cs condition cs ")"`
    mutating func parseParenthesised() -> LogstashCondition? {
        let start = pos
        guard literal("(", .openParen) else { return nil }
        skipCS()
        if let condition = parseCondition() {
            skipCS()
            if literal(")", .closeParen) { return condition }
        }
        pos = start
        return nil
    }

    mutating func parseComparisonOperator() -> LogstashComparisonOperator? {
        if literal("==", .equal) { return .equal }
        if literal("!=", .notEqual) { return .notEqual }
        if literal("<=", .lessOrEqual) { return .lessOrEqual }
        if literal(">=", .greaterOrEqual) { return .greaterOrEqual }
        if literal("<", .less) { return .less }
        if literal(">", .greater) { return .greater }
        return nil
    }

    /// `=~` or `!~`; returns whether the match is negated.
    mutating func parseMatchOperator() -> Bool? {
        if literal("=~", .match) { return false }
        if literal("!~", .notMatch) { return true }
        return nil
    }

    /// `string / number / selector / array / method_call / regexp`
    mutating func parseRValue() -> LogstashRValue? {
        guard enterNesting() else { return nil }
        defer { nesting -= 1 }
        let start = pos
        let kind: LogstashRValue.Kind
        if let string = parseString() {
            kind = .string(string)
        } else if let number = parseNumber() {
            kind = .number(number)
        } else if let selector = parseSelector() {
            kind = .selector(selector)
        } else if let array = parseArray() {
            kind = .array(array)
        } else if let call = parseMethodCall() {
            kind = call
        } else if let regexp = parseRegexp() {
            kind = .regexp(regexp)
        } else {
            return nil
        }
        return LogstashRValue(kind: kind, position: position(start))
    }

    /// `("[" [^\[\],]+ "]")+`
    mutating func parseSelector() -> [String]? {
        var elements: [String] = []
        while true {
            let start = pos
            guard literal("[", .openBracket) else { break }
            var p = pos
            while p < end {
                let b = input[p]
                if b == UInt8(ascii: "[") || b == UInt8(ascii: "]") || b == UInt8(ascii: ",") { break }
                p += 1
            }
            fail(Expectation.fieldName.bit, at: p)
            guard p > pos else {
                pos = start
                break
            }
            let element = text(pos, p)
            pos = p
            guard literal("]", .closeBracket) else {
                pos = start
                break
            }
            elements.append(element)
        }
        return elements.isEmpty ? nil : elements
    }

    /// `bareword cs "(" cs (rvalue (cs "," cs rvalue)*)? cs ")"`
    mutating func parseMethodCall() -> LogstashRValue.Kind? {
        let start = pos
        guard let name = parseBareword() else { return nil }
        skipCS()
        guard literal("(", .openParen) else {
            pos = start
            return nil
        }
        skipCS()
        var arguments: [LogstashRValue] = []
        if let first = parseRValue() {
            arguments = repeating(after: first, separator: { $0.commaSeparator() }, element: { $0.parseRValue() })
        }
        skipCS()
        guard literal(")", .closeParen) else {
            pos = start
            return nil
        }
        return .methodCall(name: name, arguments: arguments)
    }

    /// `"/" ("\/" / any char but "/")* "/"`
    mutating func parseRegexp() -> String? {
        guard byte(pos) == UInt8(ascii: "/"), pos < end else {
            fail(.regexp)
            return nil
        }
        guard let close = scanQuoted(from: pos + 1, quote: UInt8(ascii: "/")) else {
            fail(Expectation.closingSlash.bit, at: end)
            return nil
        }
        let pattern = text(pos + 1, close)
        pos = close + 1
        return pattern
    }
}
