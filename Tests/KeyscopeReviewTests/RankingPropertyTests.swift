import Foundation
import KeyscopeAccess
import KeyscopeCompiler
import KeyscopePolicy
import KeyscopeReview
import KeyscopeTable
import KeyscopeTableTools
import Testing

/// The access diff checked against a reference model on random pull requests.
///
/// A seeded generator makes a small policy repository (capabilities tagged `safe`, `beta`,
/// `internal`; four teams; keys of every audience, scoped with ids and selectors, or unscoped)
/// and one to three random edits to it, fingerprints on keys and routes on capabilities
/// (SPEC §12) included. The reference model below is written from SPEC §6
/// alone, with sets and loops and no code of the implementation: for each key name it gives
/// the rank the diff must report and the teams that must approve. Every case is diffed as two
/// policy states, and every tenth also as two compiled tables; both must agree with the model,
/// and the diff with keys left out (the shortcut) with the full diff.
@Suite struct RankingPropertyTests {
    static let shards = 20
    static let casesPerShard = 500
    static let tableEvery = 10

    @Test(arguments: 0..<shards)
    func diffAgreesWithTheReferenceModel(shard: Int) throws {
        let signer = try SigningKey(seed: Array(repeating: 9, count: 32))
        for index in 0..<Self.casesPerShard {
            let seed = UInt64(shard * Self.casesPerShard + index) &* 0x9E37_79B9_7F4A_7C15 &+ 1
            var random = SplitMix(seed: seed)
            let before = Repository.random(&random)
            var after = before
            var edits: [String] = []
            for _ in 0..<Int.random(in: 1...3, using: &random) { edits.append(after.applyRandomEdit(&random)) }
            let problems = try check(
                before: before, after: after, asTables: index % Self.tableEvery == 0, signer: signer)
            if !problems.isEmpty {
                Issue.record(
                    """
                    seed \(seed) (shard \(shard), case \(index)); edits: \(edits.joined(separator: "; "))
                    \(problems.joined(separator: "\n"))
                    --- before ---
                    \(before.files.sorted { $0.key < $1.key }.map { "# \($0.key)\n\($0.value)" }.joined(separator: "\n"))
                    --- after ---
                    \(after.files.sorted { $0.key < $1.key }.map { "# \($0.key)\n\($0.value)" }.joined(separator: "\n"))
                    """)
                return
            }
        }
    }

    /// The two classes of issue 10, as the generator would produce them, pinned.
    @Test func knownEscalationsAreCaught() throws {
        var before = Repository.fixed
        before.keys = [
            Repository.Key(
                name: "k1", audience: "customer", owners: ["t-a"], unscoped: true, entries: [], expires: "2027-01-15")
        ]
        var after = before
        after.keys[0].unscoped = false
        after.keys[0].entries = ["cap_c3"]
        after.capabilities[3].tags = ["internal"]
        #expect(
            try check(
                before: before, after: after, asTables: true, signer: SigningKey(seed: Array(repeating: 9, count: 32))
            ).isEmpty)
        let scoped = try diffPolicies(before, after)
        #expect(scoped.changes.first { $0.subject == "k1" }?.rank == .critical)

