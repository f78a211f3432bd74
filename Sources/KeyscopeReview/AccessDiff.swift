import Dispatch
import KeyscopeAccess
import KeyscopePolicy
import KeyscopeSupport

/// What kind of change. The raw values appear in JSON output and are API.
public enum ChangeKind: String, Sendable, Hashable, Codable, CaseIterable {
    case keyAdded = "key-added"
    case keyRemoved = "key-removed"
    /// A key removed and another added with exactly the same settings. Ranked as the new key it
    /// is: the gateway decides on names, and a new name is a new principal.
    case keyRenamed = "key-renamed"
    case capabilitiesGained = "capabilities-gained"
    case capabilitiesLost = "capabilities-lost"
    /// An `internal` capability newly reaches a customer or partner key without the key's scope changing (a re-tag, or
    /// an unscoped key).
    case internalExposure = "internal-exposure"
    case becameUnscoped = "became-unscoped"
    case becameScoped = "became-scoped"
    case ownersChanged = "owners-changed"
    case audienceChanged = "audience-changed"
    case expiryExtended = "expiry-extended"
    case expiryRemoved = "expiry-removed"
    case expiryShortened = "expiry-shortened"
    case descriptionChanged = "description-changed"
    case fingerprintAdded = "fingerprint-added"
    case fingerprintRemoved = "fingerprint-removed"
    case routeAdded = "route-added"
    case routeMoved = "route-moved"
    case routeRemoved = "route-removed"
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
    /// For `key-renamed`: the name the key had before.
    public var previousSubject: String?

    public init(
        rank: Rank, kind: ChangeKind, product: String?, subject: String, summary: String, details: [String],
        gained: [GainedCapability], approvers: [String], previousSubject: String? = nil
    ) {
        self.rank = rank
        self.kind = kind
        self.product = product
        self.subject = subject
        self.summary = summary
        self.details = details
        self.gained = gained
        self.approvers = approvers
        self.previousSubject = previousSubject
    }
}

/// The access change between two states, ranked, with approvers.
public struct AccessDiff: Sendable, Hashable {
    public var from: String
    public var to: String
    /// Sorted: rank, then product, then subject, then kind.
    public var changes: [Change]
    /// Team id -> reviewers, for every team named as an approver.
    public var approvers: [String: [String]]

    /// Rule errors of the policy of each state (nil for states read from tables).
    public var fromErrors: Int?
    public var toErrors: Int?

    public var isEmpty: Bool { changes.isEmpty }

    public func count(_ rank: Rank) -> Int { changes.count { $0.rank == rank } }

    /// Keeps only one product's changes, and the approvers they name.
    public mutating func narrow(toProduct product: String) {
        changes = changes.filter { $0.product == product }
        let named = Set(changes.flatMap(\.approvers))
        approvers = approvers.filter { named.contains($0.key) }
    }

    /// Whether a change of `rank` or more severe is present.
    public func has(atLeast rank: Rank) -> Bool { changes.contains { $0.rank >= rank } }

