/// Two `Team` documents with the same id.
enum DuplicateTeam: PolicyRule {
    static let id: RuleID = "duplicate-team"
    static let defaultSeverity = Severity.error
    static let summary = "The same team id is declared twice."
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic]) {
        reportDuplicates(context.policy.teams, id: \.id, into: &diagnostics) {
            finding("duplicate team \(Quote.quoted($0))", at: $1, notes: $2)
        }
    }
}
