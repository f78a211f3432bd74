/// A key must be either scoped (`capabilities`) or `unscoped: true`, not both and not neither.
enum ScopeConflict: PolicyRule {
    static let id = RuleID.scopeConflict
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic]) {
        context.forEachKey { key, _, _, _ in
            if key.isUnscoped, let scope = key.scope {
                diagnostics.append(finding(
                    "key \(Quote.quoted(key.name.value)) sets both `capabilities` and `unscoped: true`", at: scope.location,
                    notes: [DiagnosticNote("`unscoped` set here", at: key.unscoped!.location)],
                    help: "remove `capabilities`, or remove `unscoped`"
                ))
            } else if !key.isUnscoped && key.scope == nil && !key.scopeMalformed {
                diagnostics.append(finding(
                    "key \(Quote.quoted(key.name.value)) has no scope", at: key.unscoped?.location ?? key.name.location,
                    help: "list its `capabilities`, or set `unscoped: true` with a justification and an expiry"
                ))
            }
        }
    }
}

/// `capabilities: []` grants nothing; a key that needs no access should be removed.
enum EmptyScope: PolicyRule {
    static let id = RuleID.emptyScope
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic]) {
        context.forEachKey { key, _, _, _ in
            guard let scope = key.scope, key.scopeLength == 0 else { return }
            diagnostics.append(finding(
                "key \(Quote.quoted(key.name.value)) has an empty `capabilities` list", at: scope.location,
                help: "list the capabilities the key needs, or remove the key"
            ))
        }
    }
}

/// A `tag:` selector that matches no capability grants nothing, which is usually a typo.
enum EmptySelector: PolicyRule {
    static let id = RuleID.emptySelector
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic]) {
        for (setIndex, keyIndex, entryIndex) in context.emptySelectors {
            let keySet = context.policy.keySets[setIndex]
            guard let product = context.keySetProducts[setIndex], let entry = keySet.keys[keyIndex].scope?.value[entryIndex], case .tag(let tag) = entry.value else { continue }
            diagnostics.append(finding(
                "selector \(Quote.quoted("tag:" + tag)) matches no capability of product \(Quote.quoted(product.product.id.value))", at: entry.location,
                help: Suggestions.closest(to: tag, among: product.tagged.keys).map { "did you mean \(Quote.quoted("tag:" + $0))?" }
            ))
        }
    }
}
