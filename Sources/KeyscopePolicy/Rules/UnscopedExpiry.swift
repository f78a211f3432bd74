/// An unscoped key must set `expires` no later than `unscopedMaxDays` (default 90) after the check date.
enum UnscopedExpiry: PolicyRule {
    static let id: RuleID = "unscoped-expiry"
    static let defaultSeverity = Severity.error
    static let summary =
        "An unscoped key has no `expires`, or expires more than `unscopedMaxDays` (default 90) after the check date."
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic]) {
        let maxDays = context.policy.settings.unscopedMaxDays
        let limit = context.checkDate.adding(days: maxDays)
        context.forEachKey { key, _, _, _ in
            guard key.isUnscoped else { return }
            guard let expires = key.expires else {
                diagnostics.append(
                    finding(
                        "unscoped key \(Quote.quoted(key.name.value)) has no `expires`", at: key.unscoped!.location,
                        help:
                            "set `expires` to a date no later than \(limit) (\(maxDays) days after \(context.checkDate))"
                    ))
                return
            }
            if expires.value > limit {
                diagnostics.append(
                    finding(
                        "unscoped key \(Quote.quoted(key.name.value)) expires \(expires.value), more than \(maxDays) days after \(context.checkDate)",
                        at: expires.location,
                        help: "set `expires` no later than \(limit), and renew it when still needed"
                    ))
            }
        }
    }
}