        var renamed = before
        renamed.keys[0].name = "k1-new"
        renamed.capabilities.append(Repository.Capability(id: "cap_c9", owner: "t-d", tags: []))
        let d = try diffPolicies(before, renamed)
        let rename = try #require(d.changes.first { $0.kind == .keyRenamed })
        #expect(rename.rank == .critical)
        #expect(rename.previousSubject == "k1")
        #expect(Set(rename.approvers).isSuperset(of: ["t-a", "t-d"]))
    }

    func diffPolicies(_ before: Repository, _ after: Repository) throws -> AccessDiff {
        AccessDiff(
            from: AccessState(source: "before", validation: before.validated()),
            to: AccessState(source: "after", validation: after.validated()))
    }

    /// Problems found with one case (empty when the diff agrees with the model).
    func check(before: Repository, after: Repository, asTables: Bool, signer: SigningKey) throws -> [String] {
        let expected = Reference.expectations(before: before, after: after)
        let expectedRoutes = Reference.routeExpectations(before: before, after: after)
        let old = before.validated()
        let new = after.validated()
        var problems: [String] = []
        for (label, validation) in [("before", old), ("after", new)] {
            let unreadable = validation.diagnostics.filter { $0.rule.isReadingFailure }
            if !unreadable.isEmpty {
                problems.append("generator: \(label) does not read: \(unreadable.map(\.message))")
            }
        }
        let full = AccessDiff(
            from: AccessState(source: "before", validation: old), to: AccessState(source: "after", validation: new))
        problems += compare(full, expected, label: "policy")
        problems += compareRoutes(full, expectedRoutes, label: "policy")
        let pair = StateLoader.statePair(("before", old), ("after", new))
        let short = AccessDiff(from: pair.0, to: pair.1)
        if short.changes != full.changes {
            problems.append("policy: the diff with alike keys left out differs from the full diff")
        }
        guard asTables, !old.diagnostics.hasErrors, !new.diagnostics.hasErrors else { return problems }
        let options = TableOpenOptions(trustedKeys: [signer.publicKey], now: nil)
        let tables = try [(old, UInt64(1)), (new, UInt64(2))].map { validation, serial in
            let bytes = try ScopeTableCompiler.compile(
                validation.resolved,
                options: CompileOptions(serial: serial, issuedAt: 1_790_000_000, validFor: 86_400, revision: nil),
                signer: signer)[0].bytes
            return try ScopeTable(bytes: bytes, options: options)
        }
        let tablePair = StateLoader.statePair(("before", [tables[0]]), ("after", [tables[1]]))
        let tableDiff = AccessDiff(from: tablePair.0, to: tablePair.1)
        problems += compare(tableDiff, expected, label: "table")
        problems += compareRoutes(tableDiff, expectedRoutes, label: "table")
        let tableFull = AccessDiff(
            from: AccessState(source: "before", tables: [tables[0].contents()]),
            to: AccessState(source: "after", tables: [tables[1].contents()]))
        if tableDiff.changes != tableFull.changes {
            problems.append("table: the diff with alike keys left out differs from the full diff")
        }
        return problems
    }

    static let keyKinds: Set<ChangeKind> = [
        .keyAdded, .keyRemoved, .keyRenamed, .capabilitiesGained, .capabilitiesLost, .internalExposure, .becameUnscoped,
        .becameScoped,
        .ownersChanged, .audienceChanged, .expiryExtended, .expiryRemoved, .expiryShortened, .descriptionChanged,
        .fingerprintAdded, .fingerprintRemoved,
    ]
    static let routeKinds: Set<ChangeKind> = [.routeAdded, .routeMoved, .routeRemoved]

    func compareRoutes(_ diff: AccessDiff, _ expected: [String: Reference.Expectation], label: String) -> [String] {
        var problems: [String] = []
        let routeChanges = diff.changes.filter { Self.routeKinds.contains($0.kind) }
        for route in Set(expected.keys).union(routeChanges.map(\.subject)).sorted() {
            let changes = routeChanges.filter { $0.subject == route }
            let want = expected[route]
            guard changes.count <= 1, changes.first?.rank == want?.rank else {
                problems.append(
                    "\(label): route \(route): \(changes.map { "\($0.rank.rawValue) \($0.kind.rawValue)" }), the model says \(want?.rank.rawValue ?? "unchanged")"
                )
                continue
            }
            if let want, let change = changes.first, !Set(change.approvers).isSuperset(of: want.approvers) {
                problems.append(
                    "\(label): route \(route): approvers \(change.approvers), the model requires \(want.approvers.sorted())"
                )
            }
        }
        return problems
    }

    func compare(_ diff: AccessDiff, _ expected: [String: Reference.Expectation], label: String) -> [String] {
        var problems: [String] = []
        let keyChanges = diff.changes.filter { Self.keyKinds.contains($0.kind) }
        let renamedAway = Set(keyChanges.compactMap(\.previousSubject))
        for name in Set(expected.keys).union(keyChanges.map(\.subject)).sorted() {
            let changes = keyChanges.filter { $0.subject == name }
            var rank = changes.map(\.rank).max()
            if renamedAway.contains(name) { rank = max(rank ?? .low, .low) }
            let want = expected[name]
            if rank != want?.rank {
                problems.append(
                    "\(label): key \(name): ranked \(rank?.rawValue ?? "unchanged"), the model says \(want?.rank.rawValue ?? "unchanged") (\(changes.map { "\($0.rank.rawValue) \($0.kind.rawValue)" }.joined(separator: ", ")))"
                )
                continue
            }
            guard let want, !changes.isEmpty else { continue }
            let approvers = Set(changes.filter { $0.rank == want.rank }.flatMap(\.approvers))
            if !approvers.isSuperset(of: want.approvers) {
                problems.append(
                    "\(label): key \(name): approvers \(approvers.sorted()), the model requires \(want.approvers.sorted())"
                )
            }
        }
        return problems
    }
}

