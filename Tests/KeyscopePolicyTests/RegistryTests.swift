import Foundation
import KeyscopePolicy
import KeyscopeTestSupport
import Testing

@Suite struct RegistryTests {
    /// The rules table in docs/rules.md must list every registered rule with its default severity, and nothing else.
    @Test func docsListEveryRule() throws {
        let docs = try String(
            contentsOf: TestPaths.packageRoot.appendingPathComponent("docs/rules.md"), encoding: .utf8)
        var documented: [String: String] = [:]
        for line in docs.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 2 else { continue }
            documented[cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = cells[1]
        }
        let registered = Dictionary(
            uniqueKeysWithValues: RuleRegistry.all.map { ($0.id.rawValue, $0.defaultSeverity.rawValue) })
        #expect(documented == registered)
    }

    /// The committed JSON Schemas must be what `keyscope schema` generates.
    @Test func committedSchemasAreCurrent() throws {
        for file in JSONSchemaGenerator.files() {
            let url = TestPaths.packageRoot.appendingPathComponent("schemas/\(file.name)")
            if let failure = Snapshot.compare(file.contents, golden: url) {
                Issue.record("schemas/\(file.name) is stale (run `swift run keyscope schema`): \(failure)")
            }
        }
    }

    /// A policy tree that makes each rule fire. A rule added to the registry without an
    /// example here fails this test; so does a registered rule that never fires.
    static let firing: [String: [String: String]] = [
        "yaml-syntax": ["keys.yaml": "a: &x 1\n"],
        "schema": ["keys.yaml": keys("  - name: a\n    audiance: customer\n    capabilities: [cap_faq]\n")],
        "file-name": ["bad name.yaml": keys("  - name: a\n    audience: customer\n    capabilities: [cap_faq]\n")],
        "duplicate-name": [
            "keys.yaml": keys(
                "  - name: a\n    audience: customer\n    capabilities: [cap_faq]\n  - name: a\n    audience: customer\n    capabilities: [cap_faq]\n"
            )
        ],
        "duplicate-capability": [
            "more.yaml":
                "apiVersion: keyscope/v1\nkind: Product\nid: shop2\nname: S\ncapabilities:\n  - {id: cap_x, name: X, owner: support}\n  - {id: cap_x, name: X, owner: support}\n"
        ],
        "duplicate-fingerprint": [
            "keys.yaml": keys(
                "  - name: a\n    audience: customer\n    capabilities: [cap_faq]\n    fingerprints: [\"sha256:\(String(repeating: "ab", count: 32))\"]\n  - name: b\n    audience: customer\n    capabilities: [cap_faq]\n    fingerprints: [\"sha256:\(String(repeating: "ab", count: 32))\"]\n"
            )
        ],
        "duplicate-route": [
            "more.yaml":
                "apiVersion: keyscope/v1\nkind: Product\nid: shop2\nname: S\ncapabilities:\n  - {id: cap_x, name: X, owner: support, routes: [\"GET /x/{id}\"]}\n  - {id: cap_y, name: Y, owner: support, routes: [\"GET /x/{order}\"]}\n"
        ],
        "duplicate-team": ["more.yaml": "apiVersion: keyscope/v1\nkind: Team\nid: support\nname: Support again\n"],
        "duplicate-product": [
            "more.yaml": "apiVersion: keyscope/v1\nkind: Product\nid: shop\nname: S\ncapabilities: []\n"
        ],
        "unknown-product": [
            "keys.yaml": keys("  - name: a\n    audience: customer\n    capabilities: [cap_faq]\n", product: "shp")
        ],
        "unknown-capability": ["keys.yaml": keys("  - name: a\n    audience: customer\n    capabilities: [cap_fac]\n")],
        "unknown-owner": [
            "keys.yaml": keys(
                "  - name: a\n    audience: customer\n    capabilities: [cap_faq]\n", owners: "owners: [nobody]\n")
        ],
        "missing-owner": [
            "keys.yaml": keys("  - name: a\n    audience: customer\n    capabilities: [cap_faq]\n", owners: "")
        ],
        "scope-conflict": ["keys.yaml": keys("  - name: a\n    audience: customer\n")],
        "empty-scope": ["keys.yaml": keys("  - name: a\n    audience: customer\n    capabilities: []\n")],
        "empty-selector": [
            "keys.yaml": keys("  - name: a\n    audience: customer\n    capabilities: [\"tag:none\"]\n")
        ],
        "unscoped-justification": [
            "keys.yaml": keys("  - name: a\n    audience: internal\n    unscoped: true\n    expires: 2027-01-01\n")
        ],
        "unscoped-expiry": [
            "keys.yaml": keys("  - name: a\n    audience: internal\n    unscoped: true\n    justification: on call\n")
        ],
        "internal-exposure": [
            "keys.yaml": keys("  - name: a\n    audience: customer\n    capabilities: [cap_admin]\n")
        ],
        "deprecated-capability": [
            "keys.yaml": keys("  - name: a\n    audience: customer\n    capabilities: [cap_old]\n")
        ],
        "expired-key": [
            "keys.yaml": keys(
                "  - name: a\n    audience: customer\n    capabilities: [cap_faq]\n    expires: 2020-01-01\n")
        ],
    ]

    @Test(arguments: RuleRegistry.all.map(\.id.rawValue))
    func everyRegisteredRuleFires(_ id: String) throws {
        let example = try #require(Self.firing[id], "rule `\(id)` is registered but has no example here")
        let root = try TestPaths.temporaryDirectory("rule-\(id)")
        defer { try? FileManager.default.removeItem(at: root) }
        var files = baseFiles
        for (path, text) in example { files[path] = text }
        try TestPaths.write(files, under: root)
        let result = try PolicyValidator.validate(root: root.path, checkDate: CalendarDate(parsing: "2026-11-27")!)
        #expect(
            result.diagnostics.contains { $0.rule.rawValue == id },
            "rule `\(id)` did not fire: \(result.diagnostics.map { "[\($0.rule)] \($0.message)" })")
    }

    @Test func examplesNameOnlyRegisteredRules() {
        #expect(Set(Self.firing.keys) == Set(RuleRegistry.all.map(\.id.rawValue)))
        #expect(Set(RuleRegistry.all.map(\.id)).count == RuleRegistry.all.count)
    }

    @Test func calendarDates() {
        let date = CalendarDate(parsing: "2024-02-29")!
        #expect(date.description == "2024-02-29")
        #expect(date.adding(days: 1).description == "2024-03-01")
        #expect(CalendarDate(parsing: "2023-02-29") == nil)
        #expect(CalendarDate(unixSeconds: 0).description == "1970-01-01")
        #expect(CalendarDate(unixSeconds: 1_764_201_600).description == "2025-11-27")
    }

    @Test func suggestions() {
        #expect(Suggestions.closest(to: "cap_fac", among: ["cap_faq", "cap_orders"]) == "cap_faq")
        #expect(Suggestions.closest(to: "xyz", among: ["cap_faq"]) == nil)
    }
}
