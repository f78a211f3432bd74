/// An unscoped key reaches every capability, present and future: it must say why.
enum UnscopedJustification: PolicyRule {
    static let id: RuleID = "unscoped-justification"
    static let defaultSeverity = Severity.error
    static let summary = "An unscoped key has no `justification`."
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic]) {
        context.forEachKey { key, _, _, _ in
            guard key.isUnscoped, (key.justification ?? "").allSatisfy(\.isWhitespace) else { return }
            diagnostics.append(
                finding(
                    "unscoped key \(Quote.quoted(key.name.value)) has no `justification`", at: key.unscoped!.location,
                    help: "say why the key needs every capability"
                ))
        }
    }
}
