import ArgumentParser
import Foundation
import KVCore

struct Get: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write one key's value, byte for byte, to stdout.")

    @Argument(help: "The key to read.")
    var key: String

    @OptionGroup var source: RevisionOptions

    func run() throws {
        let revision = try source.load()
        try report(revision.diagnostics.filter { $0.severity == .error })
        guard let entry = revision.loaded.tree[key] else {
            writeError("kvctl: error: no key '\(key)' in \(revision.source.label)")
            throw ExitCode(1)
        }
        FileHandle.standardOutput.write(Data(entry.value))
    }
}
