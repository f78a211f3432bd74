/// Two routes of one product that match exactly the same requests (SPEC §12): the same method
/// and the same template, parameter names aside (`GET /o/{id}` and `GET /o/{order}`).
///
/// Which capability such a request calls would depend on declaration order; the policy has to
/// say. Routes that merely overlap (`GET /o/{id}` and `GET /o/export`) are fine: the most
/// specific template wins, as documented.
enum DuplicateRoute: PolicyRule {
    static let id: RuleID = "duplicate-route"
    static let defaultSeverity = Severity.error
    static let summary = "Two routes of one product match the same requests (the same method and template)."
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic]) {
        for product in context.policy.products {
            var first: [String: (capability: String, location: SourceLocation)] = [:]
            for capability in product.capabilities {
                for route in capability.routes {
                    let shape = route.value.shape
                    guard let earlier = first[shape] else {
                        first[shape] = (capability.id.value, route.location)
                        continue
                    }
                    diagnostics.append(
                        finding(
                            earlier.capability == capability.id.value
                                ? "route `\(route.value)` is listed twice on \(Quote.quoted(capability.id.value))"
                                : "route `\(route.value)` of \(Quote.quoted(capability.id.value)) matches the same requests as a route of \(Quote.quoted(earlier.capability))",
                            at: route.location,
                            notes: [DiagnosticNote("the other route", at: earlier.location)],
                            help:
                                "a request must call exactly one capability: remove one route, or make one more specific"
                        ))
                }
            }
        }
    }
}
