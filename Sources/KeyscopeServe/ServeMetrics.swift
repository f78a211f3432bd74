import KeyscopeRuntime
import Prometheus

/// `/metrics` in the Prometheus text format: decisions by outcome, the table's serial and
/// seconds to expiry, reloads by outcome, open connections.
///
/// The decision counters are made once per outcome (no label lookup per request); each is one
/// atomic add.
public final class ServeMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let decisions: [String: Counter]
    let reloads: [String: Counter]
    let serial: Gauge
    let secondsToExpiry: Gauge
    let connections: Gauge

    /// The outcomes counted in `keyscope_decisions_total{outcome=…}`.
    public static let outcomes = [
        "allow", "not-in-scope", "key-expired", "unknown-capability", "unknown-key", "no-valid-table", "missing-key",
        "missing-capability", "invalid-request",
    ]

    public init() {
        let registry = self.registry
        decisions = Dictionary(
            uniqueKeysWithValues: Self.outcomes.map { outcome in
                (
                    outcome,
                    registry.makeCounter(
                        descriptor: MetricNameDescriptor(
                            namespace: "keyscope", metricName: "decisions", unitName: "total",
                            helpText: "Authorization decisions answered, by outcome."),
                        labels: [("outcome", outcome)])
                )
            })
        reloads = Dictionary(
            uniqueKeysWithValues: ["loaded", "rejected"].map { outcome in
                (
                    outcome,
                    registry.makeCounter(
                        descriptor: MetricNameDescriptor(
                            namespace: "keyscope", subsystem: "table", metricName: "reloads", unitName: "total",
                            helpText: "Tables looked at, by outcome: loaded (now served) or rejected (last good kept)."),
                        labels: [("outcome", outcome)])
                )
            })
        serial = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "keyscope", subsystem: "table", metricName: "serial", unitName: "",
                helpText: "Serial of the table in service (0: none)."))
        secondsToExpiry = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "keyscope", subsystem: "table", metricName: "expiry", unitName: "seconds",
                helpText: "Seconds until the table in service expires (0: none or expired)."))
        connections = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "keyscope", metricName: "open_connections", unitName: "",
                helpText: "Open client connections."))
    }

    func count(_ outcome: String) { decisions[outcome]?.increment() }

    /// The text exposition, with the table gauges read now.
    func exposition(table: ScopeTable?, now: Int64) -> String {
        serial.set(Double(table?.header.serial ?? 0))
        secondsToExpiry.set(Double(max(0, (table?.header.expiresAt ?? now) - now)))
        return registry.emitToString()
    }
}
