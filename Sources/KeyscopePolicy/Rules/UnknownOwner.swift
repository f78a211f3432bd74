/// An owner of a capability, key set or key that is not a declared team.
enum UnknownOwner: PolicyRule {
    static let id: RuleID = "unknown-owner"
    static let defaultSeverity = Severity.error
    static let summary = "An owner (of a key, key set or capability) is not a declared team."
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic]) {
        let index = SuggestionIndex(context.teams.keys)
        var suggested = 0
        func checkOwner(_ owner: Located<String>) {
            guard context.teams[owner.value] == nil else { return }
            suggested += 1
            diagnostics.append(
                finding(
                    "unknown owner \(Quote.quoted(owner.value)): no team has this id", at: owner.location,
                    help: suggested <= Suggestions.perRule ? index.didYouMean(owner.value) : nil
                ))
        }
        for product in context.policy.products {
            for capability in product.capabilities {
                if let owner = capability.owner { checkOwner(owner) }
            }
        }
        for keySet in context.policy.keySets {
            keySet.owners?.value.forEach(checkOwner)
        }
        context.policy.settings.owners.forEach(checkOwner)
        context.forEachKey { key, _, _, _ in
            key.owners?.value.forEach(checkOwner)
        }
    }
}
