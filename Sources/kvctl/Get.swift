import ArgumentParser
import Foundation
import KVCore

struct Get: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Write one key's value, byte for byte, to stdout.",
        discussion: "--recurse prints every key under the prefix as KEY:VALUE lines, as 'consul kv get -recurse' does."
    )

    @Argument(help: "The key to read (with --recurse, a prefix).")
    var key: String

    @Flag(help: "Print every key under KEY as KEY:VALUE, one per line, as 'consul kv get -recurse'.")
    var recurse = false

    @OptionGroup var source: RevisionOptions

    func run() throws {
        let revision = try source.load()
        try report(revision.diagnostics.filter { $0.severity == .error })
        if recurse {
            // hashicorp/consul command/kv/get/kv_get.go: fmt.Sprintf("%s:%s", pair.Key, pair.Value), one line each.
            var output: [UInt8] = []
            for entry in revision.loaded.tree.entries(under: key) {
                output += Array(entry.key.utf8) + [UInt8(ascii: ":")] + entry.value + [UInt8(ascii: "\n")]
            }
            return FileHandle.standardOutput.write(Data(output))
        }
        guard let entry = revision.loaded.tree[key] else {
            writeError("kvctl: error: no key '\(key)' in \(revision.source.label)")
            throw ExitCode(1)
        }
        FileHandle.standardOutput.write(Data(entry.value))
    }
}
