public enum FunctionCategory: String, Sendable {
    /// Go's text/template builtins.
    case builtin
    /// Reads Consul KV: key, keyExists, keyOrDefault, ls, safeLs, tree, safeTree.
    case consulKV
    case vault, catalog, nomad, environment, file, helper
    /// Sprig functions, exposed by consul-template as `sprig_<name>`.
    case sprig
}

public struct FunctionSignature: Equatable, Sendable {
    public let name: String
    public let minimumArguments: Int
    /// nil for variadic functions.
    public let maximumArguments: Int?
    public let category: FunctionCategory

    public init(name: String, minimumArguments: Int, maximumArguments: Int?, category: FunctionCategory) {
        self.name = name
        self.minimumArguments = minimumArguments
        self.maximumArguments = maximumArguments
        self.category = category
    }

    /// Go's wording when a call has the wrong number of arguments; nil when `count` is fine.
    func arityProblem(_ count: Int) -> String? {
        if let maximum = maximumArguments, maximum == minimumArguments, count != maximum {
            return "wrong number of args for \(name): want \(maximum) got \(count)"
        }
        if count < minimumArguments {
            return "wrong number of args for \(name): want at least \(minimumArguments) got \(count)"
        }
        if let maximum = maximumArguments, count > maximum {
            return "wrong number of args for \(name): want at most \(maximum) got \(count)"
        }
        return nil
    }
}

/// The functions a template may call, with their arity.
public struct FunctionTable: Sendable {
    private var signatures: [String: FunctionSignature]

    public init(_ signatures: [FunctionSignature]) {
        self.signatures = Dictionary(signatures.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
    }

    public func signature(of name: String) -> FunctionSignature? {
        if let signature = signatures[name] { return signature }
        // Sprig has ~200 functions of its own arities; accept any `sprig_` name and count.
        if name.hasPrefix("sprig_"), name.count > 6 {
            return FunctionSignature(name: name, minimumArguments: 0, maximumArguments: nil, category: .sprig)
        }
        return nil
    }

    public func adding(_ signature: FunctionSignature) -> FunctionTable {
        var copy = self
        copy.signatures[signature.name] = signature
        return copy
    }

    /// Go builtins plus consul-template's function map (template/funcs.go).
    public static let consulTemplate: FunctionTable = {
        var all: [FunctionSignature] = []
        func add(_ category: FunctionCategory, _ entries: [(String, Int, Int?)]) {
            all += entries.map { FunctionSignature(name: $0.0, minimumArguments: $0.1, maximumArguments: $0.2, category: category) }
        }
        func fixed(_ category: FunctionCategory, _ count: Int, _ names: [String]) {
            add(category, names.map { ($0, count, count) })
        }
        add(.builtin, [
            ("and", 1, nil), ("or", 1, nil), ("not", 1, 1), ("len", 1, 1), ("index", 1, nil), ("slice", 1, nil),
            ("print", 0, nil), ("printf", 1, nil), ("println", 0, nil), ("html", 0, nil), ("js", 0, nil),
            ("urlquery", 0, nil), ("eq", 2, nil), ("ne", 2, 2), ("lt", 2, 2), ("le", 2, 2), ("gt", 2, 2),
            ("ge", 2, 2), ("call", 1, nil),
        ])
        fixed(.consulKV, 1, ["key", "keyExists", "ls", "safeLs", "tree", "safeTree"])
        fixed(.consulKV, 2, ["keyOrDefault"])
        add(.vault, [("secret", 1, nil), ("secrets", 1, 1), ("pkiCert", 1, nil)])
        add(.catalog, [
            ("datacenters", 0, 1), ("exportedServices", 0, nil), ("node", 0, nil), ("nodes", 0, nil),
            ("partitions", 0, nil), ("peerings", 0, nil), ("service", 1, nil), ("connect", 1, nil),
            ("services", 0, nil), ("caRoots", 0, nil), ("caLeaf", 1, nil),
        ])
        add(.nomad, [
            ("nomadServices", 0, nil), ("nomadService", 1, nil), ("nomadVarList", 0, nil),
            ("nomadVarListSafe", 0, nil), ("nomadVar", 1, 1), ("nomadVarExists", 1, 1),
        ])
        add(.environment, [("env", 1, 1), ("mustEnv", 1, 1), ("envOrDefault", 2, 2)])
        add(.file, [("file", 1, 1), ("writeToFile", 4, nil)])
        add(.helper, [
            ("executeTemplate", 1, nil), ("plugin", 1, nil), ("sockaddr", 0, nil), ("scratch", 0, 0),
            ("timestamp", 0, 1), ("loop", 1, 2), ("spew_dump", 0, nil), ("spew_printf", 1, nil),
            ("spew_sdump", 0, nil), ("spew_sprintf", 1, nil),
        ])
        fixed(.helper, 1, [
            "base64Decode", "base64Encode", "base64URLDecode", "base64URLEncode", "byKey", "byPort", "byTag",
            "explode", "explodeMap", "trimSpace", "parseBool", "parseFloat", "parseInt", "parseJSON",
            "parseUint", "parseYAML", "sha256Hex", "md5sum", "toLower", "toJSON", "toJSONPretty",
            "toUnescapedJSON", "toUnescapedJSONPretty", "toTitle", "toTOML", "toUpper", "toYAML",
        ])
        fixed(.helper, 2, [
            "contains", "containsAll", "containsAny", "containsNone", "containsNotAll", "mergeMap",
            "mergeMapWithOverride", "in", "indent", "join", "trim", "trimPrefix", "trimSuffix", "regexMatch",
            "hmacSHA256Hex", "split", "byMeta", "add", "subtract", "multiply", "divide", "modulo", "minimum",
            "maximum",
        ])
        fixed(.helper, 3, ["regexReplaceAll", "replaceAll", "splitToMap"])
        return FunctionTable(all)
    }()
}
