/// A key must be either scoped (`capabilities`) or `unscoped: true`, not both and not neither.
enum ScopeConflict: PolicyRule {
    static let id: RuleID = "scope-conflict"
    static let defaultSeverity = Severity.error
    static let summary = "A key sets both `capabilities` and `unscoped: true`, or neither."
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic]) {
        context.forEachKey { key, _, _, _ in
            if key.isUnscoped, let scope = key.scope {
                diagnostics.append(
                    finding(
                        "key \(Quote.quoted(key.name.value)) sets both `capabilities` and `unscoped: true`",
                        at: scope.location,
                        notes: [DiagnosticNote("`unscoped` set here", at: key.unscoped!.location)],
                        help: "remove `capabilities`, or remove `unscoped`"
                    ))
            } else if !key.isUnscoped && key.scope == nil && !key.scopeMalformed {
                diagnostics.append(
                    finding(
                        "key \(Quote.quoted(key.name.value)) has no scope",
                        at: key.unscoped?.location ?? key.name.location,
                        help: "list its `capabilities`, or set `unscoped: true` with a justification and an expiry"
                    ))
            }
        }
    }
}
