/// Two `Product` documents with the same id.
enum DuplicateProduct: PolicyRule {
    static let id: RuleID = "duplicate-product"
    static let defaultSeverity = Severity.error
    static let summary = "The same product id is declared twice."
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic]) {
        reportDuplicates(context.policy.products, id: \.id, into: &diagnostics) {
            finding("duplicate product \(Quote.quoted($0))", at: $1, notes: $2)
        }
    }
}
