import Foundation
import NIOConcurrencyHelpers
import Prometheus

/// How one reconcile ended, the `result` label of `kvctl_reconcile_total`.
public enum ReconcileResult: String, Sendable, CaseIterable {
    /// The store was changed to match the pin (publish, rollback, resume or heal).
    case applied
    /// The store already matched the pin.
    case unchanged
    /// kvctl refused (drift, delete guard, foreign keys, a release that does not validate): the live version stays.
    case refused
    /// Fetching, Consul or anything else failed: retried with back-off.
    case failed
}

/// The agent's Prometheus metrics (text exposition format 0.0.4, what `/metrics` serves).
public final class AgentMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let drift: Gauge
    private let leader: Gauge
    private let lastSuccess: Gauge
    private let duration: DurationHistogram
    private let results: [ReconcileResult: Counter]
    private let environment: String
    private let live = NIOLockedValueBox<(tag: String, gauge: Gauge)?>(nil)

    public init(environment: String) {
        self.environment = environment
        let labels = [("environment", environment)]
        drift = registry.makeGauge(descriptor: Self.named("kvctl_drift_keys", "Owned keys changed outside kvctl since the live release was published."), labels: labels)
        leader = registry.makeGauge(descriptor: Self.named("kvctl_leader", "1 while this agent leads its environment, else 0."), labels: labels)
        lastSuccess = registry.makeGauge(descriptor: Self.named("kvctl_last_success_timestamp_seconds",
                                                             "Unix time of the last reconcile that ended applied or unchanged."), labels: labels)
        duration = registry.makeDurationHistogram(
            descriptor: Self.named("kvctl_reconcile_duration_seconds", "How long a reconcile (fetch, plan and apply) took."), labels: labels,
            buckets: [.milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5),
                      .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300)])
        var results: [ReconcileResult: Counter] = [:]
        for result in ReconcileResult.allCases {
            results[result] = registry.makeCounter(descriptor: Self.named("kvctl_reconcile_total", "Reconciles, by how they ended."),
                                                   labels: labels + [("result", result.rawValue)])
        }
        self.results = results
    }

    public func reconciled(_ result: ReconcileResult, took: Duration) {
        results[result]?.increment()
        duration.record(took)
        if result == .applied || result == .unchanged { lastSuccess.set(to: Date().timeIntervalSince1970) }
    }

    public func setDrift(_ keys: Int) { drift.set(to: Double(keys)) }
    public func setLeader(_ leading: Bool) { leader.set(to: leading ? 1.0 : 0.0) }

    /// `kvctl_live_version_info{version="v1.2.0"} 1`: one series, for the tag live now; nil removes it.
    public func setLive(_ tag: String?) {
        live.withLockedValue { current in
            guard current?.tag != tag else { return }
            if let old = current { registry.unregisterGauge(old.gauge) }
            current = tag.map { tag in
                let gauge = registry.makeGauge(descriptor: Self.named("kvctl_live_version_info", "The release live in the environment (value 1)."),
                                               labels: [("environment", environment), ("version", tag)])
                gauge.set(to: 1.0)
                return (tag, gauge)
            }
        }
    }

    /// The whole name in `metricName`: an empty unit is left out of the name.
    private static func named(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    public func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
