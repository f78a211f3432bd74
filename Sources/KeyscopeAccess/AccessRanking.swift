/// How much a change matters to a reviewer (SPEC §6).
///
/// Ordered by severity: `.low < .medium < .high < .critical`, so `max` is the worst.
public enum Rank: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case critical, high, medium, low

    var severity: Int {
        switch self {
        case .critical: 3
        case .high: 2
        case .medium: 1
        case .low: 0
        }
    }

    public static func < (lhs: Rank, rhs: Rank) -> Bool { lhs.severity < rhs.severity }
}

/// How an expiry changed.
public enum ExpiryChange: Sendable, Hashable {
    case unchanged
    /// A later date than before.
    case extended(from: String, to: String)
    /// The key had an expiry and no longer has one.
    case removed(was: String)
    /// An earlier date than before.
    case shortened(from: String, to: String)
    /// The key had no expiry and now has one.
    case added(String)

    init(before: String?, after: String?) {
        switch (before, after) {
        case (let b?, nil): self = .removed(was: b)
        case (nil, let a?): self = .added(a)
        case (let b?, let a?) where a > b: self = .extended(from: b, to: a)
        case (let b?, let a?) where a < b: self = .shortened(from: b, to: a)
        default: self = .unchanged
        }
    }

    /// Extended or removed: the key lives longer.
    public var lengthens: Bool {
        switch self {
        case .extended, .removed: true
        case .unchanged, .shortened, .added: false
        }
    }
}

/// The change of one key's access between two states, and its rank: the ranking of SPEC §6,
/// written once, as a function of the two effective accesses.
///
/// - a name that did not exist before is a new principal: critical when it is unscoped or
///   exposed, high otherwise;
/// - critical when the key becomes unscoped, or its exposure gains a capability (a grant, a
///   selector, a re-tag, an audience change, a catalog addition reaching an unscoped key);
/// - high when its reach gains a capability, or it gains a fingerprint (a new credential: one
///   more secret opens the key's scope);
/// - medium when its owners or audience change, or its expiry is extended or removed;
/// - low otherwise (access removed, a fingerprint removed, expiry brought forward, description,
///   a removed key).
public struct KeyAssessment: Sendable, Hashable {
    public let name: String
    /// Nil for a key that is new (by name).
    public let before: EffectiveAccess?
    /// Nil for a key that was removed.
    public let after: EffectiveAccess?
    /// Capabilities reached now and not before, sorted (everything reached, for a new key).
    public let gained: [String]
    /// Capabilities reached before and not now, sorted.
    public let lost: [String]
    /// Capabilities in the exposure now and not before, sorted.
    public let newlyExposed: [String]
    public let ownersChanged: Bool
    public let audienceChanged: Bool
    public let descriptionChanged: Bool
    /// Fingerprints the key has now and did not have before, sorted (none for a new key: its
    /// every credential is part of it being new).
    public let fingerprintsAdded: [String]
    /// Fingerprints the key had before and has no more, sorted.
    public let fingerprintsRemoved: [String]
    public let expiry: ExpiryChange
    /// The key's rank: the most severe of what changed.
    public let rank: Rank
    /// Teams that must approve: the key's owners before and after, and, when the change grants
    /// or exposes access (high or critical), the owner of every capability newly reachable or
    /// newly exposed. Sorted.
    public let approvers: [String]

    /// Assesses one key name across two states. `before` and `after` are the key under that
    /// name in each (nil where it does not exist), each with the catalog of its own state.
    public init(before: KeyAccess?, in oldCatalog: AccessCatalog, after: KeyAccess?, in newCatalog: AccessCatalog) {
        name = (after ?? before)?.name ?? ""
        let old = before.map { EffectiveAccess($0, in: oldCatalog) }
        let new = after.map { EffectiveAccess($0, in: newCatalog) }
        self.before = old
        self.after = new
        let reachBefore = old?.reach ?? []
        let reachAfter = new?.reach ?? []
        gained = reachAfter.subtracting(reachBefore).sorted()
        lost = reachBefore.subtracting(reachAfter).sorted()
        newlyExposed = (new?.exposure ?? []).subtracting(old?.exposure ?? []).sorted()
        let both = before.flatMap { b in after.map { (b, $0) } }
        ownersChanged = both.map { !$0.same(.owners, as: $1) } ?? false
        audienceChanged = both.map { !$0.same(.audience, as: $1) } ?? false
        descriptionChanged = both.map { !$0.same(.description, as: $1) } ?? false
        expiry = both.map { ExpiryChange(before: $0.expires, after: $1.expires) } ?? .unchanged
        fingerprintsAdded = both.map { b, a in a.fingerprints.filter { !b.fingerprints.contains($0) } } ?? []
        fingerprintsRemoved = both.map { b, a in b.fingerprints.filter { !a.fingerprints.contains($0) } } ?? []

        let rank: Rank
        if let new, old == nil {
            rank = new.unscoped || !new.exposure.isEmpty ? .critical : .high
        } else if new == nil {
            rank = .low
        } else if new!.unscoped && !old!.unscoped || !newlyExposed.isEmpty {
            rank = .critical
        } else if !gained.isEmpty || !fingerprintsAdded.isEmpty {
            rank = .high
        } else if ownersChanged || audienceChanged || expiry.lengthens {
            rank = .medium
        } else {
            rank = .low
        }
        self.rank = rank

        var approvers = Set(before?.owners ?? []).union(after?.owners ?? [])
        if rank >= .high {
            approvers.formUnion(newCatalog.owners(of: gained))
            approvers.formUnion(newCatalog.owners(of: newlyExposed))
        }
        self.approvers = approvers.sorted()
    }

    public var becameUnscoped: Bool { before.map { !$0.unscoped } == true && after?.unscoped == true }
    public var becameScoped: Bool { before?.unscoped == true && after.map { !$0.unscoped } == true }
}
