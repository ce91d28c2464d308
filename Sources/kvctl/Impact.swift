import ArgumentParser
import Foundation
import KVCore
import Validation

struct Impact: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "impact",
        abstract: "Who consumes each key changed between two revisions.",
        discussion: """
            For each added, changed or removed key: the templates that read it (by exact key, or by an ls/tree \
            prefix as Consul lists it, with file:line), the dashboards whose datasource provisioning it is, and the \
            Logstash pipelines whose concatenation it is part of. Templates reading keys computed at render time are \
            listed apart: their reads cannot be followed. Exits 0 whether or not anything is consumed.
            """
    )

    @OptionGroup var revisions: RevisionPair

    @Option(help: "Output format: text or json.")
    var output: OutputFormat = .text

    struct Report: Encodable {
        let from: String
        let to: String
        let keys: [KeyImpact]
        let unchecked: [Consumer]
    }

    func run() throws {
        let (old, new, from, to) = try revisions.load()
        let comparison = VersionComparison(old: (old.loaded.tree, old.config), new: (new.loaded.tree, new.config))
        let impact = comparison.impact(), unchecked = comparison.uncheckedTemplates
        switch output {
        case .json:
            print(try jsonText(Report(from: from, to: to, keys: impact, unchecked: unchecked)))
        case .text:
            var text = ""
            for item in impact {
                let sign = item.change == "added" ? "+" : item.change == "removed" ? "-" : "~"
                text += "\(sign) \(item.key)" + (item.consumers.isEmpty ? " (no consumer found)" : "") + "\n"
                for consumer in item.consumers {
                    text += "    \(consumer.kind) \(consumer.name) at \(consumer.location): \(consumer.how)\n"
                }
            }
            if !unchecked.isEmpty {
                text += "\nnot followed (keys computed at render time):\n"
                text += unchecked.map { "    \($0.name) at \($0.location): \($0.how)\n" }.joined()
            }
            FileHandle.standardOutput.write(Data(text.utf8))
        }
        writeError("\(comparison.diff.summary) from \(old.source.label) to \(new.source.label)")
    }
}