    /// Compares two states (SPEC §6): effective access after selectors are expanded.
    public init(from old: AccessState, to new: AccessState) {
        var changes: [Change] = []
        for productID in Set(old.products.keys).union(new.products.keys).sorted() {
            switch (old.products[productID], new.products[productID]) {
            case (nil, let added?):
                changes.append(
                    Change(
                        rank: .low, kind: .productAdded, product: productID, subject: productID,
                        summary: "product `\(productID)` added", details: [], gained: [], approvers: []))
                changes += AccessDiff.keyChanges(
                    old: ProductState(id: productID, name: added.name, capabilities: [:], keys: [:]), new: added)
            case (let removed?, nil):
                // Everyone who loses access answers for it: the owners of the product's capabilities and keys.
                let owners = Set(removed.capabilities.values.map(\.owner)).union(removed.keys.values.flatMap(\.owners))
                    .filter { !$0.isEmpty }
                changes.append(
                    Change(
                        rank: .low, kind: .productRemoved, product: productID, subject: productID,
                        summary: "product `\(productID)` removed (\(removed.keys.count) keys lose all access)",
                        details: [], gained: [], approvers: owners.sorted()))
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
            if a.rank != b.rank { return a.rank > b.rank }
            if a.product != b.product { return (a.product ?? "") < (b.product ?? "") }
            if a.subject != b.subject { return a.subject < b.subject }
            return a.kind.rawValue < b.kind.rawValue
        }
        // The people who approve are those the base state names: a pull request cannot add a
        // team, or rewrite a team's reviewers, and have that team approve its own change. A table
        // names only the teams it references, so a base read from tables cannot tell a team the
        // change added from one that had no keys yet: there the new state's reviewers stand in.
        var approvers: [String: [String]] = [:]
        for index in changes.indices where old.listsAllTeams {
            let named = changes[index].approvers
            let unknown = named.filter { old.teams[$0] == nil }
            guard !unknown.isEmpty else { continue }
            changes[index].approvers = named.filter { old.teams[$0] != nil }
            changes[index].details.append(
                "not approvers: " + unknown.map { "`\($0)`" }.joined(separator: ", ")
                    + " \(unknown.count == 1 ? "is" : "are") not a team of \(old.source)")
        }
        for team in Set(changes.flatMap(\.approvers)) {
            approvers[team] = old.teams[team]?.reviewers ?? new.teams[team]?.reviewers ?? []
        }
        self.fromErrors = old.errors
        self.toErrors = new.errors
        self.from = old.source
        self.to = new.source
        self.changes = changes
        self.approvers = approvers
    }

    // MARK: Keys

    /// The changes of every key of one product. Each key name is assessed once by the access
    /// model (`KeyAssessment`: its rank and approvers), then told as one or more changes, each
    /// ranked for what it says; the most severe of them is the key's rank.
    static func keyChanges(old: ProductState, new: ProductState) -> [Change] {
        let delta = CatalogDelta(old: old.catalog, new: new.catalog)
        let names = Array(new.keys.keys) + old.keys.keys.filter { new.keys[$0] == nil }
        // Comparing 100,000 keys is independent per key: split the names over the cores.
        let chunks = max(1, min(8, names.count / 5_000))
        let results = WorkerSlots<[Change]>(count: chunks, repeating: [])
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            var changes: [Change] = []
            var index = chunk
            while index < names.count {
                let name = names[index]
                index += chunks
                let before = old.keys[name]
                let after = new.keys[name]
                if let before, let after, before == after,
                    !delta.mayChangeAccess(unscoped: after.unscoped, external: after.isExternal)
                {
                    continue
                }
                let assessment = KeyAssessment(before: before, in: old.catalog, after: after, in: new.catalog)
                changes += describe(assessment, before: before, after: after, product: new)
            }
            results.set(chunk, changes)
        }
        return renames(results.array().flatMap { $0 }, old: old, new: new)
    }

