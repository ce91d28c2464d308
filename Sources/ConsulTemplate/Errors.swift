import TextPositions

/// A template that Go's text/template (with consul-template's functions) would reject.
/// `description` follows Go: `template: NAME:LINE:COLUMN: MESSAGE`.
public struct TemplateSyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
    public let templateName: String
    public let line: Int
    public let column: Int
    public let offset: Int
    /// Go's wording, e.g. `function "keyz" not defined`.
    public let message: String

    init(_ message: String, name: String, at position: TextPosition) {
        self.templateName = name
        self.line = position.line
        self.column = position.column
        self.offset = position.offset
        self.message = message
    }

    public var description: String { "template: \(templateName):\(line):\(column): \(message)" }
}

/// A failure while executing a template, e.g. a comparison of incompatible values.
public struct TemplateRenderError: Error, Equatable, Sendable, CustomStringConvertible {
    public let templateName: String
    public let line: Int
    public let column: Int
    public let message: String

    init(_ message: String, name: String, at position: TextPosition) {
        self.templateName = name
        self.line = position.line
        self.column = position.column
        self.message = message
    }

    public var description: String { "template: \(templateName):\(line):\(column): executing: \(message)" }
}
