/// A key set names a product that no `Product` document declares.
enum UnknownProduct: PolicyRule {
    static let id: RuleID = "unknown-product"
    static let defaultSeverity = Severity.error
    static let summary = "A key set names a product that is not declared."
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic]) {
        let index = SuggestionIndex(context.products.keys)
        var suggested = 0
        for keySet in context.policy.keySets where context.products[keySet.product.value] == nil {
            suggested += 1
            diagnostics.append(
                finding(
                    "unknown product \(Quote.quoted(keySet.product.value))", at: keySet.product.location,
                    help: suggested <= Suggestions.perRule ? index.didYouMean(keySet.product.value) : nil
                ))
        }
    }
}
