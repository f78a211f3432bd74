import Foundation
import KeyscopeCompiler
import KeyscopePolicy
import KeyscopeReview
import KeyscopeTable
import KeyscopeTableTools
import KeyscopeTestSupport
import Testing

/// `explain` and `who-can` answer from a policy or from the table compiled from it: both must agree
/// with what the gateway runtime decides, for every key and capability of the example.
@Suite struct AccessExplanationTests {
    static func example() throws -> ValidationResult {
        let root = TestPaths.fixtures.appendingPathComponent("example").path
        return try PolicyValidator.validate(root: root, checkDate: CalendarDate(parsing: "2026-11-27")!)
    }

    @Test(arguments: ["2026-11-27", "2027-06-01", "2028-06-01"])
    func policyAndTableExplanationsAgreeWithTheRuntime(day: String) throws {
        let result = try Self.example()
        #expect(!result.diagnostics.hasErrors)
        let signer = try SigningKey(seed: Array(repeating: 5, count: 32))
        let bytes = try ScopeTableCompiler.compile(
            result.resolved,
            options: CompileOptions(serial: 1, issuedAt: 1_790_000_000, validFor: 3 * 365 * 86_400, revision: nil),
            signer: signer)[0].bytes
        let table = try ScopeTable(bytes: bytes, options: TableOpenOptions(trustedKeys: [signer.publicKey], now: nil))
        let date = try #require(CalendarDate(parsing: day))
        let now = date.unixSeconds + 43_200
        let policyView = try #require(AccessView.views(of: result, source: "example").first)
        let tableView = AccessView.view(of: table.contents(), source: "t.kst")
        let keys = policyView.keys.map(\.name) + ["nobody"]
        let capabilities = policyView.capabilities.map(\.id) + ["cap_nothing"]
        var allowed = 0
        var denied = 0
        for key in keys {
            for capability in capabilities {
                let runtime = table.decide(key: key, capability: capability, now: now)
                let fromPolicy = AccessExplanation.explain(key: key, capability: capability, in: policyView, on: date)
                let fromTable = AccessExplanation.explain(
                    key: key, capability: capability, table: table, view: tableView, now: now)
                let expected: String
                switch runtime {
                case .allow: expected = "allow"
                case .deny(let reason): expected = reason.words
                }
                for answer in [fromPolicy, fromTable] {
                    #expect(
                        (answer.allowed ? "allow" : answer.reason) == expected,
                        "\(key) \(capability) on \(day): \(answer.reason), runtime \(expected)")
                }
                #expect(fromPolicy.reason == fromTable.reason, "\(key) \(capability): policy and table disagree")
                if runtime == .allow { allowed += 1 } else { denied += 1 }
                // who-can lists exactly the keys the runtime allows, expired ones marked.
                if let holders = CapabilityHolders.find(capability, in: policyView, on: date) {
                    let holder = holders.holders.first { $0.key == key }
                    #expect((holder != nil && !holder!.expired) == (runtime == .allow), "\(key) \(capability) who-can")
                }
            }
        }
        // The example exercises both outcomes (a loop that never allows would prove nothing).
        #expect(allowed > 5 && denied > 5)
    }

    @Test func evidenceNamesTheLineThatGrants() throws {
        let view = try #require(AccessView.views(of: try Self.example(), source: "example").first)
        let date = CalendarDate(parsing: "2026-11-27")!
        let viaTag = AccessExplanation.explain(key: "public-api", capability: "cap_faq", in: view, on: date)
        #expect(viaTag.reason == "in-scope")
        #expect(viaTag.evidence.map(\.kind) == [.scopeEntry, .capabilityTags])
        #expect(viaTag.evidence[0].text == "tag:safe")
        #expect(viaTag.evidence[0].place?.hasSuffix("keys/integrations.yaml:17:20") == true)
        let unscoped = AccessExplanation.explain(key: "mobile-app", capability: "cap_faq", in: view, on: date)
        #expect(unscoped.reason == "unscoped")
        #expect(unscoped.evidence.first?.kind == .unscoped)
        let denied = AccessExplanation.explain(key: "customer-b", capability: "cap_order_lookup", in: view, on: date)
        #expect(denied.reason == "not-in-scope")
        #expect(denied.evidence.map(\.text) == ["cap_faq"])
    }
}