    /// Tells one key's assessment as changes.
    static func describe(_ assessment: KeyAssessment, before: KeyState?, after: KeyState?, product: ProductState)
        -> [Change]
    {
        let name = assessment.name
        let keyOwners = Array(Set((before?.owners ?? []) + (after?.owners ?? []))).sorted()
        var changes: [Change] = []
        func change(
            _ rank: Rank, _ kind: ChangeKind, _ summary: String, details: [String] = [], gained: [GainedCapability] = []
        ) {
            changes.append(
                Change(
                    rank: rank, kind: kind, product: product.id, subject: name, summary: summary, details: details,
                    gained: gained,
                    approvers: rank >= .high ? assessment.approvers : keyOwners))
        }
        func plural(_ count: Int) -> String { "\(count) capabilit\(count == 1 ? "y" : "ies")" }
        guard let after else {
            change(.low, .keyRemoved, "key `\(name)` removed")
            return changes
        }
        let exposes = { (ids: [String]) in ids.contains { assessment.newlyExposed.contains($0) } }
        let exposure = ": internal capability reaches a \(after.audience) key"
        guard let before else {
            let gains = gained(assessment.gained, key: after, product: product)
            if after.unscoped {
                change(
                    assessment.rank, .keyAdded,
                    "new UNSCOPED \(after.audience) key `\(name)`: every capability of `\(product.id)`"
                        + (after.expires.map { ", expires \($0)" } ?? ", no expiry"),
                    details: describe(gains, limit: 20), gained: gains)
            } else {
                change(
                    assessment.rank, .keyAdded,
                    "new \(after.audience) key `\(name)` with \(plural(after.capabilities.count))"
                        + (assessment.newlyExposed.isEmpty ? "" : exposure),
                    details: describe(gains), gained: gains)
            }
            return changes
        }
        if assessment.becameUnscoped {
            let gains = gained(assessment.gained, key: after, product: product)
            change(
                .critical, .becameUnscoped, "key `\(name)` becomes UNSCOPED: every capability of `\(product.id)`",
                details: describe(gains, limit: 20), gained: gains)
        } else {
            if !assessment.gained.isEmpty {
                let gains = gained(assessment.gained, key: after, product: product)
                let critical = exposes(assessment.gained)
                let subject =
                    before.unscoped && after.unscoped
                    ? "unscoped key `\(name)` gains \(plural(gains.count)) new to `\(product.id)`"
                    : "key `\(name)` gains \(plural(gains.count))"
                change(
                    critical ? .critical : .high, .capabilitiesGained, subject + (critical ? exposure : ""),
                    details: describe(gains), gained: gains)
            }
            let reached = Set(assessment.gained)
            let exposedOnly = assessment.newlyExposed.filter { !reached.contains($0) }
            if !exposedOnly.isEmpty {
                let why = before.isExternal ? "" : " (audience \(before.audience) → \(after.audience))"
                change(
                    .critical, .internalExposure,
                    "internal capabilit\(exposedOnly.count == 1 ? "y" : "ies") now reach\(exposedOnly.count == 1 ? "es" : "") \(after.audience) key `\(name)`\(why)",
                    details: exposedOnly.map { "! \($0) [internal]" },
                    gained: exposedOnly.map {
                        GainedCapability(
                            id: $0,
                            via: EffectiveAccess.via($0, key: after, tags: product.capabilities[$0]?.tags ?? []),
                            isInternal: true)
                    })
            }
            if assessment.becameScoped {
                change(
                    .low, .becameScoped,
                    "key `\(name)` is scoped to \(plural(after.capabilities.count)) (was unscoped; loses \(assessment.lost.count))"
                )
            } else if !assessment.lost.isEmpty {
                change(
                    .low, .capabilitiesLost, "key `\(name)` loses \(plural(assessment.lost.count))",
                    details: assessment.lost.map { "- \($0)" })
            }
        }
        if assessment.audienceChanged {
            change(.medium, .audienceChanged, "key `\(name)` audience \(before.audience) → \(after.audience)")
        }
        if assessment.ownersChanged {
            change(
                .medium, .ownersChanged,
                "key `\(name)` owners [\(before.owners.joined(separator: ", "))] → [\(after.owners.joined(separator: ", "))]"
            )
        }
        switch assessment.expiry {
        case .removed(let was): change(.medium, .expiryRemoved, "key `\(name)` no longer expires (was \(was))")
        case .extended(let from, let to):
            change(.medium, .expiryExtended, "key `\(name)` expiry extended \(from) → \(to)")
        case .shortened(let from, let to):
            change(.low, .expiryShortened, "key `\(name)` expiry brought forward \(from) → \(to)")
        case .added(let date): change(.low, .expiryShortened, "key `\(name)` now expires \(date)")
        case .unchanged: break
        }
        if !assessment.fingerprintsAdded.isEmpty {
            let count = assessment.fingerprintsAdded.count
            change(
                .high, .fingerprintAdded,
                "key `\(name)` gains \(count == 1 ? "a new credential" : "\(count) new credentials"): one more secret opens its scope",
                details: assessment.fingerprintsAdded.map { "+ \($0)" })
        }
        if !assessment.fingerprintsRemoved.isEmpty {
            let count = assessment.fingerprintsRemoved.count
            change(
                .low, .fingerprintRemoved,
                "key `\(name)` loses \(count == 1 ? "a credential" : "\(count) credentials")",
                details: assessment.fingerprintsRemoved.map { "- \($0)" })
        }
        if assessment.descriptionChanged {
            change(.low, .descriptionChanged, "key `\(name)` description changed")
        }
        return changes
    }

