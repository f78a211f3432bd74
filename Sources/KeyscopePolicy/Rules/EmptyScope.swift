/// `capabilities: []` grants nothing; a key that needs no access should be removed.
enum EmptyScope: PolicyRule {
    static let id: RuleID = "empty-scope"
    static let defaultSeverity = Severity.error
    static let summary = "A key's `capabilities` list is empty."
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic]) {
        context.forEachKey { key, _, _, _ in
            guard let scope = key.scope, key.scopeLength == 0 else { return }
            diagnostics.append(
                finding(
                    "key \(Quote.quoted(key.name.value)) has an empty `capabilities` list", at: scope.location,
                    help: "list the capabilities the key needs, or remove the key"
                ))
        }
    }
}
