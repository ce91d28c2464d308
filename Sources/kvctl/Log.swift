import ArgumentParser
import Foundation
import Workflows

struct Log: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Show an environment's history: releases and pins.",
        discussion: """
            Newest first, as git log: every publication in each datacenter's version record (kind publish, \
            rollback, or sync when kvctl sync made it), and every commit on HEAD's first-parent line that changed \
            the environment's pin in kvctl.yaml (kind promote, whether kvctl promote or a person wrote it). A \
            record keeps the current publication and the 20 before it, so older ones are not shown.
            Exit status: 0; 1 a store error; 2 bad arguments or an unknown environment.
            """
    )

    @Option(help: ArgumentHelp("The environment under 'environments:' in kvctl.yaml.", valueName: "name"))
    var env: String

    @Option(help: ArgumentHelp("Only this datacenter's records (pin commits are still shown).", valueName: "dc"))
    var datacenter: String?

    @Option(help: "Output format: text or json.")
    var output: OutputFormat = .text

    @OptionGroup var location: RepositoryOptions

    func run() async throws {
        let source = try ReleaseSource(directory: location.directory)
        let events = try await EnvironmentHistory.read(source, environment: env, datacenter: datacenter)
        if output == .json { return print(try jsonText(events)) }
        if events.isEmpty { writeError("kvctl: nothing recorded for environment '\(env)' yet") }
        print(events.map { event in
            let place = [event.datacenter, "commit \(event.commit.prefix(7))"].compactMap { $0 }.joined(separator: ", ")
            return "\(event.version) \(event.kind) (\(place))\nAuthor: \(event.who)\nDate:   \(event.when)\n"
                + (event.note.map { "\n    \($0)\n" } ?? "")
        }.joined(separator: "\n"), terminator: "")
    }
}