    /// A key removed and another added alike in every attribute but the name, each the only one
    /// alike, is told as a rename: easier to read. It keeps the rank and approvers of the new key
    /// it is (the gateway decides on names), and the removal is not listed again.
    static func renames(_ changes: [Change], old: ProductState, new: ProductState) -> [Change] {
        let added = changes.filter { $0.kind == .keyAdded }.compactMap { new.keys[$0.subject] }
        let removed = changes.filter { $0.kind == .keyRemoved }.compactMap { old.keys[$0.subject] }
        guard !added.isEmpty, !removed.isEmpty else { return changes }
        var removedByScope: [[String]: [KeyState]] = [:]
        for key in removed { removedByScope[key.unscoped ? ["*"] : key.capabilities, default: []].append(key) }
        var renamedFrom: [String: String] = [:]
        var addedMatches: [String: Int] = [:]
        var removedMatches: [String: [String]] = [:]
        for key in added {
            let alike = (removedByScope[key.unscoped ? ["*"] : key.capabilities] ?? []).filter {
                $0.isAlike(ignoringName: key)
            }
            addedMatches[key.name] = alike.count
            if alike.count == 1 { removedMatches[alike[0].name, default: []].append(key.name) }
        }
        for (from, to) in removedMatches where to.count == 1 && addedMatches[to[0]] == 1 { renamedFrom[to[0]] = from }
        guard !renamedFrom.isEmpty else { return changes }
        let renamedOld = Set(renamedFrom.values)
        return changes.compactMap { change in
            if change.kind == .keyRemoved, renamedOld.contains(change.subject) { return nil }
            guard change.kind == .keyAdded, let from = renamedFrom[change.subject] else { return change }
            var renamed = change
            renamed.kind = .keyRenamed
            renamed.previousSubject = from
            renamed.summary =
                "key `\(from)` renamed to `\(change.subject)`: a new name is a new key at the gateway — "
                + change.summary
            return renamed
        }
    }

    static func gained(_ ids: [String], key: KeyState, product: ProductState) -> [GainedCapability] {
        ids.map { id in
            GainedCapability(
                id: id, via: EffectiveAccess.via(id, key: key, tags: product.capabilities[id]?.tags ?? []),
                isInternal: product.catalog.isInternal(id))
        }
    }

    /// One line per gained capability, the first `limit` of them.
    static func describe(_ gains: [GainedCapability], limit: Int = .max) -> [String] {
        let lines = gains.prefix(limit).map { g in
            "+ \(g.id)" + (g.via.flatMap { $0 == "unscoped" ? nil : " (via \($0))" } ?? "")
                + (g.isInternal ? " [internal]" : "")
        }
        return gains.count > limit ? lines + ["… and \(gains.count - limit) more"] : lines
    }

    // MARK: Catalog, teams, settings