/// SPEC §6, written naively: reach by sets, ranks by the rules in order.
enum Reference {
    struct Expectation {
        var rank: Rank
        var approvers: Set<String>
    }

    static func reach(_ key: Repository.Key, _ catalog: [Repository.Capability]) -> Set<String> {
        if key.unscoped { return Set(catalog.map(\.id)) }
        var reached: Set<String> = []
        for entry in key.entries {
            for capability in catalog {
                if entry.hasPrefix("tag:")
                    ? capability.tags.contains(String(entry.dropFirst(4))) : capability.id == entry
                {
                    reached.insert(capability.id)
                }
            }
        }
        return reached
    }

    static func exposure(_ key: Repository.Key, _ catalog: [Repository.Capability]) -> Set<String> {
        guard key.audience == "customer" || key.audience == "partner" else { return [] }
        let internalIDs = Set(catalog.filter { $0.tags.contains("internal") }.map(\.id))
        return reach(key, catalog).intersection(internalIDs)
    }

    static func owners(_ ids: Set<String>, _ catalog: [Repository.Capability]) -> Set<String> {
        Set(catalog.filter { ids.contains($0.id) }.map(\.owner))
    }

    static func expectations(before: Repository, after: Repository) -> [String: Expectation] {
        var result: [String: Expectation] = [:]
        let names = Set(before.keys.map(\.name)).union(after.keys.map(\.name))
        for name in names {
            let old = before.keys.first { $0.name == name }
            let new = after.keys.first { $0.name == name }
            switch (old, new) {
            case (let old?, nil):
                result[name] = Expectation(rank: .low, approvers: Set(old.owners))
            case (nil, let new?):
                let reached = reach(new, after.capabilities)
                let rank: Rank = new.unscoped || !exposure(new, after.capabilities).isEmpty ? .critical : .high
                result[name] = Expectation(
                    rank: rank, approvers: Set(new.owners).union(owners(reached, after.capabilities)))
            case (let old?, let new?):
                let gained = reach(new, after.capabilities).subtracting(reach(old, before.capabilities))
                let lost = reach(old, before.capabilities).subtracting(reach(new, after.capabilities))
                let exposed = exposure(new, after.capabilities).subtracting(exposure(old, before.capabilities))
                let keyOwners = Set(old.owners).union(new.owners)
                let newCredential = !Set(new.fingerprints).subtracting(old.fingerprints).isEmpty
                let lostCredential = !Set(old.fingerprints).subtracting(new.fingerprints).isEmpty
                let rank: Rank?
                if (!old.unscoped && new.unscoped) || !exposed.isEmpty {
                    rank = .critical
                } else if !gained.isEmpty || newCredential {
                    rank = .high
                } else if Set(old.owners) != Set(new.owners) || old.audience != new.audience
                    || later(new.expires, than: old.expires)
                {
                    rank = .medium
                } else if !lost.isEmpty || old.expires != new.expires || old.unscoped != new.unscoped
                    || lostCredential
                {
                    rank = .low
                } else {
                    rank = nil
                }
                if let rank {
                    let approvers =
                        rank >= .high ? keyOwners.union(owners(gained.union(exposed), after.capabilities)) : keyOwners
                    result[name] = Expectation(rank: rank, approvers: approvers)
                }
            case (nil, nil):
                break
            }
        }
        return result
    }

