/// A key is granted a capability that is marked `deprecated`.
enum DeprecatedCapability: PolicyRule {
    static let id: RuleID = "deprecated-capability"
    static let defaultSeverity = Severity.warning
    static let summary = "A key is granted a deprecated capability."
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic]) {
        context.forEachKey { key, _, product, grants in
            guard let product, !key.isUnscoped else { return }
            let capabilities = product.product.capabilities
            for grant in grants where product.isDeprecated[grant.capability] {
                guard let reason = capabilities[grant.capability].deprecated else { continue }
                let entry = key.scope!.value[grant.entry]
                let via = selectorClause(entry.value)
                diagnostics.append(
                    finding(
                        "key \(Quote.quoted(key.name.value)) is granted deprecated capability \(Quote.quoted(capabilities[grant.capability].id.value))\(via)",
                        at: entry.location,
                        notes: [
                            DiagnosticNote(
                                "deprecated here: \(Quote.sanitized(reason))",
                                at: capabilities[grant.capability].id.location)
                        ]
                    ))
            }
        }
    }
}
