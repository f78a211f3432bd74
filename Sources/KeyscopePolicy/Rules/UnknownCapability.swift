/// A scope names a capability id that the key's product does not declare.
enum UnknownCapability: PolicyRule {
    static let id: RuleID = "unknown-capability"
    static let defaultSeverity = Severity.error
    static let summary = "A key's scope names a capability that its product does not declare."
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic]) {
        var indexes: [String: SuggestionIndex] = [:]
        var suggested = 0
        for (setIndex, keyIndex, entryIndex) in context.unknownCapabilities {
            let keySet = context.policy.keySets[setIndex]
            guard let product = context.keySetProducts[setIndex],
                let entry = keySet.keys[keyIndex].scope?.value[entryIndex],
                case .capability(let capability) = entry.value
            else { continue }
            suggested += 1
            var help: String?
            if suggested <= Suggestions.perRule {
                let id = product.product.id.value
                if indexes[id] == nil { indexes[id] = SuggestionIndex(product.capabilityIndex.keys) }
                help = indexes[id]!.didYouMean(capability)
            }
            diagnostics.append(
                finding(
                    "unknown capability \(Quote.quoted(capability)) in product \(Quote.quoted(product.product.id.value))",
                    at: entry.location, help: help
                ))
        }
    }
}
