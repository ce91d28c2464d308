import Foundation

/// The gates `kvctl promote VERSION --to NAME` checks when NAME says `after: ENV` (and `soak:`): in
/// each datacenter of ENV, the release must be live and in sync now, and have been live at least the
/// soak, counted from the publication that made it live there. Publishing the same release again (a
/// heal of drift) or resuming its interrupted publish adds a publication of the same tag, which does
/// not restart the clock; another release live in between does.
public struct PromotionGates: Sendable {
    /// The release tag to promote.
    public let tag: String
    /// The environment it must have reached.
    public let after: String
    /// Seconds; nil for no soak.
    public let soak: Int?

    public init(tag: String, after: String, soak: Int?) {
        self.tag = tag
        self.after = after
        self.soak = soak
    }

    public struct Result: Sendable, Encodable, CustomStringConvertible {
        /// `after staging` or `soak 30m`.
        public let gate: String
        /// Where it was checked: the store's description.
        public let place: String
        public let passed: Bool
        public let reason: String

        public var description: String { "\(gate), \(place): \(passed ? "passed" : "FAILED"): \(reason)" }
    }

    /// The results for one datacenter of the `after` environment. A store that cannot be read fails
    /// its gates (so `--force` can still promote past an unreachable datacenter, knowingly).
    public func check(_ reader: LiveStateReader, prune: [String], place: String, now: Date) async -> [Result] {
        let live: LiveState
        do {
            live = try await reader.read(keys: [], prune: prune)
        } catch {
            return results(place, sync: (false, "cannot read it: \(error)"), soak: soak.map { _ in (false, "cannot read it") })
        }
        let current = live.own?.record.current
        let sync: (Bool, String)
        if let unfinished = live.unfinished?.journal {
            sync = (false, "\(unfinished.summary) there; finish or undo it first")
        } else if let current, current.tag == tag {
            let drift = DriftDetector(prune: prune).drift(in: live)
            sync = drift.isEmpty ? (true, "\(tag) is live and in sync")
                : (false, "\(drift.count == 1 ? "1 key differs" : "\(drift.count) keys differ") from what \(tag) published ("
                    + drift.prefix(3).map(\.description).joined(separator: ", ") + (drift.count > 3 ? ", ..." : "") + ")")
        } else {
            sync = (false, current.map { "\($0.tag) is live there, not \(tag)" } ?? "nothing is published there as '\(reader.name)'")
        }
        guard let soak else { return results(place, sync: sync, soak: nil) }
        guard let current, current.tag == tag, let record = live.own?.record else {
            return results(place, sync: sync, soak: (false, "\(tag) is not live there"))
        }
        let run = ([current] + record.history).prefix { $0.tag == tag }
        guard let since = run.last, let date = ISO8601DateFormatter().date(from: since.published) else {
            return results(place, sync: sync, soak: (false, "the record's publication date '\(run.last?.published ?? "")' is not a date"))
        }
        let elapsed = max(0, Int(now.timeIntervalSince(date)))
        let reason = "live there since \(since.published) (\(Self.text(seconds: elapsed)) ago)"
        return results(place, sync: sync, soak: elapsed >= soak ? (true, reason)
            : (false, reason + ", \(Self.text(seconds: soak - elapsed)) short of the soak"))
    }

    private func results(_ place: String, sync: (Bool, String), soak soaked: (Bool, String)?) -> [Result] {
        [Result(gate: "after \(after)", place: place, passed: sync.0, reason: sync.1)]
            + (soaked.map { [Result(gate: "soak \(Self.text(seconds: soak ?? 0))", place: place, passed: $0.0, reason: $0.1)] } ?? [])
    }

    /// `1d2h`, `1h30m`, `45s`: the units `soak:` is written in, largest first, zeros left out.
    public static func text(seconds: Int) -> String {
        let units = [("d", 86400), ("h", 3600), ("m", 60), ("s", 1)]
        var rest = seconds, text = ""
        for (unit, size) in units where rest >= size {
            text += "\(rest / size)\(unit)"
            rest %= size
        }
        return text.isEmpty ? "0s" : text
    }
}
