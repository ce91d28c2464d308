import Foundation
import KVCore
import Publishing

/// A publish plan for people (a diff-like list, coloured on a terminal) and for machines (JSON).
public struct PlanRendering: Sendable {
    public let plan: PublishPlan
    public let colored: Bool
    /// `--allow-deletes`, which the delete guard's verdict in the plan takes into account.
    public var allowedDeletes: Int?

    public init(plan: PublishPlan, colored: Bool, allowedDeletes: Int?) {
        self.plan = plan
        self.colored = colored
        self.allowedDeletes = allowedDeletes
    }

    public func text() -> String {
        let request = plan.request, tag = request.publication.tag
        var text = plan.live.map { "live: \($0.tag) (commit \($0.commit.prefix(7))), published \($0.published) by \($0.publisher)\n" }
            ?? "live: nothing published yet as '\(request.name)'\n"
        var bodies = ""
        for change in plan.changes {
            var line: String
            switch change.action {
            case .create: line = paint("+ \(change.key)", "32") + inline(change.new ?? [])
            case .update:
                line = paint("~ \(change.key)", "33")
                if let old = change.old, let new = change.new, let oldText = ValueText.text(of: old.value), let newText = ValueText.text(of: new) {
                    bodies += UnifiedDiff.render(old: oldText, new: newText, oldLabel: "live:\(change.key)", newLabel: "\(tag):\(change.key)")
                        .split(separator: "\n", omittingEmptySubsequences: false).map { colorDiffLine(String($0)) }.joined(separator: "\n")
                } else {
                    line += " (\(TreeDiff.count(change.old?.value.count ?? 0, "byte")) -> \(TreeDiff.count(change.new?.count ?? 0, "byte")))"
                }
            case .delete: line = paint("- \(change.key)", "31") + (change.pruned ? " (pruned)" : "")
            }
            if change.sentinel { line += " (sentinel: written last)" }
            text += line + "\n"
        }
        if !bodies.isEmpty { text += "\n" + bodies }
        if let unfinished = plan.unfinished { text += "\(unfinished.summary): this plan completes it\n" }
        if !plan.spanning.isEmpty {
            text += "templates whose read set spans transactions (consul-template may render a mix of old and new between them):\n"
                + plan.spanning.map { "  \($0)\n" }.joined()
        }
        if plan.exceedsDeleteGuard(allowing: allowedDeletes) {
            text += paint("delete guard: \(deleteGuardProblem(allowing: allowedDeletes, sample: false))", "31") + "\n"
        }
        if !plan.drift.isEmpty {
            text += paint("drift: \(TreeDiff.count(plan.drift.count, "key")) changed outside kvctl since the last publish would be overwritten:", "31")
                + "\n" + plan.drift.map { "  \($0)\n" }.joined()
        }
        return text + summary() + "\n"
    }

    /// Why the plan's deletions need `--allow-deletes`: the count and the limit, and with `sample` some of the keys.
    public func deleteGuardProblem(allowing allowed: Int?, sample: Bool = true) -> String {
        let deletes = plan.changes.filter { $0.action == .delete }.map(\.key)
        var text = "it would delete \(TreeDiff.count(deletes.count, "key")); the delete guard allows \(plan.deleteLimit) "
            + "(of the \(TreeDiff.count(plan.ownedCount, "key")) '\(plan.request.name)' owns; delete-guard in kvctl.yaml)"
            + (allowed.map { " and --allow-deletes \($0)" } ?? "")
        if sample {
            text += ", among them:\n" + deletes.prefix(10).map { "  - \($0)\n" }.joined()
                + (deletes.count > 10 ? "  … and \(deletes.count - 10) more\n" : "")
        } else {
            text += "; "
        }
        return text + "pass --allow-deletes \(deletes.count) to delete them"
    }

    private func summary() -> String {
        let counts = "\(plan.count(.create)) to create, \(plan.count(.update)) to update, \(plan.count(.delete)) to delete, \(plan.unchanged) unchanged"
        guard plan.refusals.isEmpty else { return "plan: \(counts); refused" }
        guard plan.hasChanges else { return "plan: no changes; \(plan.request.publication.tag) is live as tagged" }
        return "plan: \(counts); \(TreeDiff.count(plan.transactions.count, "transaction")), \(TreeDiff.count(plan.operations, "operation"))"
            + " (the version record included)"
    }

    /// A short one-line text value in full, anything else by size.
    private func inline(_ value: [UInt8]) -> String {
        if let text = ValueText.text(of: value), text.count <= 60, !text.contains("\n") { return " = \(text)" }
        return " (\(TreeDiff.count(value.count, "byte")))"
    }

    private func colorDiffLine(_ line: String) -> String {
        if line.hasPrefix("+++") || line.hasPrefix("---") { return paint(line, "1") }
        if line.hasPrefix("+") { return paint(line, "32") }
        if line.hasPrefix("-") { return paint(line, "31") }
        if line.hasPrefix("@@") { return paint(line, "36") }
        return line
    }

    private func paint(_ text: String, _ code: String) -> String {
        colored && !text.isEmpty ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    public struct Value: Encodable, Sendable {
        public let size: Int
        public let sha256: String

        init(_ bytes: [UInt8]) {
            size = bytes.count
            sha256 = SHA256.hex(bytes)
        }
    }

    public struct Change: Encodable, Sendable {
        public let key: String
        public let action: String
        public let from: Value?
        public let to: Value?
        public let sentinel: Bool
        public let pruned: Bool
    }

    public struct Keys: Encodable, Sendable {
        public let create: [String]
        public let update: [String]
        public let delete: [String]
    }

    public struct Spanning: Encodable, Sendable {
        public let template: String
        public let transactions: [Int]
        public let reason: String
    }

    public struct Report: Encodable, Sendable {
        public let name: String
        public let version: String
        public let tag: String
        public let commit: String
        public let live: Publication?
        public let create: Int
        public let update: Int
        public let delete: Int
        public let unchanged: Int
        public let transactions: Int
        public let operations: Int
        public let changes: [Change]
        /// The keys of each kind, in key order.
        public let keys: Keys
        public let spanning: [Spanning]
        /// Nil with `delete-guard: off`.
        public let deleteLimit: Int?
        public let refusals: [String]
        public let drift: [String]
        public let applied: Bool
    }

    private func keys(_ action: PublishPlan.Action) -> [String] {
        plan.changes.filter { $0.action == action }.map(\.key)
    }

    public func report(applied: Bool) -> Report {
        let publication = plan.request.publication
        return Report(name: plan.request.name, version: publication.version, tag: publication.tag, commit: publication.commit,
                      live: plan.live, create: plan.count(.create), update: plan.count(.update), delete: plan.count(.delete),
                      unchanged: plan.unchanged, transactions: plan.transactions.count, operations: plan.operations,
                      changes: plan.changes.map {
                          Change(key: $0.key, action: $0.action.rawValue, from: $0.old.map { Value($0.value) },
                                 to: $0.new.map(Value.init), sentinel: $0.sentinel, pruned: $0.pruned)
                      },
                      keys: Keys(create: keys(.create), update: keys(.update), delete: keys(.delete)),
                      spanning: plan.spanning.map { Spanning(template: $0.template, transactions: $0.transactions, reason: $0.reason) },
                      deleteLimit: plan.deleteLimit == Int.max ? nil : plan.deleteLimit,
                      refusals: plan.refusals.map(\.description), drift: plan.drift.map(\.key), applied: applied)
    }
}
