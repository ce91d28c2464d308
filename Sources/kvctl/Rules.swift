import ArgumentParser
import KVCore
import Validation

struct Rules: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rules", abstract: "List every validation rule with its severity.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, markdown, json
    }

    @Option(help: "Output format: text, markdown or json.")
    var output: Format = .text

    struct Row: Encodable {
        let id: String
        let severity: String
        let summary: String
        let rationale: String
        let consumer: String?
    }

    func run() throws {
        let rules = Validation.rules
        switch output {
        case .json:
            print(try jsonText(rules.map { Row(id: $0.id, severity: $0.severity.rawValue, summary: $0.summary, rationale: $0.rationale, consumer: $0.consumer) }))
        case .markdown:
            print("| rule | severity | what it finds | why | consumer behaviour and source |\n|---|---|---|---|---|")
            for rule in rules {
                print("| `\(rule.id)` | \(rule.severity.rawValue) | \(rule.summary) | \(rule.rationale) | \(rule.consumer ?? "") |")
            }
        case .text:
            let width = rules.map(\.id.count).max() ?? 0
            for rule in rules {
                print(rule.id + String(repeating: " ", count: width - rule.id.count + 2) + rule.severity.rawValue.padded(7) + "  " + rule.summary)
            }
        }
    }
}

private extension String {
    func padded(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}
