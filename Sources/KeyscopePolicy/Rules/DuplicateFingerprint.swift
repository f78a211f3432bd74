/// The same fingerprint on two keys, in any products, or twice on one key (SPEC §12).
///
/// A fingerprint identifies the secret a caller presents: on two keys, one secret would open
/// two scopes, and which one a gateway picks would depend on the order it loaded them.
enum DuplicateFingerprint: PolicyRule {
    static let id: RuleID = "duplicate-fingerprint"
    static let defaultSeverity = Severity.error
    static let summary = "The same key fingerprint is listed on two keys (one secret would open two scopes)."
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic]) {
        var first: [String: (key: String, product: String, location: SourceLocation)] = [:]
        for keySet in context.policy.keySets {
            for key in keySet.keys {
                for fingerprint in key.fingerprints {
                    guard let earlier = first[fingerprint.value] else {
                        first[fingerprint.value] = (key.name.value, keySet.product.value, fingerprint.location)
                        continue
                    }
                    let same = earlier.key == key.name.value && earlier.product == keySet.product.value
                    diagnostics.append(
                        finding(
                            same
                                ? "fingerprint listed twice on key \(Quote.quoted(key.name.value))"
                                : "key \(Quote.quoted(key.name.value)) has the fingerprint of key \(Quote.quoted(earlier.key)) in product \(Quote.quoted(earlier.product)): one secret would open both scopes",
                            at: fingerprint.location,
                            notes: [DiagnosticNote("first listed here", at: earlier.location)],
                            help:
                                "each key needs a secret of its own: generate a new secret and fingerprint it with `keyscope fingerprint`"
                        ))
                }
            }
        }
    }
}
