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
