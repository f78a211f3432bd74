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
        // Product id -> key name -> where it was first declared, as (key set, key) packed in one word.
        var first: [String: [String: Int]] = [:]
        let keySets = context.policy.keySets
        for (setIndex, keySet) in keySets.enumerated() {
            let product = keySet.product.value
            // The product's names are taken out for the whole key set: one lookup per set, not per key.
            // Room for every key only for declared products; a misspelled product id gets none.
            var names = first.removeValue(forKey: product) ?? Dictionary(minimumCapacity: context.products[product] == nil ? 0 : context.policy.keyCount)
            keySet.keys.withUnsafeBufferPointer { keys in
                for keyIndex in keys.indices {
                    let name = keys[keyIndex].name
                    if let previous = names[name.value] {
                        let earlier = keySets[previous >> 32].keys[previous & 0xFFFF_FFFF].name.location
                        diagnostics.append(finding(
                            "duplicate key name \(Quote.quoted(name.value)) in product \(Quote.quoted(product))", at: name.location,
                            notes: [DiagnosticNote("first defined here", at: earlier)]
                        ))
                    } else {
                        names[name.value] = setIndex << 32 | keyIndex
                    }
                }
            }
            first[product] = names
        }
    }
}