    static func catalogChanges(old: ProductState, new: ProductState) -> [Change] {
        var changes: [Change] = []
        let product = new.id
        let unscopedKeys = new.keys.values.filter(\.unscoped).map(\.name).sorted()
        for (id, after) in new.capabilities {
            guard let before = old.capabilities[id] else {
                let reach =
                    unscopedKeys.isEmpty ? [] : ["reachable by unscoped keys: " + unscopedKeys.joined(separator: ", ")]
                changes.append(
                    Change(
                        rank: .low, kind: .capabilityAdded, product: product, subject: id,
                        summary: "capability `\(id)` added (owner \(after.owner))", details: reach, gained: [],
                        approvers: [after.owner]))
                continue
            }
            if before.name != after.name {
                changes.append(
                    Change(
                        rank: .low, kind: .capabilityRenamed, product: product, subject: id,
                        summary:
                            "capability `\(id)` renamed \"\(Quote.sanitized(before.name))\" → \"\(Quote.sanitized(after.name))\"",
                        details: [], gained: [], approvers: [after.owner]))
            }
            if before.tags != after.tags {
                changes.append(
                    Change(
                        rank: .low, kind: .capabilityRetagged, product: product, subject: id,
                        summary:
                            "capability `\(id)` tags [\(before.tags.joined(separator: ", "))] → [\(after.tags.joined(separator: ", "))]",
                        details: ["keys that gain access through selectors are listed under their own changes"],
                        gained: [], approvers: [after.owner]))
            }
            if before.owner != after.owner {
                changes.append(
                    Change(
                        rank: .medium, kind: .capabilityOwnerChanged, product: product, subject: id,
                        summary: "capability `\(id)` owner \(before.owner) → \(after.owner)", details: [], gained: [],
                        approvers: Array(Set([before.owner, after.owner])).sorted()))
            }
            if before.deprecated == nil, let reason = after.deprecated {
                changes.append(
                    Change(
                        rank: .low, kind: .capabilityDeprecated, product: product, subject: id,
                        summary: "capability `\(id)` deprecated: \(Quote.sanitized(reason))", details: [], gained: [],
                        approvers: [after.owner]))
            }
        }
        for (id, before) in old.capabilities where new.capabilities[id] == nil {
            changes.append(
                Change(
                    rank: .low, kind: .capabilityRemoved, product: product, subject: id,
                    summary: "capability `\(id)` removed", details: [], gained: [], approvers: [before.owner]))
        }
        return changes + routeChanges(old: old, new: new)
    }

    // MARK: Routes

    /// Routes added to, moved between or removed from capabilities (SPEC §12). A route is the
    /// requests it matches (method and shape: parameter names aside); who may call it is who
    /// reaches its capability. So a route is ranked by the keys that can call it now and could
    /// not before: critical when one of them is external and the capability internal, high
    /// when there is any, low when none (a removal, or a move to a capability held by no one
    /// new). Approvers: the owners of both capabilities, and for a gain the owners of the keys
    /// that gain it.
    static func routeChanges(old: ProductState, new: ProductState) -> [Change] {
        func routes(_ state: ProductState) -> [String: (capability: String, template: String)] {
            var result: [String: (capability: String, template: String)] = [:]
            for capability in state.capabilities.values {
                for text in capability.routes {
                    let shape = (try? RouteTemplate(parsing: text))?.shape ?? text
                    result[shape] = (capability.id, text)
                }
            }
            return result
        }
        let before = routes(old)
        let after = routes(new)
        // Who may call a route: every key reaching its capability. Found once per capability and
        // state, however many of its routes changed.
        var oldCallers: [String: Set<String>] = [:]
        var newCallers: [String: [KeyAccess]] = [:]
        func callers(_ state: ProductState, _ capability: String) -> [KeyAccess] {
            state.keys.values.filter { EffectiveAccess.reaches($0, capability, in: state.catalog) }
        }
        var changes: [Change] = []
        for shape in Set(before.keys).union(after.keys).sorted() {
            let was = before[shape]
            let now = after[shape]
            guard was?.capability != now?.capability else { continue }
            let template = (now ?? was)?.template ?? shape
            var could: Set<String> = []
            if let capability = was?.capability {
                could = oldCallers[capability] ?? Set(callers(old, capability).map(\.name))
                oldCallers[capability] = could
            }
            var can: [KeyAccess] = []
            if let capability = now?.capability {
                can = newCallers[capability] ?? callers(new, capability)
                newCallers[capability] = can
            }
            let gaining = can.filter { !could.contains($0.name) }.sorted { bytewiseLess($0.name, $1.name) }
            let exposed =
                now.map { new.catalog.isInternal($0.capability) } == true && gaining.contains(where: \.isExternal)
            let rank: Rank = exposed ? .critical : gaining.isEmpty ? .low : .high
            var approvers = Set(
                [was?.capability, now?.capability].compactMap { $0 }.compactMap {
                    new.capabilities[$0]?.owner ?? old.capabilities[$0]?.owner
                })
            if rank >= .high { approvers.formUnion(gaining.flatMap(\.owners)) }
            let kind: ChangeKind
            let summary: String
            switch (was, now) {
            case (nil, let now?):
                kind = .routeAdded
                summary = "route `\(Quote.sanitized(template))` added to `\(now.capability)`"
            case (let was?, nil):
                kind = .routeRemoved
                summary =
                    "route `\(Quote.sanitized(template))` removed from `\(was.capability)`: it matches no capability"
            case (let was?, let now?):
                kind = .routeMoved
                summary = "route `\(Quote.sanitized(template))` moves `\(was.capability)` → `\(now.capability)`"
            case (nil, nil):
                continue
            }
            let who =
                gaining.isEmpty
                ? []
                : [
                    "keys that can call it now and could not before: "
                        + gaining.map {
                            "`\($0.name)` (\($0.audience))"
                        }.joined(separator: ", ")
                ]
            changes.append(
                Change(
                    rank: rank, kind: kind, product: new.id, subject: template,
                    summary: summary
                        + (gaining.isEmpty ? "" : ": \(gaining.count) key\(gaining.count == 1 ? "" : "s") gain it")
                        + (exposed ? ", internal capability reaching an external key" : ""),
                    details: who, gained: [], approvers: approvers.filter { !$0.isEmpty }.sorted()))
        }
        return changes
    }

