/// The same capability id twice in one product.
enum DuplicateCapability: PolicyRule {
    static let id: RuleID = "duplicate-capability"
    static let defaultSeverity = Severity.error
    static let summary = "The same capability id is declared twice in one product."
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic]) {
        for product in context.policy.products {
            reportDuplicates(product.capabilities, id: \.id, into: &diagnostics) {
                finding(
                    "duplicate capability \(Quote.quoted($0)) in product \(Quote.quoted(product.id.value))", at: $1,
                    notes: $2)
            }
        }
    }
}
