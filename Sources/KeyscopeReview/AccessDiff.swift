import Dispatch
import KeyscopePolicy
import Synchronization

/// How much a change matters to a reviewer (SPEC §6). Ordered: critical first.
public enum Rank: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case critical, high, medium, low

    var order: Int {
        switch self {
        case .critical: 0
        case .high: 1
        case .medium: 2
        case .low: 3
        }
    }

    /// `a < b` when `a` is more severe.
    public static func < (lhs: Rank, rhs: Rank) -> Bool { lhs.order < rhs.order }
}

/// What kind of change. The raw values appear in JSON output and are API.
public enum ChangeKind: String, Sendable, Hashable, Codable, CaseIterable {
    case keyAdded = "key-added"
    case keyRemoved = "key-removed"
    /// A key removed and another added with exactly the same settings: the same access under a new name.
    case keyRenamed = "key-renamed"
    case capabilitiesGained = "capabilities-gained"
    case capabilitiesLost = "capabilities-lost"
    /// An `internal` capability newly reaches a customer or partner key without the key's scope changing (a re-tag, or an unscoped key).
    case internalExposure = "internal-exposure"
    case becameUnscoped = "became-unscoped"
    case becameScoped = "became-scoped"
    case ownersChanged = "owners-changed"
    case audienceChanged = "audience-changed"
    case expiryExtended = "expiry-extended"
    case expiryRemoved = "expiry-removed"
    case expiryShortened = "expiry-shortened"
    case descriptionChanged = "description-changed"
    case capabilityAdded = "capability-added"
    case capabilityRemoved = "capability-removed"
    case capabilityRenamed = "capability-renamed"
    case capabilityRetagged = "capability-retagged"
    case capabilityOwnerChanged = "capability-owner-changed"
    case capabilityDeprecated = "capability-deprecated"
    case productAdded = "product-added"
    case productRemoved = "product-removed"
    case teamReviewersChanged = "team-reviewers-changed"
    case settingsWeakened = "settings-weakened"
    case settingsStrengthened = "settings-strengthened"
}

/// A capability a key gains, and the selector that brought it when there is one.
public struct GainedCapability: Sendable, Hashable {
    public var id: String
    /// `tag:x` when the capability reaches the key through a selector.
    public var via: String?
    /// The capability is tagged `internal`.
    public var isInternal: Bool

    public init(id: String, via: String?, isInternal: Bool) {
        self.id = id
        self.via = via
        self.isInternal = isInternal
    }
}

/// One change of effective access (or of what decides it).
public struct Change: Sendable, Hashable {
    public var rank: Rank
    public var kind: ChangeKind
    /// Product id, or nil for repository-wide changes (teams, settings).
    public var product: String?
    /// The key name, capability id, team id or settings field the change is about.
    public var subject: String
    /// One line for people.
    public var summary: String
    /// Further lines (each gained capability, old and new values).
    public var details: [String]
    /// Capabilities gained (for `capabilities-gained`, `key-added`).
    public var gained: [GainedCapability]
    /// Teams whose approval the change needs, sorted.
    public var approvers: [String]
}

/// The access change between two states, ranked, with approvers.
public struct AccessDiff: Sendable, Hashable {
    public var from: String
    public var to: String
    /// Sorted: rank, then product, then subject, then kind.
    public var changes: [Change]
    /// Team id -> reviewers, for every team named as an approver.
    public var approvers: [String: [String]]

    public var isEmpty: Bool { changes.isEmpty }

    public func count(_ rank: Rank) -> Int { changes.count { $0.rank == rank } }

    /// Whether a change of `rank` or more severe is present.
    public func has(atLeast rank: Rank) -> Bool { changes.contains { $0.rank <= rank } }

