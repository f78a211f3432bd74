import KeyscopeAccess

/// A capability tagged `internal` must not reach a `customer` or `partner` key, directly, through a selector, or by an
/// unscoped key.
enum InternalExposure: PolicyRule {
    static let id: RuleID = "internal-exposure"
    static let defaultSeverity = Severity.error
    static let summary = "A capability tagged `internal` is granted to a `customer` or `partner` key."
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic]) {
        context.forEachKey { key, _, product, grants in
            guard let product, let audience = key.audience, audience.isExternal else { return }
            let capabilities = product.product.capabilities
            if key.isUnscoped {
                for index in product.tagged[AccessVocabulary.internalTag] ?? [] {
                    diagnostics.append(
                        finding(
                            "internal capability \(Quote.quoted(capabilities[index].id.value)) reaches \(audience.rawValue) key \(Quote.quoted(key.name.value)) through `unscoped: true`",
                            at: key.unscoped!.location, help: "scope the key to the capabilities it needs"
                        ))
                }
                return
            }
            for grant in grants where product.isInternal[grant.capability] {
                let entry = key.scope!.value[grant.entry]
                let via = selectorClause(entry.value)
                diagnostics.append(
                    finding(
                        "internal capability \(Quote.quoted(capabilities[grant.capability].id.value)) granted to \(audience.rawValue) key \(Quote.quoted(key.name.value))\(via)",
                        at: entry.location,
                        help:
                            "remove the grant, or change the key's audience if it is not held outside the organisation"
                    ))
            }
        }
    }
}
