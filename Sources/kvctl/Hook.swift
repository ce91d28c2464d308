import ArgumentParser
import Foundation
import GitKit

struct Hook: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hook",
        abstract: "Install or remove the pre-commit validation hook.",
        subcommands: [Install.self, Uninstall.self]
    )

    static let marker = "# kvctl-managed-hook"

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "install", abstract: "Write the pre-commit hook (in core.hooksPath when set) running 'kvctl validate --staged'.")

        @Option(name: .customShort("C"), help: ArgumentHelp("Run as if kvctl was started in <path>.", valueName: "path"))
        var directory = "."

        @Flag(help: "Replace a pre-commit hook that kvctl did not write.")
        var force = false

        func run() throws {
            let installer = HookInstaller(repository: try Repository(discovering: directory), marker: Hook.marker)
            switch try installer.install("pre-commit", script: script(), force: force) {
            case .installed(let path): print("installed \(path): every commit now runs 'kvctl validate --staged'")
            case .replaced(let path, let backup?): print("replaced \(path); the hook it replaced is kept as \(backup)")
            case .replaced(let path, nil): print("replaced \(path)")
            case .unchanged(let path): print("\(path) is already up to date")
            }
        }

        /// Prefers the kvctl that installed the hook, so it works even when kvctl is not on PATH.
        private func script() -> String {
            let binary = runningExecutable()
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

    /// The absolute path of this kvctl binary. `argv[0]` alone is not it: started from `PATH` it is a bare
    /// `kvctl`, which resolved against the current folder would name whatever file the work tree holds there.
    static func runningExecutable() -> String {
        if let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"), link.hasPrefix("/") {
            return link
        }
        let argument = CommandLine.arguments[0]
        if argument.contains("/") {
            return URL(fileURLWithPath: argument).standardizedFileURL.resolvingSymlinksInPath().path
        }
        // As a shell finds a bare command name: the first executable of that name along PATH.
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for folder in folders where folder.hasPrefix("/") {
            let candidate = folder + "/" + argument
            if FileManager.default.isExecutableFile(atPath: candidate) {
                return URL(fileURLWithPath: candidate).resolvingSymlinksInPath().path
            }
        }
        return argument
    }

    struct Uninstall: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "uninstall", abstract: "Remove the pre-commit hook if kvctl wrote it.")

        @Option(name: .customShort("C"), help: ArgumentHelp("Run as if kvctl was started in <path>.", valueName: "path"))
        var directory = "."

        func run() throws {
            let installer = HookInstaller(repository: try Repository(discovering: directory), marker: Hook.marker)
            print(try installer.uninstall("pre-commit") ? "removed the pre-commit hook" : "no pre-commit hook to remove")
        }
    }
}
