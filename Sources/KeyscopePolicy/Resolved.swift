/// The effective access a policy grants, with selectors expanded: what a
/// compiled table holds and what the access diff compares.
public struct ResolvedPolicy: Sendable, Hashable {
    /// Products sorted by id.
    public var products: [ResolvedProduct]
    /// Teams sorted by id.
    public var teams: [ResolvedTeam]

    public init(products: [ResolvedProduct], teams: [ResolvedTeam]) {
        self.products = products
        self.teams = teams
    }
}

public struct ResolvedTeam: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var reviewers: [String]

    public init(id: String, name: String, reviewers: [String]) {
        self.id = id
        self.name = name
        self.reviewers = reviewers
    }
}

public struct ResolvedCapability: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var owner: String
    /// Sorted.
    public var tags: [String]
    public var deprecated: String?
    /// Route templates (SPEC §12) in their canonical spelling, sorted bytewise.
    public var routes: [String]

    public init(
        id: String, name: String, owner: String, tags: [String], deprecated: String?, routes: [String] = []
    ) {
        self.routes = routes
        self.id = id
        self.name = name
        self.owner = owner
        self.tags = tags
        self.deprecated = deprecated
    }
}

public struct ResolvedKey: Sendable, Hashable, Codable {
    public var name: String
    public var description: String?
    public var audience: Audience
    /// Sorted.
    public var owners: [String]
    /// Last day the key works, or nil for no expiry.
    public var expires: CalendarDate?
    public var unscoped: Bool
    /// Indices into the product's `capabilities`, sorted; empty when unscoped.
    public var capabilities: [Int]
    /// Tags the key selects with `tag:` (sorted), kept to explain why access changed.
    public var selectors: [String]
    /// Fingerprints of the key's secrets (`sha256:` + hex, SPEC §12), sorted, each once.
    public var fingerprints: [String]

    public init(
        name: String, description: String?, audience: Audience, owners: [String], expires: CalendarDate?,
        unscoped: Bool, capabilities: [Int], selectors: [String], fingerprints: [String] = []
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
}

public struct ResolvedProduct: Sendable, Hashable {
    public var id: String
    public var name: String
    /// Sorted by id.
    public var capabilities: [ResolvedCapability]
    /// Sorted by name.
    public var keys: [ResolvedKey]

    public init(id: String, name: String, capabilities: [ResolvedCapability], keys: [ResolvedKey]) {
        self.id = id
        self.name = name
        self.capabilities = capabilities
        self.keys = keys
    }
}
