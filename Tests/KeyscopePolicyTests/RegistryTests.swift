import Foundation
import KeyscopePolicy
import KeyscopeTestSupport
import Testing

@Suite struct RegistryTests {
    /// The rules table in docs/rules.md must list every registered rule with its default severity, and nothing else.
    @Test func docsListEveryRule() throws {
        let docs = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("docs/rules.md"), encoding: .utf8)
        var documented: [String: String] = [:]
        for line in docs.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 2 else { continue }
            documented[cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = cells[1]
        }
        let registered = Dictionary(uniqueKeysWithValues: RuleRegistry.all.map { ($0.id.rawValue, $0.defaultSeverity.rawValue) })
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

    @Test func everyRuleHasAnImplementationOrIsReaderLevel() {
        // Every registered rule must be able to fire: checked by the rule tests; here, that ids are unique.
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
