import ArgumentParser
import Foundation
import KVCore

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List resolved keys with their manifest line and size."
    )

    @Argument(help: "List only the keys under this prefix.")
    var prefix: String?

    @OptionGroup var source: RevisionOptions

    @Option(help: "Output format: text or json.")
    var output: OutputFormat = .text

    @Flag(help: "List the orphan files instead: files under the root that no manifest reads.")
    var orphans = false

    struct Row: Encodable {
        let key: String
        let size: Int
        let manifest: String
        let line: Int
        let column: Int
        let file: String?
    }

    func run() throws {
        let revision = try source.load()
        let loaded = revision.loaded
        if orphans {
            try printLines(loaded.orphans, json: output == .json)
            return
        }
        let rows = loaded.tree.entries(under: prefix ?? "").map {
            Row(key: $0.key, size: $0.size, manifest: $0.origin.location.file,
                line: $0.origin.location.line, column: $0.origin.location.column, file: $0.origin.file)
        }
        switch output {
        case .json: print(try jsonText(rows))
        case .text: printTable(rows)
        }
        writeError((prefix.map { "\(plural(rows.count, "key")) under '\($0)' of " } ?? "")
            + "\(plural(loaded.tree.count, "key")) from \(plural(loaded.manifests.count, "manifest")) in \(revision.source.label)")
        try report(revision.diagnostics)
    }

    private func printTable(_ rows: [Row]) {
        let keyWidth = rows.map(\.key.count).max() ?? 0
        let sizeWidth = rows.map { String($0.size).count }.max() ?? 0
        var text = ""
        for row in rows {
            let size = String(row.size)
            text += row.key + String(repeating: " ", count: keyWidth - row.key.count + 2)
            text += String(repeating: " ", count: sizeWidth - size.count) + size + "  "
            text += "\(row.manifest):\(row.line)"
            if let file = row.file { text += "  <- \(file)" }
            text += "\n"
        }
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    private func printLines(_ lines: [String], json: Bool) throws {
        if json {
            print(try jsonText(lines))
        } else if !lines.isEmpty {
            print(lines.joined(separator: "\n"))
        }
    }
}

func jsonText<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
