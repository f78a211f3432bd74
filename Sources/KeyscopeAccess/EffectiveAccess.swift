/// A product's capabilities as the access model needs them: which exist, who owns each,
/// which are internal.
public struct AccessCatalog: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var id: String
        /// The owning team's id ("" when none is declared).
        public var owner: String
        public var isInternal: Bool

        public init(id: String, owner: String, tags: [String]) {
            self.id = id
            self.owner = owner
            self.isInternal = AccessVocabulary.isInternal(tags: tags)
        }
    }

    /// By id.
    public let entries: [String: Entry]
    /// Every capability id, sorted.
    public let ids: [String]
    /// The internal capability ids.
    public let internalIDs: Set<String>

    public init(_ entries: [Entry]) {
        var byID: [String: Entry] = [:]
        for entry in entries where byID[entry.id] == nil { byID[entry.id] = entry }
        self.entries = byID
        ids = byID.keys.sorted()
        internalIDs = Set(byID.values.filter(\.isInternal).map(\.id))
    }

    public func contains(_ id: String) -> Bool { entries[id] != nil }

    public func isInternal(_ id: String) -> Bool { internalIDs.contains(id) }

    /// The owner teams of these capabilities (none for unknown ids or undeclared owners).
    public func owners<IDs: Sequence<String>>(of ids: IDs) -> Set<String> {
        var teams: Set<String> = []
        for id in ids {
            if let owner = entries[id]?.owner, !owner.isEmpty { teams.insert(owner) }
        }
        return teams
    }
}

/// What a key can reach under a catalog, and what of that reach is an exposure.
///
/// This is the single definition of a key's access: an unscoped key reaches every capability
/// of the catalog (including ones added later), a scoped key the capabilities it is granted
/// (ids and expanded selectors) that the catalog has; an external key's **exposure** is the
/// internal part of its reach, an internal key has none.
public struct EffectiveAccess: Sendable, Hashable {
    public let unscoped: Bool
    /// Capability ids the key reaches.
    public let reach: Set<String>
    /// Internal capability ids the key reaches, when the key is external; empty otherwise.
    public let exposure: Set<String>

    public init(_ key: KeyAccess, in catalog: AccessCatalog) {
        unscoped = key.unscoped
        reach = key.unscoped ? Set(catalog.ids) : Set(key.capabilities.filter(catalog.contains))
        exposure = key.isExternal ? reach.intersection(catalog.internalIDs) : []
    }

    /// Whether `key` reaches `capability` under `catalog`: the rule of `init` for one capability,
    /// without building the key's whole reach (an unscoped key's is the catalog).
    public static func reaches(_ key: KeyAccess, _ capability: String, in catalog: AccessCatalog) -> Bool {
        catalog.contains(capability) && (key.unscoped || key.capabilities.contains(capability))
    }

    /// How `capability` reaches the key: `unscoped`, the first of its selectors whose tag the
    /// capability carries (`tag:x`), or its own id (nil).
    public static func via(_ capability: String, key: KeyAccess, tags: [String]) -> String? {
        if key.unscoped { return "unscoped" }
        return key.selectors.first { tags.contains($0) }.map { "tag:\($0)" }
    }
}

/// How two catalogs of one product differ, in the terms that can change a key's access
/// without the key's own entry changing.
///
/// A key alike in both states (same attributes, same effective capability ids) still reaches
/// differently when it is unscoped and the set of capabilities changed, or when it is external
/// and a capability became, or stopped being, internal. Nothing else in a catalog changes access.
public struct CatalogDelta: Sendable, Hashable {
    /// A capability was added or removed.
    public let membershipChanged: Bool
    /// A capability present in both catalogs is internal in one and not the other.
    public let internalChanged: Bool

    public init(old: AccessCatalog, new: AccessCatalog) {
        membershipChanged = old.ids != new.ids
        internalChanged =
            old.internalIDs.contains { new.contains($0) && !new.isInternal($0) }
            || new.internalIDs.contains { old.contains($0) && !old.isInternal($0) }
    }

    /// Whether a key alike in both states may still reach differently (and so must stay in the diff).
    @inline(__always)
    public func mayChangeAccess(unscoped: Bool, external: Bool) -> Bool {
        (unscoped && membershipChanged) || (external && internalChanged)
    }
}
