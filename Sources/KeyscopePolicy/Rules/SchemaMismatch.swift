/// A document does not match its kind's schema; `SchemaChecker` and the decoder report it.
/// Reported while reading, before any rule runs, so it has no `check` and cannot be configured.
enum SchemaMismatch: Rule {
    static let id: RuleID = "schema"
    static let defaultSeverity = Severity.error
    static let summary =
        "A document does not match its kind's schema: unknown or missing fields, wrong types, malformed ids or dates."
    static let configurable = false
}
