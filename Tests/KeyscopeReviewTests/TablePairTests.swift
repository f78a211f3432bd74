import Foundation
import KeyscopeCompiler
import KeyscopePolicy
import KeyscopeReview
import KeyscopeTable
import KeyscopeTableTools
import KeyscopeTestSupport
import Testing

/// `StateLoader.loadPair` leaves out of two table states, or two policy states, the keys both
/// hold alike. These tests diff the same two states both ways, with and without that shortcut,
/// for each kind of change that could make a key look alike and still matter.
@Suite struct TablePairTests {
    struct Scenario: CustomTestStringConvertible, Sendable {
        var name: String
        var before: [String: String]
        var after: [String: String]
        var testDescription: String { name }
    }

    /// Keys that stay the same in every scenario, so that there is something to leave out.
    static let steadyKeys = (0..<40).map {
        "  - {name: steady-\($0), audience: first-party, capabilities: [cap_faq, cap_orders]}\n"
    }.joined()

    /// Lets a partner key hold an internal capability, so that a re-tag can be compiled.
    static let lenient = [
        "settings.yaml": "apiVersion: keyscope/v1\nkind: Settings\nrules:\n  internal-exposure: warning\n"
    ]

    static let unscopedKey = """
          - name: ops
            audience: internal
            unscoped: true
            justification: on call
            expires: 2026-12-20

        """

    static let catalogWithExtra = product.replacingOccurrences(
        of: "capabilities:\n", with: "capabilities:\n  - {id: cap_aaa, name: First, owner: support, tags: [safe]}\n")
    static let retagged = product.replacingOccurrences(
        of: "{id: cap_orders, name: Orders, owner: commerce}",
        with: "{id: cap_orders, name: Orders, owner: commerce, tags: [internal]}")
    static let teamsWithExtra = teams.replacingOccurrences(
        of: "apiVersion: keyscope/v1\nkind: Team\nid: support",
        with:
            "apiVersion: keyscope/v1\nkind: Team\nid: aaa-team\nname: A\n---\napiVersion: keyscope/v1\nkind: Team\nid: support"
    )

    static let scenarios: [Scenario] = [
        Scenario(
            name: "a description and an expiry change",
            before: policy(
                keys: steadyKeys
                    + "  - {name: k, description: old, audience: customer, capabilities: [cap_faq], expires: 2027-01-01}\n"
            ),
            after: policy(
                keys: steadyKeys
                    + "  - {name: k, description: new, audience: customer, capabilities: [cap_faq], expires: 2027-06-01}\n"
            )
        ),
        Scenario(
            // cap_aaa sorts first: every capability index shifts, yet steady keys keep their access.
            name: "a capability added before the others reaches the unscoped key and a selector",
            before: policy(
                keys: steadyKeys + unscopedKey + "  - {name: s, audience: partner, capabilities: ['tag:safe']}\n"),
            after: policy(
                keys: steadyKeys + unscopedKey + "  - {name: s, audience: partner, capabilities: ['tag:safe']}\n",
                product: catalogWithExtra)
        ),
        Scenario(
            name: "a re-tag makes held access internal",
            before: policy(
                keys: steadyKeys + "  - {name: p, audience: partner, capabilities: [cap_orders]}\n", extra: lenient),
            after: policy(
                keys: steadyKeys + "  - {name: p, audience: partner, capabilities: [cap_orders]}\n", product: retagged,
                extra: lenient)
        ),
        Scenario(
            // aaa-team sorts first: every team index shifts, yet owners stay the same by id.
            name: "a team added before the others, and an owner change",
            before: policy(
                keys: steadyKeys + "  - {name: o, audience: customer, owners: [commerce], capabilities: [cap_faq]}\n"),
            after: policy(
                keys: steadyKeys
                    + "  - {name: o, audience: customer, owners: [commerce, platform], capabilities: [cap_faq]}\n"
            ).merging(["teams.yaml": teamsWithExtra]) { $1 }
        ),
        Scenario(
            name: "keys added, removed, renamed and re-scoped",
            before: policy(
                keys: steadyKeys
                    + "  - {name: gone, audience: customer, capabilities: [cap_faq]}\n  - {name: old-name, audience: internal, capabilities: [cap_admin]}\n  - {name: w, audience: customer, capabilities: [cap_faq]}\n"
            ),
            after: policy(
                keys: steadyKeys
                    + "  - {name: fresh, audience: customer, capabilities: [cap_orders]}\n  - {name: new-name, audience: internal, capabilities: [cap_admin]}\n  - {name: w, audience: first-party, capabilities: [cap_faq, cap_admin]}\n"
            )
        ),
    ]

