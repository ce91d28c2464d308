import ArgumentParser
import Foundation
import KVCore

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the resolved tree as the JSON array that 'consul kv import' reads."
    )

    @OptionGroup var source: RevisionOptions

    func run() throws {
        let revision = try source.load()
        // Never export a tree that does not load cleanly: the output is meant to be imported.
        try report(revision.diagnostics.filter { $0.severity == .error })
        print(ConsulExport.json(revision.loaded.tree))
    }
}
