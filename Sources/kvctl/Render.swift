import ArgumentParser
import Foundation
import GitKit
import KVCore
import Validation
import Workflows

struct Render: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render a template offline, as consul-template would.",
        discussion: """
            Prints the exact bytes consul-template would write for the template stored at KEY: key, keyOrDefault, \
            ls and tree read the revision's own values; keys listed under 'external-keys' come from --set KEY=VALUE, \
            or from the live store of --env (read-only; its first datacenter unless --datacenter). An external key \
            with no value is reported with the template line that reads it. secret, service and the other Vault, \
            catalog and Nomad functions print marked placeholders (SECRET_PLACEHOLDER, SERVICE_PLACEHOLDER), never a \
            real value; env reads --set-env NAME=VALUE (a variable not given is unset). \
            Exit status: 0 rendered; 1 the template does not parse or render (file:line:column), or consul-template \
            would wait on a key (key, safeLs, safeTree on something absent) and write nothing; 2 bad arguments. \
            With --all DIR, every template is rendered into DIR/KEY.
            """
    )

    @Argument(help: "The key holding the template (omit with --all).")
    var key: String?

    @OptionGroup var source: RevisionOptions

    @Option(help: ArgumentHelp("Read the live values of external-keys from this environment (read-only).", valueName: "name"))
    var env: String?

    @Option(help: ArgumentHelp("With --env: the datacenter to read (default: the environment's first).", valueName: "dc"))
    var datacenter: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("The value of an external key, KEY=VALUE (repeatable).", valueName: "key=value"))
    var values: [String] = []

    @Option(name: .customLong("set-env"), help: ArgumentHelp("An environment variable for env, NAME=VALUE (repeatable).", valueName: "name=value"))
    var environment: [String] = []

    @Option(help: ArgumentHelp("Render every template into this folder, laid out by key.", valueName: "dir"))
    var all: String?

    func validate() throws {
        if (key == nil) == (all == nil) { throw ValidationError("name a KEY, or pass --all DIR, not both") }
        if datacenter != nil && env == nil { throw ValidationError("--datacenter needs --env") }
        for pair in values + environment where !pair.contains("=") {
            throw ValidationError("'\(pair)' is not NAME=VALUE")
        }
    }

    private static func pairs(_ list: [String]) -> [String: String] {
        Dictionary(list.map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }, uniquingKeysWith: { _, last in last })
    }

    func run() async throws {
        let revision = try source.load()
        try report(revision.diagnostics.filter { $0.severity == .error })
        var inputs = RenderInputs(externalValues: [:], environment: Self.pairs(environment))
        if let env {
            // Only the first datacenter is read unless one is named: rendering needs one store.
            var selection = StoreSelection(env: env)
            selection.datacenter = try datacenter ?? selection.environment(in: revision.config)?.datacenters.first
            let root = URL(fileURLWithPath: try repositoryRoot())
            try await selection.withStore(config: revision.config, repositoryRoot: root, stopped: { writeError($0) }) { store, name in
                writeError("kvctl: reading external-keys from \(name)")
                inputs.externalValues = try await ExternalValues.read(from: store, globs: revision.config.externalKeys)
            }
        }
        // --set wins over the live store: it is what the reviewer asked to see.
        inputs.externalValues.merge(Self.pairs(values)) { _, given in given }
        let renderer = VersionRenderer(tree: revision.loaded.tree, config: revision.config, inputs: inputs)
        if let all { return try renderAll(renderer, into: all) }
        guard let key, revision.loaded.tree[key] != nil else {
            throw refuse("no key '\(key ?? "")' in \(revision.source.label)")
        }
        guard renderer.isTemplate(key) else { throw refuse("'\(key)' is not a consul-template template (see Content types in the README)") }
        let rendered: RenderedTemplate
        do {
            rendered = try renderer.render(key)
        } catch {
            throw refuse(Self.describe(error))
        }
        notes(rendered)
        guard rendered.isComplete else { throw ExitCode(1) }
        FileHandle.standardOutput.write(Data(rendered.output.utf8))
    }

    private func repositoryRoot() throws -> String {
        let repository = try Repository(discovering: source.directory)
        guard let workdir = repository.workdir else { throw usageError("--env needs a working tree") }
        return workdir
    }

    static func describe(_ failure: RenderFailure) -> String {
        "\(failure.location): \(failure.message)"
    }

    /// What made the output uncertain, on stderr, one line each, at the template's line.
    private func notes(_ rendered: RenderedTemplate) {
        let file = rendered.file ?? rendered.key
        for gap in rendered.gaps {
            let owner = gap.external ? "external key" : "key"
            let what = ["ls", "safeLs", "tree", "safeTree"].contains(gap.function) ? "no \(owner)s under '\(gap.key)'" : "no \(owner) '\(gap.key)'"
            let outcome = gap.blocks ? "consul-template would wait and write nothing" : "rendered without it"
            let hint = gap.external ? "; pass --set \(gap.key)=VALUE or --env NAME" : ""
            writeError("\(file):\(gap.line):\(gap.column): \(gap.blocks ? "error" : "warning"): \(gap.function) reads \(what): \(outcome)\(hint)")
        }
        for use in rendered.placeholders {
            writeError("\(file):\(use.line): note: \(use.function) is unknowable offline; its value is a marked placeholder")
        }
    }

    private func renderAll(_ renderer: VersionRenderer, into folder: String) throws {
        let root = URL(fileURLWithPath: folder)
        var failures = 0, written = 0
        for key in renderer.templateKeys {
            do {
                let rendered = try renderer.render(key)
                notes(rendered)
                guard rendered.isComplete else { failures += 1; continue }
                let target = root.appendingPathComponent(key)
                try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(rendered.output.utf8).write(to: target)
                written += 1
            } catch let failure as RenderFailure {
                writeError("kvctl: error: " + Self.describe(failure))
                failures += 1
            } catch {
                // A key that is also a folder of other keys (`a` and `a/b`) cannot be both a file and a folder.
                writeError("kvctl: error: cannot write \(key) under \(folder): \(error.localizedDescription)")
                failures += 1
            }
        }
        writeError("kvctl: rendered \(TreeDiff.count(written, "template")) into \(folder)" + (failures > 0 ? "; \(failures) failed" : ""))
        if failures > 0 { throw ExitCode(1) }
    }
}
