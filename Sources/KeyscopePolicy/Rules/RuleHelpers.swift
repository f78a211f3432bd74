/// Reports every declaration after the first of the same id, with a note at the first.
func reportDuplicates<T>(
    _ items: [T], id: (T) -> Located<String>, into diagnostics: inout [Diagnostic],
    make: (String, SourceLocation, [DiagnosticNote]) -> Diagnostic
) {
    var first: [String: SourceLocation] = [:]
    first.reserveCapacity(items.count)
    for item in items {
        let located = id(item)
        if let previous = first[located.value] {
            diagnostics.append(
                make(located.value, located.location, [DiagnosticNote("first defined here", at: previous)]))
        } else {
            first[located.value] = located.location
        }
    }
}

/// How a grant reached a capability, for a message: `" through selector `tag:x`"` for a
/// selector, nothing for a capability named directly.
func selectorClause(_ entry: ScopeEntry) -> String {
    if case .tag(let tag) = entry { " through selector \(Quote.quoted("tag:" + tag))" } else { "" }
}
