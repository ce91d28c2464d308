import ArgumentParser
import Foundation
import KVCore
import Workflows

@main
struct KVCTL: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kvctl",
        abstract: "Versioned, validated, reversible releases of a Consul KV store from a git repository.",
        discussion: """
            Exit status: 0 success; 1 invalid content, or a key that is not defined; \
            2 usage error (bad arguments, unknown revision, not a repository); \
            3 status found drift, an unfinished publish, or an environment not running its pinned release. Under publish/rollback --plan --detailed-exitcode \
            every error exits 1 and 2 means only that the plan has changes.
            '-C PATH' may come before the command too (kvctl -C PATH COMMAND), as with git. NO_COLOR or \
            --no-color turn colour off.
            Shell completions: kvctl --generate-completion-script bash|zsh|fish
            """,
        version: "0.1.0",
        // Each names itself (`commandName:`): a name derived from the type is a dynamic cast, whose
        // protocol-conformance scan per command was a tenth of a no-op publish's CPU at every start.
        subcommands: [
            List.self, Get.self, Export.self, Import.self, Validate.self, Rules.self, Hook.self, Release.self, Versions.self, Diff.self,
            Render.self, Impact.self, Review.self, Publish.self, Apply.self, Unpublish.self,
            Rollback.self, Sync.self, Promote.self, Log.self, Status.self, AgentCommand.self,
        ]
    )

    /// Maps errors to the documented exit codes: ArgumentParser's own usage errors would exit 64.
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        // No command is a usage error (as git's 'usage: git ...', exit 1 there; kvctl's usage status is 2).
        if arguments.isEmpty {
            writeError(helpMessage())
            Foundation.exit(2)
        }
        // As terraform plan: with --detailed-exitcode, 2 is "changes" only, so every error is 1.
        let options = arguments.prefix { $0 != "--" }
        let detailed = options.contains("--detailed-exitcode") && options.contains("--plan")
        do {
            var command = try parseAsRoot(try hoistingDirectory(arguments))
            if var asynchronous = command as? AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch is PlanHasChanges {
            Foundation.exit(2)
        } catch let code as ExitCode {
            Foundation.exit(detailed && code.rawValue != 0 ? 1 : code.rawValue)
        } catch let refusal as WorkflowError {
            writeError("kvctl: error: " + refusal.message)
            Foundation.exit(detailed ? 1 : refusal.status)
        } catch let invalid as InvalidContent {
            if let headline = invalid.headline { writeError("kvctl: error: " + headline) }
            try? report(invalid.findings)
            Foundation.exit(1)
        } catch {
            if exitCode(for: error) == .success { exit(withError: error) }
            // ArgumentParser says "Error: ..." for every failure; keep one voice for all of kvctl's.
            var message = fullMessage(for: error)
            if message.hasPrefix("Error: ") { message = "kvctl: error: " + message.dropFirst(7) }
            writeError(message)
            Foundation.exit(detailed ? 1 : 2)
        }
    }

    /// `kvctl -C PATH COMMAND ...` as `kvctl COMMAND -C PATH ...`, so `-C` works before the command as
    /// git's does; the command's own `-C` then applies it (`rules` reads no repository and ignores it).
    /// An unknown command is refused with the nearest ones.
    static func hoistingDirectory(_ arguments: [String]) throws -> [String] {
        var leading: [String] = [], rest = arguments[...]
        while rest.first == "-C" {
            guard rest.count >= 2 else { throw usageError("-C needs a path: kvctl -C PATH COMMAND") }
            leading += rest.prefix(2)
            rest = rest.dropFirst(2)
        }
        guard let name = rest.first, !name.hasPrefix("-"), name != "help" else { return arguments }
        let commands = configuration.subcommands
        guard let command = commands.first(where: { $0._commandName == name }) else {
            let names = commands.map { $0._commandName }
            let near = Suggestions.nearest(name, among: names)
            throw usageError("unknown command '\(name)'; "
                + (near.isEmpty ? "the commands are \(names.joined(separator: ", "))" : "did you mean \(near.joined(separator: " or "))?"))
        }
        var path = [name]
        rest = rest.dropFirst()
        if let sub = rest.first, command.configuration.subcommands.contains(where: { $0._commandName == sub }) {
            path.append(sub)
            rest = rest.dropFirst()
        }
        return path + (command == Rules.self ? [] : leading) + rest
    }
}

func writeError(_ text: String) {
    FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
}