    /// Compares two states (SPEC §6): effective access after selectors are expanded.
    public init(from old: AccessState, to new: AccessState) {
        var changes: [Change] = []
        for productID in Set(old.products.keys).union(new.products.keys).sorted() {
            switch (old.products[productID], new.products[productID]) {
            case (nil, let added?):
                changes.append(Change(rank: .low, kind: .productAdded, product: productID, subject: productID, summary: "product `\(productID)` added", details: [], gained: [], approvers: []))
                changes += AccessDiff.keyChanges(old: ProductState(id: productID, name: added.name, capabilities: [:], keys: [:]), new: added)
            case (let removed?, nil):
                changes.append(Change(rank: .low, kind: .productRemoved, product: productID, subject: productID, summary: "product `\(productID)` removed (\(removed.keys.count) keys lose all access)", details: [], gained: [], approvers: []))
            case (let before?, let after?):
                changes += AccessDiff.catalogChanges(old: before, new: after)
                changes += AccessDiff.keyChanges(old: before, new: after)
            default:
                break
            }
        }
        changes += AccessDiff.teamChanges(old: old.teams, new: new.teams)
        if let before = old.settings, let after = new.settings {
            changes += AccessDiff.settingsChanges(old: before, new: after)
        }
        changes.sort { a, b in
            if a.rank != b.rank { return a.rank < b.rank }
            if a.product != b.product { return (a.product ?? "") < (b.product ?? "") }
            if a.subject != b.subject { return a.subject < b.subject }
            return a.kind.rawValue < b.kind.rawValue
        }
        var approvers: [String: [String]] = [:]
        for team in Set(changes.flatMap(\.approvers)) {
            approvers[team] = new.teams[team]?.reviewers ?? old.teams[team]?.reviewers ?? []
        }
        self.from = old.source
        self.to = new.source
        self.changes = changes
        self.approvers = approvers
    }

    // MARK: Keys

