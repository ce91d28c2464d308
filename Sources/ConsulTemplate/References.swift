import TextPositions

/// A Consul KV key or prefix read by key, keyExists, keyOrDefault, ls, safeLs, tree or safeTree.
public struct KeyReference: Equatable, Sendable {
    public let function: String
    /// The literal path without its `@dc` suffix; nil when the argument is computed
    /// (e.g. `(printf "config/%s" $svc)`) and cannot be checked statically.
    public let key: String?
    public let datacenter: String?
    /// The argument's position, or the call's when the key arrives through the pipeline.
    public let position: TextPosition
    /// For a key computed as `(printf "config/%s/port" …)`: the format as a key glob, each verb a `*`
    /// (`config/*/port`), so what it may read can still be followed. Nil otherwise.
    public var pattern: String?

    public var isChecked: Bool { key != nil }
    /// `ls`, `safeLs`, `tree` and `safeTree` read every key under a prefix; the others one key.
    public var isPrefix: Bool { ["ls", "safeLs", "tree", "safeTree"].contains(function) }
}

/// A call that depends on something outside Consul KV (Vault, the catalog, the environment…).
public struct FunctionUse: Equatable, Sendable {
    public let function: String
    public let category: FunctionCategory
    /// The first argument when it is a string literal (`secret "kv/data/app"` → `kv/data/app`).
    public let argument: String?
    public let position: TextPosition
}

extension ParsedTemplate {
    /// KV reads in source order.
    public var keyReferences: [KeyReference] {
        calls().compactMap { call in
            guard call.signature.category == .consulKV else { return nil }
            guard let argument = call.firstArgument else {
                return KeyReference(function: call.name, key: nil, datacenter: nil, position: call.position)
            }
            guard case .string(let path) = argument.kind else {
                return KeyReference(function: call.name, key: nil, datacenter: nil, position: argument.position,
                                    pattern: Self.printfPattern(argument))
            }
            let (key, datacenter) = Self.splitDatacenter(path)
            return KeyReference(function: call.name, key: key, datacenter: datacenter, position: argument.position)
        }
    }

    /// Uses of functions whose results are unknowable offline, in source order.
    public var externalUses: [FunctionUse] {
        let external: Set<FunctionCategory> = [.vault, .catalog, .nomad, .environment, .file]
        return calls().compactMap { call in
            guard external.contains(call.signature.category) else { return nil }
            var literal: String?
            if let argument = call.firstArgument, case .string(let value) = argument.kind { literal = value }
            return FunctionUse(function: call.name, category: call.signature.category, argument: literal,
                               position: call.position)
        }
    }

    /// `(printf "a/%s/b" …)` → `a/*/b`: every verb (with its flags, width and precision) a `*`, `%%` a `%`.
    static func printfPattern(_ operand: TemplateOperand) -> String? {
        guard case .pipeline(let pipeline) = operand.kind, pipeline.commands.count == 1,
              let command = pipeline.commands.first, command.arguments.count >= 2,
              case .function("printf") = command.arguments[0].kind, case .string(let format) = command.arguments[1].kind else { return nil }
        var pattern = ""
        var scalars = format.unicodeScalars.makeIterator()
        while let c = scalars.next() {
            guard c == "%" else { pattern.unicodeScalars.append(c); continue }
            var next = scalars.next()
            while let f = next, "+-# 0123456789.".unicodeScalars.contains(f) { next = scalars.next() }
            if next == "%" { pattern += "%" } else if !pattern.hasSuffix("*") { pattern += "*" }
        }
        guard pattern.hasPrefix("*") == false else { return nil } // a pattern with no literal prefix follows nothing
        return pattern
    }

    /// `path@dc` → (`path`, `dc`), as consul-template splits at the first `@`.
    static func splitDatacenter(_ path: String) -> (String, String?) {
        guard let at = path.firstIndex(of: "@") else { return (path, nil) }
        return (String(path[..<at]), String(path[path.index(after: at)...]))
    }

    private struct Call {
        let name: String
        let signature: FunctionSignature
        /// The first explicit argument, or for `"x" | f` the piped command when it is one literal.
        let firstArgument: TemplateOperand?
        let position: TextPosition
    }

    private func calls() -> [Call] {
        var result: [Call] = []
        for pipeline in allPipelines() {
            for (stage, command) in pipeline.commands.enumerated() {
                for (index, argument) in command.arguments.enumerated() {
                    guard case .function(let name) = argument.kind,
                          let signature = functions.signature(of: name) else { continue }
                    var first: TemplateOperand?
                    if index == 0, command.arguments.count > 1 {
                        first = command.arguments[1]
                    } else if index == 0, stage > 0 {
                        let previous = pipeline.commands[stage - 1].arguments
                        if previous.count == 1, case .string = previous[0].kind { first = previous[0] }
                    }
                    result.append(Call(name: name, signature: signature, firstArgument: first, position: argument.position))
                }
            }
        }
        return result
    }
}
