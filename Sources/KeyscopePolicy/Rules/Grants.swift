import KeyscopeAccess

/// A capability tagged `internal` must not reach a `customer` or `partner` key, directly, through a selector, or by an unscoped key.
enum InternalExposure: PolicyRule {
    static let id = RuleID.internalExposure
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic]) {
        context.forEachKey { key, _, product, grants in
            guard let product, let audience = key.audience, audience.isExternal else { return }
            let capabilities = product.product.capabilities
            if key.isUnscoped {
                for index in product.tagged[AccessVocabulary.internalTag] ?? [] {
                    diagnostics.append(finding(
                        "internal capability \(Quote.quoted(capabilities[index].id.value)) reaches \(audience.rawValue) key \(Quote.quoted(key.name.value)) through `unscoped: true`",
                        at: key.unscoped!.location, help: "scope the key to the capabilities it needs"
                    ))
                }
                return
            }
            for grant in grants where product.isInternal[grant.capability] {
                let entry = key.scope!.value[grant.entry]
                let via = if case .tag(let tag) = entry.value { " through selector \(Quote.quoted("tag:" + tag))" } else { "" }
                diagnostics.append(finding(
                    "internal capability \(Quote.quoted(capabilities[grant.capability].id.value)) granted to \(audience.rawValue) key \(Quote.quoted(key.name.value))\(via)",
                    at: entry.location,
                    help: "remove the grant, or change the key's audience if it is not held outside the organisation"
                ))
            }
        }
    }
}

/// A key is granted a capability that is marked `deprecated`.
enum DeprecatedCapability: PolicyRule {
    static let id = RuleID.deprecatedCapability
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic]) {
        context.forEachKey { key, _, product, grants in
            guard let product, !key.isUnscoped else { return }
            let capabilities = product.product.capabilities
            for grant in grants where product.isDeprecated[grant.capability] {
                guard let reason = capabilities[grant.capability].deprecated else { continue }
                let entry = key.scope!.value[grant.entry]
                let via = if case .tag(let tag) = entry.value { " through selector \(Quote.quoted("tag:" + tag))" } else { "" }
                diagnostics.append(finding(
                    "key \(Quote.quoted(key.name.value)) is granted deprecated capability \(Quote.quoted(capabilities[grant.capability].id.value))\(via)",
                    at: entry.location,
                    notes: [DiagnosticNote("deprecated here: \(Quote.sanitized(reason))", at: capabilities[grant.capability].id.location)]
                ))
            }
        }
    }
}

/// A key whose `expires` date has passed; the gateway refuses it anyway, so the entry is dead weight.
enum ExpiredKey: PolicyRule {
    static let id = RuleID.expiredKey
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic]) {
        context.forEachKey { key, _, _, _ in
            guard let expires = key.expires, expires.value < context.checkDate else { return }
            diagnostics.append(finding(
                "key \(Quote.quoted(key.name.value)) expired on \(expires.value)", at: expires.location,
                help: "remove the key, or extend `expires` if it is still needed"
            ))
        }
    }
}
