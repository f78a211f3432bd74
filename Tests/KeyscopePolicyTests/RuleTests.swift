import KeyscopePolicy
import KeyscopeSupport
import KeyscopeTestSupport
import Testing

/// A product with tagged capabilities and two teams, shared by the rule tests.
let baseFiles: [String: String] = [
    "product.yaml": """
    apiVersion: keyscope/v1
    kind: Product
    id: shop
    name: Shop
    capabilities:
      - id: cap_faq
        name: FAQ
        owner: support
        tags: [safe]
      - id: cap_orders
        name: Orders
        owner: support
      - id: cap_admin
        name: Admin
        owner: platform
        tags: [internal]
      - id: cap_old
        name: Old
        owner: platform
        tags: [legacy]
        deprecated: use cap_orders
    """,
    "teams.yaml": """
    apiVersion: keyscope/v1
    kind: Team
    id: support
    name: Support
    reviewers: ["@acme/support"]
    ---
    apiVersion: keyscope/v1
    kind: Team
    id: platform
    name: Platform
    """,
]

/// A key set file around the given key entries (owners: support).
func keys(_ body: String, owners: String = "owners: [support]\n", product: String = "shop") -> String {
    "apiVersion: keyscope/v1\nkind: KeySet\nproduct: \(product)\n\(owners)keys:\n" + body
}

func check(
    _ keyFile: String, expect: [DiagnosticSpec], extra: [String: String] = [:], ignoring: Set<RuleID> = [],
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
    var files = baseFiles
    files["keys.yaml"] = keyFile
    for (path, text) in extra { files[path] = text }
    let problems = diagnosticMismatches(files: files, expect: expect, ignoring: ignoring)
    #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))", sourceLocation: sourceLocation)
}

@Suite struct RuleTests {
    @Test func cleanPolicyHasNoFindings() {
        check(
            keys(
                """
                  - name: a
                    audience: customer
                    capabilities: [cap_faq, cap_orders]
                    expires: 2027-01-01
                  - name: b
                    audience: internal
                    unscoped: true
                    justification: on call
                    expires: 2027-01-15
                """), expect: [])
    }

    @Test func duplicateName() {
        check(
            keys(
                """
                  - name: 1️⃣a
                    audience: customer
                    capabilities: [cap_faq]
                  - name: 2️⃣a
                    audience: customer
                    capabilities: [cap_faq]
                """),
            expect: [
                DiagnosticSpec(
                    "2️⃣", in: "keys.yaml", rule: "duplicate-name", message: "duplicate key name `a` in product `shop`",
                    notes: ["1️⃣"])
            ])
    }

    @Test func sameNameInDifferentProductsIsFine() {
        check(
            keys("  - name: a\n    audience: customer\n    capabilities: [cap_faq]\n"), expect: [],
            extra: [
                "other.yaml": """
                apiVersion: keyscope/v1
                kind: Product
                id: other
                name: Other
                capabilities: [{id: cap_faq, name: FAQ, owner: support}]
                ---
                apiVersion: keyscope/v1
                kind: KeySet
                product: other
                owners: [support]
                keys: [{name: a, audience: customer, capabilities: [cap_faq]}]
                """
            ])
    }

    @Test func duplicateCapabilityTeamProduct() {
        check(
            keys("  - name: a\n    audience: customer\n    capabilities: [cap_faq]\n"),
            expect: [
                DiagnosticSpec("1️⃣", in: "zdup.yaml", rule: "duplicate-product"),
                DiagnosticSpec("2️⃣", in: "zdup.yaml", rule: "duplicate-capability"),
                DiagnosticSpec("3️⃣", in: "zdup.yaml", rule: "duplicate-team"),
            ],
            extra: [
                "zdup.yaml": """
                apiVersion: keyscope/v1
                kind: Product
                id: 1️⃣shop
                name: Shop again
                capabilities:
                  - {id: cap_x, name: X, owner: support}
                  - {id: 2️⃣cap_x, name: X, owner: support}
                ---
                apiVersion: keyscope/v1
                kind: Team
                id: 3️⃣support
                name: Support again
                """
            ])
    }

    @Test func unknownProduct() {
        check(
            keys("  - name: a\n    audience: customer\n    capabilities: [cap_faq]\n", product: "1️⃣shp"),
            expect: [DiagnosticSpec("1️⃣", in: "keys.yaml", rule: "unknown-product", message: "unknown product `shp`")])
    }

