/// Everything about a key that decides what it can reach, who answers for it and for how long:
/// the key as the access model sees it, whether it was read from policy files or from a table.
///
/// A class: a diff of 100,000 keys passes each around several times, and a reference costs
/// one retain where a struct copy costs one per field.
public final class KeyAccess: Sendable, Hashable {
    /// The key's name: what the gateway decides on. A new name is a new principal.
    public let name: String
    public let description: String?
    /// `first-party`, `internal`, `customer` or `partner`.
    public let audience: String
    /// Sorted team ids.
    public let owners: [String]
    /// Last day the key works (`YYYY-MM-DD`), or nil for no expiry.
    public let expires: String?
    /// The key reaches every capability of its product, present and future.
    public let unscoped: Bool
    /// Capability ids the key is granted, selectors expanded, sorted (empty when unscoped).
    /// Resolved against the catalog of the same state.
    public let capabilities: [String]
    /// Tags the key selects with `tag:`, sorted: kept to explain how a capability reaches it.
    public let selectors: [String]
    /// Fingerprints of the key's secrets (`sha256:` + hex, SPEC §12), sorted: each one is a
    /// credential that opens the key's scope.
    public let fingerprints: [String]

    public init(
        name: String, description: String?, audience: String, owners: [String], expires: String?, unscoped: Bool,
        capabilities: [String], selectors: [String], fingerprints: [String] = []
    ) {
        self.fingerprints = fingerprints
        self.name = name
        self.description = description
        self.audience = audience
        self.owners = owners
        self.expires = expires
        self.unscoped = unscoped
        self.capabilities = capabilities
        self.selectors = selectors
    }

    /// Whether the key is held outside the organisation.
    public var isExternal: Bool { AccessVocabulary.isExternal(audience: audience) }

    /// Whether `attribute` is the same in both keys.
    public func same(_ attribute: KeyAttribute, as other: KeyAccess) -> Bool {
        switch attribute {
        case .description: description == other.description
        case .audience: audience == other.audience
        case .owners: owners == other.owners
        case .expiry: expires == other.expires
        case .scope: unscoped == other.unscoped && capabilities == other.capabilities
        case .selectors: selectors == other.selectors
        case .fingerprints: fingerprints == other.fingerprints
        }
    }

    /// Alike in every attribute but possibly the name: what makes an added key a rename of a removed one.
    public func isAlike(ignoringName other: KeyAccess) -> Bool {
        KeyAttribute.allCases.allSatisfy { same($0, as: other) }
    }

    /// The same key, alike in every attribute (see `KeyAttribute`).
    public static func == (lhs: KeyAccess, rhs: KeyAccess) -> Bool {
        lhs === rhs || (lhs.name == rhs.name && lhs.isAlike(ignoringName: rhs))
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(capabilities)
    }
}

/// The attributes of a key, besides its name, that two states must agree on for the key to be
/// **alike** in both: a key alike in both states, under catalogs that reach it the same way
/// (`CatalogDelta.mayChangeAccess`), cannot change the access diff and may be left out of it.
///
/// Every representation of a key (policy model, table record, `KeyAccess`) compares through an
/// exhaustive `switch` over this enumeration. Adding an attribute here is therefore a compile error in each of them until it is compared, not a silent
/// under-ranking in the one that was forgotten.
public enum KeyAttribute: CaseIterable, Sendable {
    // In the order comparisons run: the cheapest and most telling first.
    case audience
    /// The unscoped flag and the effective capability set (selectors expanded).
    case scope
    case expiry
    case owners
    case selectors
    /// The fingerprints of the key's secrets (SPEC §12).
    case fingerprints
    case description
}