    static func teamChanges(old: [String: TeamState], new: [String: TeamState]) -> [Change] {
        var changes: [Change] = []
        for (id, after) in new {
            if let before = old[id], before.reviewers != after.reviewers {
                changes.append(
                    Change(
                        rank: .medium, kind: .teamReviewersChanged, product: nil, subject: id,
                        summary:
                            "team `\(id)` reviewers [\(Quote.sanitized(before.reviewers.joined(separator: ", "), maxLength: 300))] → [\(Quote.sanitized(after.reviewers.joined(separator: ", "), maxLength: 300))]",
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
        let unowned =
            approvers.isEmpty
            ? [
                "no team owns the Settings document: set its `owners` so that a team must approve what later reviews can catch"
            ] : []
        var changes: [Change] = []
        func change(weaker: Bool, subject: String, summary: String) {
            changes.append(
                Change(
                    rank: weaker ? .critical : .low, kind: weaker ? .settingsWeakened : .settingsStrengthened,
                    product: nil, subject: subject,
                    summary: summary, details: weaker ? unowned : [], gained: [], approvers: approvers
                ))
        }
        for rule in Set(old.severities.keys).union(new.severities.keys).sorted() {
            let before = old.severities[rule] ?? "off"
            let after = new.severities[rule] ?? "off"
            if before == after { continue }
            let weaker = strength(after) < strength(before)
            change(
                weaker: weaker, subject: "rules.\(rule)",
                summary: "rule `\(rule)` \(before) → \(after)" + (weaker ? ": later reviews catch less" : ""))
        }
        if old.unscopedMaxDays != new.unscopedMaxDays {
            change(
                weaker: new.unscopedMaxDays > old.unscopedMaxDays, subject: "unscopedMaxDays",
                summary: "unscoped keys may live \(new.unscopedMaxDays) days (was \(old.unscopedMaxDays))")
        }
        if old.owners != new.owners {
            // Fewer owners means fewer teams that must approve the next weakening.
            let removed = old.owners.filter { !new.owners.contains($0) }
            let list = { (teams: [String]) in teams.isEmpty ? "none" : teams.map { "`\($0)`" }.joined(separator: ", ") }
            change(
                weaker: !removed.isEmpty, subject: "owners",
                summary: "Settings owners \(list(old.owners)) → \(list(new.owners))")
        }
        return changes
    }
}
