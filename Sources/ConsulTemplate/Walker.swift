import TextPositions

extension ParsedTemplate {
    /// Every pipeline, nested ones included, ordered by position in the source.
    func allPipelines() -> [TemplatePipeline] {
        var result: [TemplatePipeline] = []
        func visit(_ pipeline: TemplatePipeline) {
            result.append(pipeline)
            for command in pipeline.commands {
                for argument in command.arguments { visit(argument) }
            }
        }
        func visit(_ operand: TemplateOperand) {
            switch operand.kind {
            case .pipeline(let inner): visit(inner)
            case .chain(let base, _): visit(base)
            default: break
            }
        }
        func visit(_ nodes: [TemplateNode]) {
            for node in nodes {
                switch node {
                case .action(let pipeline, _):
                    visit(pipeline)
                case .control(let control):
                    visit(control.pipeline)
                    visit(control.body)
                    if let elseBody = control.elseBody { visit(elseBody) }
                case .template(_, let pipeline, _):
                    if let pipeline { visit(pipeline) }
                case .text, .breakLoop, .continueLoop:
                    break
                }
            }
        }
        visit(root)
        for body in definitions.values { visit(body) }
        return result.sorted { $0.position.offset < $1.position.offset }
    }
}

/// Argument counts are checked before rendering, not only on the paths that execute.
struct ArityChecker {
    let functions: FunctionTable

    func firstProblem(in template: ParsedTemplate) -> (String, TextPosition)? {
        var problems: [(String, TextPosition)] = []
        for pipeline in template.allPipelines() {
            for (stage, command) in pipeline.commands.enumerated() {
                for (index, argument) in command.arguments.enumerated() {
                    let name: String
                    switch argument.kind {
                    case .function(let n): name = n
                    case .chain(let base, _):
                        guard case .function(let n) = base.kind else { continue }
                        name = n
                    default: continue
                    }
                    // A function that is not first in its command is called without arguments;
                    // in a later pipeline stage the previous value is one more argument.
                    let count = index == 0 && argument.kind == .function(name)
                        ? command.arguments.count - 1 + (stage > 0 ? 1 : 0) : 0
                    if let problem = functions.signature(of: name)?.arityProblem(count) {
                        problems.append((problem, argument.position))
                    }
                }
            }
        }
        return problems.min { $0.1.offset < $1.1.offset }
    }
}
