import TextPositions

/// A parsed template: the main body plus the templates named by `define` and `block`.
public struct ParsedTemplate: Sendable {
    public let name: String
    public let root: [TemplateNode]
    public let definitions: [String: [TemplateNode]]
    let lines: LineIndex
    let functions: FunctionTable
}

public indirect enum TemplateNode: Equatable, Sendable {
    /// Text copied to the output, trim markers already applied.
    case text(String, TextPosition)
    /// `{{ pipeline }}`: prints the value unless the pipeline declares variables.
    case action(TemplatePipeline, TextPosition)
    case control(TemplateControl)
    /// `{{ template "name" pipeline }}`; `block` is stored as a definition plus this call.
    case template(name: String, pipeline: TemplatePipeline?, TextPosition)
    case breakLoop(TextPosition)
    case continueLoop(TextPosition)

    /// Where the node starts: the left delimiter for actions.
    public var position: TextPosition {
        switch self {
        case .text(_, let p), .action(_, let p), .template(_, _, let p), .breakLoop(let p), .continueLoop(let p): p
        case .control(let c): c.position
        }
    }
}

public enum TemplateControlKind: String, Sendable {
    case `if`, with, range
}

/// `if`, `with` or `range`. An `else if`/`else with` chain is an else body holding one control.
public struct TemplateControl: Equatable, Sendable {
    public var kind: TemplateControlKind
    public var pipeline: TemplatePipeline
    public var body: [TemplateNode]
    public var elseBody: [TemplateNode]?
    public var position: TextPosition
}

/// `$a, $b := cmd | cmd`: each command's value becomes the last argument of the next one.
public struct TemplatePipeline: Equatable, Sendable {
    public var declarations: [String]
    /// `=` rather than `:=`.
    public var isAssignment: Bool
    public var commands: [TemplateCommand]
    public var position: TextPosition
}

public struct TemplateCommand: Equatable, Sendable {
    /// A function identifier first means a call with the rest as arguments.
    public var arguments: [TemplateOperand]
    public var position: TextPosition
}

public struct TemplateOperand: Equatable, Sendable {
    public indirect enum Kind: Equatable, Sendable {
        case function(String)
        case dot
        case nilValue
        /// `.Data.password` as `["Data", "password"]`.
        case field([String])
        /// `$x.Key` as `("$x", ["Key"])`.
        case variable(String, fields: [String])
        case string(String)
        case number(TemplateNumber)
        case bool(Bool)
        /// `( … )`
        case pipeline(TemplatePipeline)
        /// Fields after a parenthesised pipeline or a function: `(index $x 0).Key`.
        case chain(TemplateOperand, fields: [String])
    }

    public var kind: Kind
    public var position: TextPosition
}

public struct TemplateNumber: Equatable, Sendable {
    public var text: String
    /// Set when the literal is an integer (characters are integers too).
    public var integer: Int?
    public var double: Double
}
