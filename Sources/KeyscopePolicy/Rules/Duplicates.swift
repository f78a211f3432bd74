/// Reports every declaration after the first of the same id, with a note at the first.
private func reportDuplicates<T>(_ items: [T], id: (T) -> Located<String>, into diagnostics: inout [Diagnostic], make: (String, SourceLocation, [DiagnosticNote]) -> Diagnostic) {
    var first: [String: SourceLocation] = [:]
    first.reserveCapacity(items.count)
    for item in items {
        let located = id(item)
        if let previous = first[located.value] {
            diagnostics.append(make(located.value, located.location, [DiagnosticNote("first defined here", at: previous)]))
        } else {
            first[located.value] = located.location
        }
    }
}

/// Two `Product` documents with the same id.
enum DuplicateProduct: PolicyRule {
    static let id = RuleID.duplicateProduct
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic]) {
        reportDuplicates(context.policy.products, id: \.id, into: &diagnostics) { finding("duplicate product \(Quote.quoted($0))", at: $1, notes: $2) }
    }
}

/// Two `Team` documents with the same id.
enum DuplicateTeam: PolicyRule {
    static let id = RuleID.duplicateTeam
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic]) {
        reportDuplicates(context.policy.teams, id: \.id, into: &diagnostics) { finding("duplicate team \(Quote.quoted($0))", at: $1, notes: $2) }
    }
}

/// The same capability id twice in one product.
enum DuplicateCapability: PolicyRule {
    static let id = RuleID.duplicateCapability
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic]) {
        for product in context.policy.products {
            reportDuplicates(product.capabilities, id: \.id, into: &diagnostics) {
                finding("duplicate capability \(Quote.quoted($0)) in product \(Quote.quoted(product.id.value))", at: $1, notes: $2)
            }
        }
    }
}

/// The same key name twice in one product, in one key set or across files.
enum DuplicateName: PolicyRule {
    static let id = RuleID.duplicateName
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic]) {
        var first: [String: [String: SourceLocation]] = [:]
        for product in context.products.keys { first[product, default: [:]].reserveCapacity(context.policy.keyCount) }
        context.forEachKey { key, keySet, _, _ in
            let product = keySet.product.value
            if let previous = first[product, default: [:]].updateValue(key.name.location, forKey: key.name.value) {
                // Keep the first declaration as the one later duplicates point at.
                first[product]![key.name.value] = previous
                diagnostics.append(finding(
                    "duplicate key name \(Quote.quoted(key.name.value)) in product \(Quote.quoted(product))", at: key.name.location,
                    notes: [DiagnosticNote("first defined here", at: previous)]
                ))
            }
        }
    }
}
