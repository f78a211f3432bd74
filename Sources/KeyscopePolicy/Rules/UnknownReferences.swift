/// A key set names a product that no `Product` document declares.
enum UnknownProduct: PolicyRule {
    static let id = RuleID.unknownProduct
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic]) {
        let index = SuggestionIndex(context.products.keys)
        var suggested = 0
        for keySet in context.policy.keySets where context.products[keySet.product.value] == nil {
            suggested += 1
            diagnostics.append(finding(
                "unknown product \(Quote.quoted(keySet.product.value))", at: keySet.product.location,
                help: suggested <= Suggestions.perRule ? index.didYouMean(keySet.product.value) : nil
            ))
        }
    }
}

/// A scope names a capability id that the key's product does not declare.
enum UnknownCapability: PolicyRule {
    static let id = RuleID.unknownCapability
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic]) {
        var indexes: [String: SuggestionIndex] = [:]
        var suggested = 0
        for (setIndex, keyIndex, entryIndex) in context.unknownCapabilities {
            let keySet = context.policy.keySets[setIndex]
            guard let product = context.keySetProducts[setIndex], let entry = keySet.keys[keyIndex].scope?.value[entryIndex], case .capability(let capability) = entry.value else { continue }
            suggested += 1
            var help: String?
            if suggested <= Suggestions.perRule {
                let id = product.product.id.value
                if indexes[id] == nil { indexes[id] = SuggestionIndex(product.capabilityIndex.keys) }
                help = indexes[id]!.didYouMean(capability)
            }
            diagnostics.append(finding(
                "unknown capability \(Quote.quoted(capability)) in product \(Quote.quoted(product.product.id.value))", at: entry.location, help: help
            ))
        }
    }
}

/// An owner of a capability, key set or key that is not a declared team.
enum UnknownOwner: PolicyRule {
    static let id = RuleID.unknownOwner
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic]) {
        let index = SuggestionIndex(context.teams.keys)
        var suggested = 0
        func checkOwner(_ owner: Located<String>) {
            guard context.teams[owner.value] == nil else { return }
            suggested += 1
            diagnostics.append(finding(
                "unknown owner \(Quote.quoted(owner.value)): no team has this id", at: owner.location,
                help: suggested <= Suggestions.perRule ? index.didYouMean(owner.value) : nil
            ))
        }
        for product in context.policy.products {
            for capability in product.capabilities {
                if let owner = capability.owner { checkOwner(owner) }
            }
        }
        for keySet in context.policy.keySets {
            keySet.owners?.value.forEach(checkOwner)
        }
        context.policy.settings.owners.forEach(checkOwner)
        context.forEachKey { key, _, _, _ in
            key.owners?.value.forEach(checkOwner)
        }
    }
}

/// A key with no owner: neither its own `owners` nor its key set's.
enum MissingOwner: PolicyRule {
    static let id = RuleID.missingOwner
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic]) {
        context.forEachKey { key, keySet, _, _ in
            if context.owners(of: key, in: keySet).isEmpty {
                diagnostics.append(finding(
                    "key \(Quote.quoted(key.name.value)) has no owner", at: key.owners?.location ?? key.name.location,
                    help: "set `owners` on the key or on its key set"
                ))
            }
        }
    }
}
