import ArgumentParser
import Foundation
import GitKit

struct Hook: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Install or remove the pre-commit validation hook.",
        subcommands: [Install.self, Uninstall.self]
    )

    static let marker = "# kvctl-managed-hook"

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write .git/hooks/pre-commit running 'kvctl validate --staged'.")

        @Option(name: .customShort("C"), help: ArgumentHelp("Run as if kvctl was started in <path>.", valueName: "path"))
        var directory = "."

        @Flag(help: "Replace a pre-commit hook that kvctl did not write.")
        var force = false

        func run() throws {
            let installer = HookInstaller(repository: try Repository(discovering: directory), marker: Hook.marker)
            switch try installer.install("pre-commit", script: script(), force: force) {
            case .installed(let path): print("installed \(path): every commit now runs 'kvctl validate --staged'")
            case .replaced(let path): print("replaced \(path)")
            case .unchanged(let path): print("\(path) is already up to date")
            }
        }

        /// Prefers the kvctl that installed the hook, so it works even when kvctl is not on PATH.
        private func script() -> String {
            let binary = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.resolvingSymlinksInPath().path
            return """
                #!/bin/sh
                \(Hook.marker) (written by 'kvctl hook install'; remove with 'kvctl hook uninstall')
                # Validates the index, so an unstaged edit can neither hide nor fix a staged problem.
                kvctl='\(binary.replacingOccurrences(of: "'", with: "'\\''"))'
                [ -x "$kvctl" ] || kvctl=kvctl
                exec "$kvctl" validate --staged

                """
        }
    }

    struct Uninstall: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove the pre-commit hook if kvctl wrote it.")

        @Option(name: .customShort("C"), help: ArgumentHelp("Run as if kvctl was started in <path>.", valueName: "path"))
        var directory = "."

        func run() throws {
            let installer = HookInstaller(repository: try Repository(discovering: directory), marker: Hook.marker)
            print(try installer.uninstall("pre-commit") ? "removed the pre-commit hook" : "no pre-commit hook to remove")
        }
    }
}