    @Test(arguments: scenarios)
    func shortcutReportsWhatTheFullDiffReports(_ scenario: Scenario) throws {
        let directory = try TestPaths.temporaryDirectory("table-pair")
        defer { try? FileManager.default.removeItem(at: directory) }
        let signer = try SigningKey(seed: Array(repeating: 3, count: 32))
        let before = directory.appendingPathComponent("before.kst").path
        let after = directory.appendingPathComponent("after.kst").path
        try compile(scenario.before, serial: 1, signer: signer, to: before)
        try compile(scenario.after, serial: 2, signer: signer, to: after)

        let loader = StateLoader(trustedKeys: [signer.publicKey], checkDate: CalendarDate(parsing: "2026-11-27")!)
        let short = try expectSameDiffBothWays(loader, .table(before), .table(after))
        // And the policy states themselves diff the same way.
        #expect(short.changes.map(\.kind) == (try diff(scenario.before, scenario.after)).changes.map(\.kind))
    }

    @Test(arguments: scenarios)
    func policyShortcutReportsWhatTheFullDiffReports(_ scenario: Scenario) throws {
        let directory = try TestPaths.temporaryDirectory("policy-pair")
        defer { try? FileManager.default.removeItem(at: directory) }
        let before = directory.appendingPathComponent("before")
        let after = directory.appendingPathComponent("after")
        try TestPaths.write(scenario.before, under: before)
        try TestPaths.write(scenario.after, under: after)

        let loader = StateLoader(trustedKeys: [], checkDate: CalendarDate(parsing: "2026-11-27")!)
        _ = try expectSameDiffBothWays(loader, .policy(before.path), .policy(after.path))
    }

    @Test func identicalKeysComparesByMeaningNotByOffsets() throws {
        let signer = try SigningKey(seed: Array(repeating: 4, count: 32))
        let old = try table(policy(keys: Self.steadyKeys + Self.unscopedKey), serial: 1, signer: signer)
        // A new first capability and a new first team move every index and every string offset.
        let new = try table(
            policy(keys: Self.steadyKeys + Self.unscopedKey, product: Self.catalogWithExtra).merging([
                "teams.yaml": Self.teamsWithExtra
            ]) { $1 }, serial: 2, signer: signer)
        let alike = old.identicalKeys(in: new)
        #expect(alike.count == 41)
        #expect(alike.first.allSatisfy { $0 } && alike.second.allSatisfy { $0 })
        // A caller can keep unscoped keys in view.
        #expect(old.identicalKeys(in: new) { _, unscoped in !unscoped }.count == 40)
        // Against itself with one description changed: all but one.
        let changed = try table(
            policy(
                keys: Self.steadyKeys.replacingOccurrences(
                    of: "{name: steady-7,", with: "{name: steady-7, description: changed,") + Self.unscopedKey),
            serial: 3, signer: signer)
        #expect(old.identicalKeys(in: changed).count == 40)
    }

    /// Diffs two states through `loadPair` (keys alike in both left out) and through two full
    /// loads, expects the same changes and approvers, and that the steady keys were left out.
    func expectSameDiffBothWays(
        _ loader: StateLoader, _ before: StateSource, _ after: StateSource,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws -> AccessDiff {
        let (shortOld, shortNew) = try loader.loadPair(before, after)
        let (fullOld, fullNew) = (try loader.load(before), try loader.load(after))
        let short = AccessDiff(from: shortOld, to: shortNew)
        let full = AccessDiff(from: fullOld, to: fullNew)
        #expect(!full.changes.isEmpty, sourceLocation: sourceLocation)
        #expect(short.changes == full.changes, sourceLocation: sourceLocation)
        #expect(short.approvers == full.approvers, sourceLocation: sourceLocation)
        #expect(
            shortNew.products["shop"]!.keys.count < fullNew.products["shop"]!.keys.count - 30,
            sourceLocation: sourceLocation)
        return short
    }

    func table(_ files: [String: String], serial: UInt64, signer: SigningKey) throws -> ScopeTable {
        try ScopeTable(
            bytes: try compiledBytes(files, serial: serial, signer: signer),
            options: TableOpenOptions(trustedKeys: [signer.publicKey], now: nil))
    }

    func compile(_ files: [String: String], serial: UInt64, signer: SigningKey, to path: String) throws {
        try Data(try compiledBytes(files, serial: serial, signer: signer)).write(to: URL(fileURLWithPath: path))
    }

    func compiledBytes(_ files: [String: String], serial: UInt64, signer: SigningKey) throws -> [UInt8] {
        let loaded = PolicyLoader().load(
            files: files.sorted { $0.key < $1.key }.map { SourceFile(path: $0.key, text: $0.value) })
        let result = PolicyValidator.validate(loaded, checkDate: CalendarDate(parsing: "2026-11-27")!)
        guard !result.diagnostics.hasErrors else {
            throw TestFailure(result.diagnostics.map(\.message).joined(separator: "; "))
        }
        let options = CompileOptions(serial: serial, issuedAt: 1_790_000_000, validFor: 86_400, revision: nil)
        return try ScopeTableCompiler.compile(result.resolved, options: options, signer: signer)[0].bytes
    }
}