    @Test func unknownCapabilityWithSuggestion() {
        var files = baseFiles
        files["keys.yaml"] = keys("  - name: a\n    audience: customer\n    capabilities: [1️⃣cap_fax, 2️⃣cap_zzzzzzzz]\n")
        let marked = MarkedText(files["keys.yaml"]!)
        let loaded = PolicyLoader().load(files: files.map { SourceFile(path: $0.key, text: MarkedText($0.value).text) })
        let result = PolicyValidator.validate(loaded, checkDate: CalendarDate(parsing: "2026-11-27")!)
        let unknown = result.diagnostics.filter { $0.rule == "unknown-capability" }
        #expect(
            unknown.map(\.location) == [
                marked.location("1️⃣", file: "keys.yaml"), marked.location("2️⃣", file: "keys.yaml"),
            ])
        #expect(unknown.first?.help == "did you mean `cap_faq`?")
        #expect(unknown.last?.help == nil, "no suggestion rather than a bad one")
    }

    @Test func unknownOwner() {
        check(
            keys("  - name: a\n    audience: customer\n    owners: [1️⃣suport]\n    capabilities: [cap_faq]\n"),
            expect: [DiagnosticSpec("1️⃣", in: "keys.yaml", rule: "unknown-owner")])
    }

    @Test func unknownSettingsOwner() {
        check(
            keys("  - {name: a, audience: customer, capabilities: [cap_faq]}\n"),
            expect: [
                DiagnosticSpec(
                    "1️⃣", in: "settings.yaml", rule: "unknown-owner",
                    message: "unknown owner `platfrom`: no team has this id")
            ], extra: ["settings.yaml": "apiVersion: keyscope/v1\nkind: Settings\nowners: [1️⃣platfrom]\n"])
    }

    @Test func missingOwner() {
        check(
            keys("  - name: 1️⃣a\n    audience: customer\n    capabilities: [cap_faq]\n", owners: ""),
            expect: [DiagnosticSpec("1️⃣", in: "keys.yaml", rule: "missing-owner")])
    }

    @Test func keyOwnersOverrideKeySet() {
        check(
            keys(
                "  - name: a\n    audience: customer\n    owners: [platform]\n    capabilities: [cap_faq]\n", owners: ""
            ), expect: [])
    }

    @Test func scopeConflictBoth() {
        check(
            keys(
                """
                  - name: a
                    audience: internal
                    2️⃣unscoped: true
                    justification: j
                    expires: 2027-01-01
                    1️⃣capabilities: [cap_faq]
                """), expect: [DiagnosticSpec("1️⃣", in: "keys.yaml", rule: "scope-conflict", notes: ["2️⃣"])])
    }

    @Test func scopeConflictNeither() {
        check(
            keys("  - name: 1️⃣a\n    audience: customer\n"),
            expect: [DiagnosticSpec("1️⃣", in: "keys.yaml", rule: "scope-conflict")])
    }

    @Test func unscopedFalseWithCapabilitiesIsFine() {
        check(
            keys("  - name: a\n    audience: customer\n    unscoped: false\n    capabilities: [cap_faq]\n"), expect: [])
    }

    @Test func emptyScope() {
        check(
            keys("  - name: a\n    audience: customer\n    1️⃣capabilities: []\n"),
            expect: [DiagnosticSpec("1️⃣", in: "keys.yaml", rule: "empty-scope")])
    }

    @Test func emptySelectorIsAWarning() {
        check(
            keys("  - name: a\n    audience: customer\n    capabilities: [cap_faq, 1️⃣\"tag:saf\"]\n"),
            expect: [DiagnosticSpec("1️⃣", in: "keys.yaml", rule: "empty-selector", severity: .warning)])
    }

    @Test func matchingSelectorIsFine() {
        check(keys("  - name: a\n    audience: customer\n    capabilities: [\"tag:safe\"]\n"), expect: [])
    }

    @Test func unscopedJustification() {
        check(
            keys("  - name: a\n    audience: internal\n    1️⃣unscoped: true\n    expires: 2027-01-01\n"),
            expect: [DiagnosticSpec("1️⃣", in: "keys.yaml", rule: "unscoped-justification")])
    }

    @Test func unscopedExpiryMissing() {
        check(
            keys("  - name: a\n    audience: internal\n    1️⃣unscoped: true\n    justification: j\n"),
            expect: [
                DiagnosticSpec(
                    "1️⃣", in: "keys.yaml", rule: "unscoped-expiry", message: "unscoped key `a` has no `expires`")
            ])
    }

    @Test func unscopedExpiryTooLate() {
        // 2026-11-27 + 90 days = 2027-02-25: the limit itself is allowed, the day after is not.
        check(
            keys(
                """
                  - name: a
                    audience: internal
                    unscoped: true
                    justification: j
                    expires: 2027-02-25
                  - name: b
                    audience: internal
                    unscoped: true
                    justification: j
                    expires: 1️⃣2027-02-26
                """), expect: [DiagnosticSpec("1️⃣", in: "keys.yaml", rule: "unscoped-expiry")])
    }

    @Test func settingsChangeLimitAndSeverity() {
        check(
            keys(
                """
                  - name: a
                    audience: internal
                    unscoped: true
                    justification: j
                    expires: 2027-05-01
                  - name: b
                    audience: customer
                    capabilities: [cap_faq, "tag:nothing"]
                    expires: 1️⃣2020-01-01
                """), expect: [DiagnosticSpec("1️⃣", in: "keys.yaml", rule: "expired-key", severity: .error)],
            extra: [
                "settings.yaml": """
                apiVersion: keyscope/v1
                kind: Settings
                unscopedMaxDays: 180
                rules:
                  expired-key: error
                  empty-selector: off
                """
            ])
    }

    @Test func internalExposureDirectAndViaSelector() {
        check(
            keys(
                """
                  - name: a
                    audience: partner
                    capabilities: [1️⃣cap_admin]
                  - name: b
                    audience: customer
                    capabilities: [2️⃣"tag:internal"]
                  - name: c
                    audience: internal
                    capabilities: [cap_admin]
                """),
            expect: [
                DiagnosticSpec("1️⃣", in: "keys.yaml", rule: "internal-exposure"),
                DiagnosticSpec(
                    "2️⃣", in: "keys.yaml", rule: "internal-exposure",
                    message:
                        "internal capability `cap_admin` granted to customer key `b` through selector `tag:internal`"),
            ])
    }

    @Test func internalExposureThroughUnscopedCustomerKey() {
        check(
            keys(
                "  - name: a\n    audience: customer\n    1️⃣unscoped: true\n    justification: j\n    expires: 2027-01-01\n"
            ),
            expect: [DiagnosticSpec("1️⃣", in: "keys.yaml", rule: "internal-exposure")])
    }

    @Test func deprecatedCapability() {
        check(
            keys("  - name: a\n    audience: internal\n    capabilities: [1️⃣cap_old, 2️⃣\"tag:legacy\"]\n"),
            expect: [DiagnosticSpec("1️⃣", in: "keys.yaml", rule: "deprecated-capability", severity: .warning)])
    }

    @Test func deprecatedViaSelector() {
        check(
            keys("  - name: a\n    audience: internal\n    capabilities: [1️⃣\"tag:legacy\"]\n"),
            expect: [DiagnosticSpec("1️⃣", in: "keys.yaml", rule: "deprecated-capability")])
    }

    @Test func expiredKey() {
        check(
            keys(
                """
                  - name: a
                    audience: customer
                    capabilities: [cap_faq]
                    expires: 1️⃣2026-11-26
                  - name: b
                    audience: customer
                    capabilities: [cap_faq]
                    expires: 2026-11-27
                """), expect: [DiagnosticSpec("1️⃣", in: "keys.yaml", rule: "expired-key", severity: .warning)])
    }
}

