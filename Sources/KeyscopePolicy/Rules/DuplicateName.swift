/// The same key name twice in one product, in one key set or across files.
enum DuplicateName: PolicyRule {
    static let id: RuleID = "duplicate-name"
    static let defaultSeverity = Severity.error
    static let summary = "The same key name is declared twice in one product."
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic]) {
        // Product id -> key name -> where it was first declared, as (key set, key) packed in one word.
        var first: [String: [String: Int]] = [:]
        let keySets = context.policy.keySets
        for (setIndex, keySet) in keySets.enumerated() {
            let product = keySet.product.value
            // The product's names are taken out for the whole key set: one lookup per set, not per key.
            // Room for every key only for declared products; a misspelled product id gets none.
            var names =
                first.removeValue(forKey: product)
                ?? Dictionary(minimumCapacity: context.products[product] == nil ? 0 : context.policy.keyCount)
            keySet.keys.withUnsafeBufferPointer { keys in
                for keyIndex in keys.indices {
                    let name = keys[keyIndex].name
                    if let previous = names[name.value] {
                        let earlier = keySets[previous >> 32].keys[previous & 0xFFFF_FFFF].name.location
                        diagnostics.append(
                            finding(
                                "duplicate key name \(Quote.quoted(name.value)) in product \(Quote.quoted(product))",
                                at: name.location,
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