    /// Per route template whose capability changed: who may call it is who reaches its
    /// capability, so the keys that can call it after and could not before decide the rank.
    static func routeExpectations(before: Repository, after: Repository) -> [String: Expectation] {
        func capability(of route: String, in repository: Repository) -> Repository.Capability? {
            repository.capabilities.first { $0.routes.contains(route) }
        }
        var result: [String: Expectation] = [:]
        let routes = Set(before.capabilities.flatMap(\.routes)).union(after.capabilities.flatMap(\.routes))
        for route in routes {
            let old = capability(of: route, in: before)
            let new = capability(of: route, in: after)
            guard old?.id != new?.id else { continue }
            let oldCallers = Set(
                before.keys.filter { key in old.map { reach(key, before.capabilities).contains($0.id) } ?? false }
                    .map(\.name))
            let gaining = after.keys.filter { key in
                new.map { reach(key, after.capabilities).contains($0.id) } ?? false
            }.filter { !oldCallers.contains($0.name) }
            let external = gaining.contains { $0.audience == "customer" || $0.audience == "partner" }
            let rank: Rank =
                new?.tags.contains("internal") == true && external ? .critical : gaining.isEmpty ? .low : .high
            var approvers = Set([old?.owner, new?.owner].compactMap { $0 })
            if rank >= .high { approvers.formUnion(gaining.flatMap(\.owners)) }
            result[route] = Expectation(rank: rank, approvers: approvers)
        }
        return result
    }

    /// An expiry extended, or removed.
    static func later(_ new: String?, than old: String?) -> Bool {
        guard let old else { return false }
        guard let new else { return true }
        return new > old
    }
}

/// A small policy repository the generator builds and edits.
struct Repository {
    struct Capability {
        var id: String
        var owner: String
        var tags: [String]
        var routes: [String] = []
    }

    struct Key {
        var name: String
        var audience: String
        var owners: [String]
        var unscoped: Bool
        var entries: [String]
        var expires: String?
        var fingerprints: [String] = []
    }

    static let teams = ["t-a", "t-b", "t-c", "t-d"]
    static let tags = ["safe", "beta", "internal"]
    static let audiences = ["first-party", "internal", "customer", "partner"]
    /// Unscoped keys must expire within 90 days of the check date (2026-11-27).
    static let unscopedExpiries = ["2026-12-20", "2027-01-15", "2027-02-20"]
    static let expiries: [String?] = [nil, "2026-12-31", "2027-06-30", "2027-12-31"]

    var capabilities: [Capability]
    var keys: [Key]
    var nextKey = 0
    var nextCapability = 0
    var nextFingerprint = 0
    var nextRoute = 0

    static var fixed: Repository {
        Repository(
            capabilities: (0..<5).map { Capability(id: "cap_c\($0)", owner: teams[$0 % teams.count], tags: []) },
            keys: [], nextKey: 10, nextCapability: 5)
    }

    static func random(_ random: inout SplitMix) -> Repository {
        var repository = Repository(capabilities: [], keys: [])
        for _ in 0..<Int.random(in: 3...6, using: &random) {
            repository.capabilities.append(repository.newCapability(&random))
        }
        for _ in 0..<Int.random(in: 2...6, using: &random) { repository.keys.append(repository.newKey(&random)) }
        return repository
    }

    mutating func newCapability(_ random: inout SplitMix) -> Capability {
        defer { nextCapability += 1 }
        var capability = Capability(
            id: "cap_c\(nextCapability)", owner: Self.teams.randomElement(using: &random)!,
            tags: Self.tags.filter { _ in Int.random(in: 0..<3, using: &random) == 0 })
        if Int.random(in: 0..<2, using: &random) == 0 { capability.routes.append(newRoute()) }
        return capability
    }

    /// A route template no other has: `GET /r/N` or `* /r/N/{rest...}`.
    mutating func newRoute() -> String {
        defer { nextRoute += 1 }
        return nextRoute % 3 == 2 ? "* /r/\(nextRoute)/{rest...}" : "GET /r/\(nextRoute)"
    }

    /// A fingerprint no other key has.
    mutating func newFingerprint() -> String {
        defer { nextFingerprint += 1 }
        let hex = String(nextFingerprint, radix: 16)
        return "sha256:" + String(repeating: "0", count: 64 - hex.count) + hex
    }

    mutating func newKey(_ random: inout SplitMix) -> Key {
        defer { nextKey += 1 }
        let owners = Array(Self.teams.shuffled(using: &random).prefix(Int.random(in: 1...2, using: &random))).sorted()
        var key = Key(
            name: "k\(nextKey)", audience: Self.audiences.randomElement(using: &random)!, owners: owners,
            unscoped: false, entries: [], expires: nil)
        if Int.random(in: 0..<5, using: &random) == 0 {
            key.unscoped = true
            key.expires = Self.unscopedExpiries.randomElement(using: &random)!
        } else {
            key.entries = randomScope(&random)
            key.expires = Self.expiries.randomElement(using: &random)!
        }
        if Int.random(in: 0..<2, using: &random) == 0 { key.fingerprints.append(newFingerprint()) }
        return key
    }