@Suite struct ResolutionTests {
    /// With `duplicate-name` off, the first declaration of a name in file order is the one
    /// resolved, however the names sort: many keys in reverse order, each name declared
    /// twice with a different description, across two files.
    @Test func firstDeclarationWinsWhenDuplicatesAreAllowed() throws {
        let count = 300
        func keySet(_ tag: String) -> String {
            keys(
                (0..<count).reversed().map {
                    "  - name: k\($0)\n    description: \(tag)\n    audience: customer\n    capabilities: [cap_faq]\n"
                }.joined())
        }
        var files = baseFiles.map { SourceFile(path: $0.key, text: $0.value) }
        files.append(SourceFile(path: "a.yaml", text: keySet("first")))
        files.append(SourceFile(path: "b.yaml", text: keySet("second")))
        files.append(
            SourceFile(path: "c.yaml", text: "apiVersion: keyscope/v1\nkind: Settings\nrules:\n  duplicate-name: off\n")
        )
        let result = PolicyValidator.validate(
            PolicyLoader().load(files: files), checkDate: CalendarDate(parsing: "2026-11-27")!)
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics.map(\.message))")
        let resolved = try #require(result.resolved.products.first).keys
        #expect(resolved.count == count)
        #expect(resolved.map(\.name) == (0..<count).map { "k\($0)" }.sorted { bytewiseLess($0, $1) })
        #expect(resolved.allSatisfy { $0.description == "first" })
    }
}