    static func keyChanges(old: ProductState, new: ProductState) -> [Change] {
        // Comparing 100,000 keys is independent per key: split the names over the cores.
        let names = Array(new.keys.keys)
        let addedCapabilities = new.capabilities.keys.filter { old.capabilities[$0] == nil }.sorted()
        // Capabilities that existed before and are tagged `internal` only now: the only way an
        // external key's unchanged scope can newly reach internal access.
        let newlyInternal = Set(new.capabilities.values.filter { $0.isInternal && old.capabilities[$0.id].map { !$0.isInternal } == true }.map(\.id))
        let chunks = max(1, min(8, names.count / 5_000))
        let results = ChunkResults(count: chunks)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            var changes: [Change] = []
            var index = chunk
            while index < names.count {
                let name = names[index]
                index += chunks
                guard let after = new.keys[name] else { continue }
                guard let before = old.keys[name] else {
                    changes.append(keyAdded(after, product: new))
                    continue
                }
                if (before.unscoped && after.unscoped && !addedCapabilities.isEmpty) || (!newlyInternal.isEmpty && before.isExternal && after.isExternal) {
                    changes += reachChanges(before, after, old: old, new: new, addedCapabilities: addedCapabilities, newlyInternal: newlyInternal)
                }
                if before == after { continue }
                changes += keyModified(before, after, old: old, new: new)
            }
            results.set(chunk, changes)
        }
        var changes = results.all()
        let removed = old.keys.keys.filter { new.keys[$0] == nil }
        var renamedFrom: [String: String] = [:]
        if !removed.isEmpty {
            // A removal and an addition with identical settings, each the only one with them, is a rename.
            var removedBySettings: [RenameSignature: [String]] = [:]
            for name in removed { removedBySettings[RenameSignature(old.keys[name]!), default: []].append(name) }
            var addedBySettings: [RenameSignature: [String]] = [:]
            for change in changes where change.kind == .keyAdded {
                addedBySettings[RenameSignature(new.keys[change.subject]!), default: []].append(change.subject)
            }
            for (signature, added) in addedBySettings where added.count == 1 {
                if let from = removedBySettings[signature], from.count == 1 { renamedFrom[added[0]] = from[0] }
            }
        }
        if !renamedFrom.isEmpty {
            let renamedOld = Set(renamedFrom.values)
            changes = changes.map { change in
                guard change.kind == .keyAdded, let from = renamedFrom[change.subject] else { return change }
                return Change(
                    rank: .low, kind: .keyRenamed, product: new.id, subject: change.subject,
                    summary: "key `\(from)` renamed to `\(change.subject)` with the same access", details: [], gained: [],
                    approvers: new.keys[change.subject]!.owners
                )
            }
            for name in removed where !renamedOld.contains(name) {
                changes.append(Change(rank: .low, kind: .keyRemoved, product: new.id, subject: name, summary: "key `\(name)` removed", details: [], gained: [], approvers: old.keys[name]!.owners))
            }
            return changes
        }
        for name in removed {
            changes.append(Change(
                rank: .low, kind: .keyRemoved, product: new.id, subject: name,
                summary: "key `\(name)` removed", details: [], gained: [], approvers: old.keys[name]!.owners
            ))
        }
        return changes
    }

    /// Everything about a key but its name.
    struct RenameSignature: Hashable {
        var description: String?
        var audience: String
        var owners: [String]
        var expires: String?
        var unscoped: Bool
        var capabilities: [String]
        var selectors: [String]

        init(_ key: KeyState) {
            description = key.description
            audience = key.audience
            owners = key.owners
            expires = key.expires
            unscoped = key.unscoped
            capabilities = key.capabilities
            selectors = key.selectors
        }
    }

    /// Access that changes without the key's own entry changing: new capabilities reaching an
    /// unscoped key, and capabilities the key already held becoming `internal` while it is external.
    static func reachChanges(_ before: KeyState, _ after: KeyState, old: ProductState, new: ProductState, addedCapabilities: [String], newlyInternal: Set<String>) -> [Change] {
        var changes: [Change] = []
        let owners = Array(Set(before.owners + after.owners))
        if before.unscoped && after.unscoped && !addedCapabilities.isEmpty {
            let gains = gained(addedCapabilities, key: after, product: new)
            let exposes = after.isExternal && gains.contains(where: \.isInternal)
            changes.append(Change(
                rank: exposes ? .critical : .high, kind: .capabilitiesGained, product: new.id, subject: after.name,
                summary: "unscoped key `\(after.name)` gains \(addedCapabilities.count) new capabilit\(addedCapabilities.count == 1 ? "y" : "ies")" + (exposes ? ": internal capability reaches a \(after.audience) key" : ""),
                details: describe(gains), gained: gains, approvers: Array(Set(owners + AccessDiff.owners(of: addedCapabilities, in: new))).sorted()
            ))
        }
        // A key that becomes external or unscoped is reported (critical) by `keyModified`, and
        // capabilities it newly lists there too; here only access it already had turns internal.
        guard after.isExternal, before.isExternal, !newlyInternal.isEmpty, !(after.unscoped && !before.unscoped) else { return changes }
        let held: [String] = before.unscoped && after.unscoped
            ? old.capabilities.keys.filter { newlyInternal.contains($0) }
            : after.capabilities.filter { newlyInternal.contains($0) && before.capabilities.contains($0) }
        let exposed = held.sorted()
        if !exposed.isEmpty {
            changes.append(Change(
                rank: .critical, kind: .internalExposure, product: new.id, subject: after.name,
                summary: "internal capabilit\(exposed.count == 1 ? "y" : "ies") now reach\(exposed.count == 1 ? "es" : "") \(after.audience) key `\(after.name)`",
                details: exposed.map { "! \($0) [internal]" }, gained: exposed.map { GainedCapability(id: $0, via: nil, isInternal: true) },
                approvers: Array(Set(owners + AccessDiff.owners(of: exposed, in: new))).sorted()
            ))
        }
        return changes
    }

    static func gained(_ ids: [String], key: KeyState, product: ProductState) -> [GainedCapability] {
        ids.map { id in
            let capability = product.capabilities[id]
            let via = capability.flatMap { c in key.selectors.first { c.tags.contains($0) } }.map { "tag:\($0)" }
            return GainedCapability(id: id, via: via, isInternal: capability?.isInternal ?? false)
        }
    }

    static func describe(_ gains: [GainedCapability]) -> [String] {
        gains.map { g in "+ \(g.id)" + (g.via.map { " (via \($0))" } ?? "") + (g.isInternal ? " [internal]" : "") }
    }

    static func owners(of ids: [String], in product: ProductState) -> [String] {
        ids.compactMap { product.capabilities[$0]?.owner }.filter { !$0.isEmpty }
    }

    static func keyAdded(_ key: KeyState, product: ProductState) -> Change {
        if key.unscoped {
            return Change(
                rank: .critical, kind: .keyAdded, product: product.id, subject: key.name,
                summary: "new UNSCOPED \(key.audience) key `\(key.name)`: every capability of `\(product.id)`" + (key.expires.map { ", expires \($0)" } ?? ", no expiry"),
                details: [], gained: [], approvers: Array(Set(key.owners + product.capabilities.values.map(\.owner))).filter { !$0.isEmpty }.sorted()
            )
        }
        let gains = gained(key.capabilities, key: key, product: product)
        let exposes = key.isExternal && gains.contains(where: \.isInternal)
        return Change(
            rank: exposes ? .critical : .high, kind: .keyAdded, product: product.id, subject: key.name,
            summary: "new \(key.audience) key `\(key.name)` with \(key.capabilities.count) capabilit\(key.capabilities.count == 1 ? "y" : "ies")"
                + (exposes ? ": internal capability reaches a \(key.audience) key" : ""),
            details: describe(gains), gained: gains,
            approvers: Array(Set(key.owners + owners(of: key.capabilities, in: product))).sorted()
        )
    }

    static func keyModified(_ before: KeyState, _ after: KeyState, old: ProductState, new: ProductState) -> [Change] {
        var changes: [Change] = []
        let product = new.id
        let name = after.name
        func change(_ rank: Rank, _ kind: ChangeKind, _ summary: String, details: [String] = [], gained: [GainedCapability] = [], extraApprovers: [String] = []) {
            changes.append(Change(rank: rank, kind: kind, product: product, subject: name, summary: summary, details: details, gained: gained,
                                  approvers: Array(Set(after.owners + before.owners + extraApprovers)).sorted()))
        }
        if !before.unscoped && after.unscoped {
            change(.critical, .becameUnscoped, "key `\(name)` becomes UNSCOPED: every capability of `\(product)`",
                   extraApprovers: new.capabilities.values.map(\.owner).filter { !$0.isEmpty })
        } else if before.unscoped && !after.unscoped {
            change(.low, .becameScoped, "key `\(name)` is scoped to \(after.capabilities.count) capabilities (was unscoped)")
        } else if !after.unscoped {
            let beforeSet = Set(before.capabilities)
            let afterSet = Set(after.capabilities)
            let added = after.capabilities.filter { !beforeSet.contains($0) }
            let removed = before.capabilities.filter { !afterSet.contains($0) }
            if !added.isEmpty {
                let gains = gained(added, key: after, product: new)
                let exposes = after.isExternal && gains.contains(where: \.isInternal)
                change(exposes ? .critical : .high, .capabilitiesGained,
                       "key `\(name)` gains \(added.count) capabilit\(added.count == 1 ? "y" : "ies")" + (exposes ? ": internal capability reaches a \(after.audience) key" : ""),
                       details: describe(gains), gained: gains, extraApprovers: owners(of: added, in: new))
            }
            if !removed.isEmpty {
                change(.low, .capabilitiesLost, "key `\(name)` loses \(removed.count) capabilit\(removed.count == 1 ? "y" : "ies")", details: removed.map { "- \($0)" })
            }
        }
        if before.audience != after.audience {
            let exposes = after.isExternal && !before.isExternal
                && (after.unscoped ? new.capabilities.values.contains(where: \.isInternal) : after.capabilities.contains { new.capabilities[$0]?.isInternal ?? false })
            change(exposes ? .critical : .medium, .audienceChanged, "key `\(name)` audience \(before.audience) → \(after.audience)" + (exposes ? ": internal capabilities now reach a \(after.audience) key" : ""))
        }
        if before.owners != after.owners {
            change(.medium, .ownersChanged, "key `\(name)` owners [\(before.owners.joined(separator: ", "))] → [\(after.owners.joined(separator: ", "))]")
        }
        switch (before.expires, after.expires) {
        case (let b?, nil):
            change(.medium, .expiryRemoved, "key `\(name)` no longer expires (was \(b))")
        case (let b?, let a?) where a > b:
            change(.medium, .expiryExtended, "key `\(name)` expiry extended \(b) → \(a)")
        case (let b?, let a?) where a < b:
            change(.low, .expiryShortened, "key `\(name)` expiry brought forward \(b) → \(a)")
        case (nil, let a?):
            change(.low, .expiryShortened, "key `\(name)` now expires \(a)")
        default:
            break
        }
        if before.description != after.description {
            change(.low, .descriptionChanged, "key `\(name)` description changed")
        }
        return changes
    }

    // MARK: Catalog, teams, settings

    static func catalogChanges(old: ProductState, new: ProductState) -> [Change] {
        var changes: [Change] = []
        let product = new.id
        let unscopedKeys = new.keys.values.filter(\.unscoped).map(\.name).sorted()
        for (id, after) in new.capabilities {
            guard let before = old.capabilities[id] else {
                let reach = unscopedKeys.isEmpty ? [] : ["reachable by unscoped keys: " + unscopedKeys.joined(separator: ", ")]
                changes.append(Change(rank: .low, kind: .capabilityAdded, product: product, subject: id, summary: "capability `\(id)` added (owner \(after.owner))", details: reach, gained: [], approvers: [after.owner]))
                continue
            }
            if before.name != after.name {
                changes.append(Change(rank: .low, kind: .capabilityRenamed, product: product, subject: id, summary: "capability `\(id)` renamed \"\(Quote.sanitized(before.name))\" → \"\(Quote.sanitized(after.name))\"", details: [], gained: [], approvers: [after.owner]))
            }
            if before.tags != after.tags {
                changes.append(Change(rank: .low, kind: .capabilityRetagged, product: product, subject: id, summary: "capability `\(id)` tags [\(before.tags.joined(separator: ", "))] → [\(after.tags.joined(separator: ", "))]", details: ["keys that gain access through selectors are listed under their own changes"], gained: [], approvers: [after.owner]))
            }
            if before.owner != after.owner {
                changes.append(Change(rank: .medium, kind: .capabilityOwnerChanged, product: product, subject: id, summary: "capability `\(id)` owner \(before.owner) → \(after.owner)", details: [], gained: [], approvers: Array(Set([before.owner, after.owner])).sorted()))
            }
            if before.deprecated == nil, let reason = after.deprecated {
                changes.append(Change(rank: .low, kind: .capabilityDeprecated, product: product, subject: id, summary: "capability `\(id)` deprecated: \(Quote.sanitized(reason))", details: [], gained: [], approvers: [after.owner]))
            }
        }
        for (id, before) in old.capabilities where new.capabilities[id] == nil {
            changes.append(Change(rank: .low, kind: .capabilityRemoved, product: product, subject: id, summary: "capability `\(id)` removed", details: [], gained: [], approvers: [before.owner]))
        }
        return changes
    }

    static func teamChanges(old: [String: TeamState], new: [String: TeamState]) -> [Change] {
        var changes: [Change] = []
        for (id, after) in new {
            if let before = old[id], before.reviewers != after.reviewers {
                changes.append(Change(rank: .medium, kind: .teamReviewersChanged, product: nil, subject: id,
                                      summary: "team `\(id)` reviewers [\(Quote.sanitized(before.reviewers.joined(separator: ", "), maxLength: 300))] → [\(Quote.sanitized(after.reviewers.joined(separator: ", "), maxLength: 300))]",
                                      details: [], gained: [], approvers: [id]))
            }
        }
        return changes
    }

    /// A rule made less strict, or the unscoped limit made longer, changes what every later review can catch: critical.
    static func settingsChanges(old: SettingsState, new: SettingsState) -> [Change] {
        func strength(_ severity: String?) -> Int {
            switch severity {
            case "error": 2
            case "warning": 1
            default: 0
            }
        }
        // The settings' owners before and after approve: a change that drops an owner needs that owner's consent too.
        let approvers = Array(Set(old.owners + new.owners)).sorted()
        let unowned = approvers.isEmpty ? ["no team owns the Settings document: set its `owners` so that a team must approve what later reviews can catch"] : []
        var changes: [Change] = []
        func change(weaker: Bool, subject: String, summary: String) {
            changes.append(Change(
                rank: weaker ? .critical : .low, kind: weaker ? .settingsWeakened : .settingsStrengthened, product: nil, subject: subject,
                summary: summary, details: weaker ? unowned : [], gained: [], approvers: approvers
            ))
        }
        for rule in Set(old.severities.keys).union(new.severities.keys).sorted() {
            let before = old.severities[rule] ?? "off"
            let after = new.severities[rule] ?? "off"
            if before == after { continue }
            let weaker = strength(after) < strength(before)
            change(weaker: weaker, subject: "rules.\(rule)", summary: "rule `\(rule)` \(before) → \(after)" + (weaker ? ": later reviews catch less" : ""))
        }
        if old.unscopedMaxDays != new.unscopedMaxDays {
            change(weaker: new.unscopedMaxDays > old.unscopedMaxDays, subject: "unscopedMaxDays", summary: "unscoped keys may live \(new.unscopedMaxDays) days (was \(old.unscopedMaxDays))")
        }
        if old.owners != new.owners {
            // Fewer owners means fewer teams that must approve the next weakening.
            let removed = old.owners.filter { !new.owners.contains($0) }
            let list = { (teams: [String]) in teams.isEmpty ? "none" : teams.map { "`\($0)`" }.joined(separator: ", ") }
            change(weaker: !removed.isEmpty, subject: "owners", summary: "Settings owners \(list(old.owners)) → \(list(new.owners))")
        }
        return changes
    }
}

/// Per-chunk results of concurrent key comparison (each chunk writes only its own slot).
private final class ChunkResults: Sendable {
    private let slots: Mutex<[[Change]]>

    init(count: Int) { slots = Mutex(Array(repeating: [], count: count)) }

    func set(_ index: Int, _ changes: [Change]) {
        slots.withLock { $0[index] = changes }
    }

    func all() -> [Change] { slots.withLock { $0.flatMap { $0 } } }
}
