/// A key with no owner: neither its own `owners` nor its key set's.
enum MissingOwner: PolicyRule {
    static let id: RuleID = "missing-owner"
    static let defaultSeverity = Severity.error
    static let summary = "A key has no owner, neither its own nor its key set's."
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic]) {
        context.forEachKey { key, keySet, _, _ in
            if context.owners(of: key, in: keySet).isEmpty {
                diagnostics.append(
                    finding(
                        "key \(Quote.quoted(key.name.value)) has no owner",
                        at: key.owners?.location ?? key.name.location,
                        help: "set `owners` on the key or on its key set"
                    ))
            }
        }
    }
}
