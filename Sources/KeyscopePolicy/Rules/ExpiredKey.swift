/// A key whose `expires` date has passed; the gateway refuses it anyway, so the entry is dead weight.
enum ExpiredKey: PolicyRule {
    static let id: RuleID = "expired-key"
    static let defaultSeverity = Severity.warning
    static let summary = "A key's `expires` date is before the check date; the gateway refuses it anyway."
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic]) {
        context.forEachKey { key, _, _, _ in
            guard let expires = key.expires, expires.value < context.checkDate else { return }
            diagnostics.append(
                finding(
                    "key \(Quote.quoted(key.name.value)) expired on \(expires.value)", at: expires.location,
                    help: "remove the key, or extend `expires` if it is still needed"
                ))
        }
    }
}
