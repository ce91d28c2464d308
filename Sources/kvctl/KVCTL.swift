import ArgumentParser
import Foundation

@main
struct KVCTL: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kvctl",
        abstract: "Versioned, validated, reversible releases of a Consul KV store from a git repository.",
        discussion: """
            Exit status: 0 success; 1 invalid content, or a key that is not defined; \
            2 usage error (bad arguments, unknown revision, not a repository); \
            3 status found drift or an unfinished publish.
            Shell completions: kvctl --generate-completion-script bash|zsh|fish
            """,
        version: "0.1.0",
        subcommands: [
            List.self, Get.self, Export.self, Validate.self, Rules.self, Hook.self, Release.self, Versions.self, Diff.self, Publish.self,
            Rollback.self, Status.self,
        ]
    )

    /// Maps errors to the documented exit codes: ArgumentParser's own usage errors would exit 64.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch {
            if exitCode(for: error) == .success { exit(withError: error) }
            // ArgumentParser says "Error: ..." for every failure; keep one voice for all of kvctl's.
            var message = fullMessage(for: error)
            if message.hasPrefix("Error: ") { message = "kvctl: error: " + message.dropFirst(7) }
            writeError(message)
            Foundation.exit(2)
        }
    }
}

func writeError(_ text: String) {
    FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
}