    func randomEntry(_ random: inout SplitMix) -> String {
        Int.random(in: 0..<4, using: &random) == 0
            ? "tag:" + Self.tags.randomElement(using: &random)!
            : capabilities.randomElement(using: &random)?.id ?? "tag:safe"
    }

    func randomScope(_ random: inout SplitMix) -> [String] {
        var entries: [String] = []
        for _ in 0..<Int.random(in: 1...3, using: &random) {
            let entry = randomEntry(&random)
            if !entries.contains(entry) { entries.append(entry) }
        }
        return entries
    }

    /// Applies one random pull-request edit and says what it was.
    mutating func applyRandomEdit(_ random: inout SplitMix) -> String {
        let scoped = keys.indices.filter { !keys[$0].unscoped }
        let routed = capabilities.indices.filter { !capabilities[$0].routes.isEmpty }
        let credentialed = keys.indices.filter { !keys[$0].fingerprints.isEmpty }
        switch Int.random(in: 0..<18, using: &random) {
        case 13 where !keys.isEmpty:
            let k = Int.random(in: 0..<keys.count, using: &random)
            keys[k].fingerprints.append(newFingerprint())
            return "new fingerprint for \(keys[k].name)"
        case 14 where !credentialed.isEmpty:
            let k = credentialed.randomElement(using: &random)!
            let removed = keys[k].fingerprints.removeLast()
            return "remove fingerprint \(removed.suffix(4)) from \(keys[k].name)"
        case 15 where !capabilities.isEmpty:
            let c = Int.random(in: 0..<capabilities.count, using: &random)
            capabilities[c].routes.append(newRoute())
            return "route \(capabilities[c].routes.last!) added to \(capabilities[c].id)"
        case 16 where !routed.isEmpty && capabilities.count > 1:
            let from = routed.randomElement(using: &random)!
            let to = capabilities.indices.filter { $0 != from }.randomElement(using: &random)!
            let route = capabilities[from].routes.removeLast()
            capabilities[to].routes.append(route)
            return "route \(route) moved from \(capabilities[from].id) to \(capabilities[to].id)"
        case 17 where !routed.isEmpty:
            let c = routed.randomElement(using: &random)!
            return "route \(capabilities[c].routes.removeLast()) removed from \(capabilities[c].id)"
        case 0 where !scoped.isEmpty:
            let k = scoped.randomElement(using: &random)!
            let entry = capabilities.randomElement(using: &random)!.id
            if !keys[k].entries.contains(entry) { keys[k].entries.append(entry) }
            return "grant \(entry) to \(keys[k].name)"
        case 1 where scoped.contains { keys[$0].entries.count > 1 }:
            let k = scoped.filter { keys[$0].entries.count > 1 }.randomElement(using: &random)!
            let removed = keys[k].entries.remove(at: Int.random(in: 0..<keys[k].entries.count, using: &random))
            return "remove \(removed) from \(keys[k].name)"
        case 2 where !scoped.isEmpty:
            let k = scoped.randomElement(using: &random)!
            let entry = "tag:" + Self.tags.randomElement(using: &random)!
            if !keys[k].entries.contains(entry) { keys[k].entries.append(entry) }
            return "select \(entry) for \(keys[k].name)"
        case 3 where !capabilities.isEmpty:
            let c = Int.random(in: 0..<capabilities.count, using: &random)
            let tag = Int.random(in: 0..<2, using: &random) == 0 ? "internal" : Self.tags.randomElement(using: &random)!
            if let at = capabilities[c].tags.firstIndex(of: tag) {
                capabilities[c].tags.remove(at: at)
            } else {
                capabilities[c].tags.append(tag)
            }
            return "toggle tag \(tag) on \(capabilities[c].id)"
        case 4 where !keys.isEmpty:
            let k = Int.random(in: 0..<keys.count, using: &random)
            if keys[k].unscoped {
                keys[k].unscoped = false
                keys[k].entries = randomScope(&random)
                return "scope \(keys[k].name) to \(keys[k].entries)"
            }
            keys[k].unscoped = true
            keys[k].entries = []
            keys[k].expires = Self.unscopedExpiries.randomElement(using: &random)!
            return "unscope \(keys[k].name)"
        case 5 where !keys.isEmpty:
            let k = Int.random(in: 0..<keys.count, using: &random)
            let old = keys[k].name
            keys[k].name = "k\(nextKey)"
            nextKey += 1
            return "rename \(old) to \(keys[k].name)"
        case 6:
            keys.append(newKey(&random))
            return "add key \(keys.last!.name)"
        case 7 where !keys.isEmpty:
            return "remove key \(keys.remove(at: Int.random(in: 0..<keys.count, using: &random)).name)"
        case 8 where !keys.isEmpty:
            let k = Int.random(in: 0..<keys.count, using: &random)
            keys[k].audience = Self.audiences.randomElement(using: &random)!
            return "audience of \(keys[k].name) to \(keys[k].audience)"
        case 9 where !keys.isEmpty:
            let k = Int.random(in: 0..<keys.count, using: &random)
            keys[k].owners = Array(Self.teams.shuffled(using: &random).prefix(Int.random(in: 1...2, using: &random)))
                .sorted()
            return "owners of \(keys[k].name) to \(keys[k].owners)"
        case 10 where !keys.isEmpty:
            let k = Int.random(in: 0..<keys.count, using: &random)
            keys[k].expires =
                keys[k].unscoped
                ? Self.unscopedExpiries.randomElement(using: &random)! : Self.expiries.randomElement(using: &random)!
            return "expiry of \(keys[k].name) to \(keys[k].expires ?? "none")"
        case 11:
            capabilities.append(newCapability(&random))
            return "add capability \(capabilities.last!.id) \(capabilities.last!.tags)"
        case 12 where capabilities.count > 1:
            return
                "remove capability \(capabilities.remove(at: Int.random(in: 0..<capabilities.count, using: &random)).id)"
        default:
            keys.append(newKey(&random))
            return "add key \(keys.last!.name)"
        }
    }

