/// A `tag:` selector that matches no capability grants nothing, which is usually a typo.
enum EmptySelector: PolicyRule {
    static let id: RuleID = "empty-selector"
    static let defaultSeverity = Severity.warning
    static let summary = "A `tag:` selector matches no capability of the product."
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic]) {
        for (setIndex, keyIndex, entryIndex) in context.emptySelectors {
            let keySet = context.policy.keySets[setIndex]
            guard let product = context.keySetProducts[setIndex],
                let entry = keySet.keys[keyIndex].scope?.value[entryIndex], case .tag(let tag) = entry.value
            else { continue }
            diagnostics.append(
                finding(
                    "selector \(Quote.quoted("tag:" + tag)) matches no capability of product \(Quote.quoted(product.product.id.value))",
                    at: entry.location,
                    help: Suggestions.closest(to: tag, among: product.tagged.keys).map {
                        "did you mean \(Quote.quoted("tag:" + $0))?"
                    }
                ))
        }
    }
}