    var files: [String: String] {
        var product = "apiVersion: keyscope/v1\nkind: Product\nid: shop\nname: Shop\ncapabilities:\n"
        for c in capabilities {
            product +=
                "  - {id: \(c.id), name: \(c.id), owner: \(c.owner), tags: [\(c.tags.joined(separator: ", "))], routes: [\(c.routes.map { "'\($0)'" }.joined(separator: ", "))]}\n"
        }
        if capabilities.isEmpty { product += "  []\n" }
        let teams = Self.teams.map {
            "apiVersion: keyscope/v1\nkind: Team\nid: \($0)\nname: \($0)\nreviewers: [\"@acme/\($0)\"]\n"
        }.joined(separator: "---\n")
        var keySet = "apiVersion: keyscope/v1\nkind: KeySet\nproduct: shop\nkeys:\n"
        for k in keys {
            keySet += "  - {name: \(k.name), audience: \(k.audience), owners: [\(k.owners.joined(separator: ", "))]"
            keySet +=
                k.unscoped
                ? ", unscoped: true, justification: on call"
                : ", capabilities: [\(k.entries.map { "'\($0)'" }.joined(separator: ", "))]"
            if let expires = k.expires { keySet += ", expires: \(expires)" }
            if !k.fingerprints.isEmpty { keySet += ", fingerprints: [\(k.fingerprints.joined(separator: ", "))]" }
            keySet += "}\n"
        }
        if keys.isEmpty { keySet = keySet.replacingOccurrences(of: "keys:\n", with: "keys: []\n") }
        // Lenient where a random edit would otherwise make the state uncompilable.
        let settings =
            "apiVersion: keyscope/v1\nkind: Settings\nrules:\n  internal-exposure: warning\n  empty-selector: off\n"
        return ["product.yaml": product, "teams.yaml": teams, "keys.yaml": keySet, "settings.yaml": settings]
    }

    func validated() -> ValidationResult {
        let loaded = PolicyLoader().load(
            files: files.sorted { $0.key < $1.key }.map { SourceFile(path: $0.key, text: $0.value) })
        return PolicyValidator.validate(loaded, checkDate: CalendarDate(parsing: "2026-11-27")!)
    }
}

/// A small seeded generator (SplitMix64), so that a failing case can be replayed from its seed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
