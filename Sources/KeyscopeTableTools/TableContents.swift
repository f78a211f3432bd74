import KeyscopeTable

/// Who holds a key, as stored in the table.
public enum TableAudience: UInt8, Sendable, Hashable, Codable, CaseIterable {
    case firstParty = 0
    case `internal` = 1
    case customer = 2
    case partner = 3

    public var name: String {
        switch self {
        case .firstParty: "first-party"
        case .internal: "internal"
        case .customer: "customer"
        case .partner: "partner"
        }
    }

    public init?(name: String) {
        guard let match = TableAudience.allCases.first(where: { $0.name == name }) else { return nil }
        self = match
    }
}

/// A team, as stored in the table (for approver lists when diffing deployed tables).
public struct TableTeam: Sendable, Hashable {
    public var id: String
    public var name: String
    public var reviewers: [String]

    public init(id: String, name: String, reviewers: [String]) {
        self.id = id
        self.name = name
        self.reviewers = reviewers
    }
}

public struct TableCapability: Sendable, Hashable {
    public var id: String
    public var name: String
    /// Index into `TableContents.teams`.
    public var owner: Int
    public var tags: [String]
    public var deprecated: String?
    /// Route templates (`GET /v1/orders/{id}`, SPEC §12), sorted bytewise.
    public var routes: [String]

    public init(
        id: String, name: String, owner: Int, tags: [String], deprecated: String?, routes: [String] = []
    ) {
        self.id = id
        self.name = name
        self.owner = owner
        self.tags = tags
        self.deprecated = deprecated
        self.routes = routes
    }
}

public struct TableKey: Sendable, Hashable {
    public var name: String
    public var description: String?
    public var audience: TableAudience
    /// Indices into `TableContents.teams`, ascending.
    public var owners: [Int]
    /// Last day the key works, in days since 1970-01-01 (UTC); nil for no expiry.
    public var expiresDay: Int?
    public var unscoped: Bool
    /// Indices into `TableContents.capabilities`, ascending; empty when unscoped.
    public var capabilities: [Int]
    /// Tags the key selected with `tag:`, ascending.
    public var selectors: [String]
    /// SHA-256 digests (32 bytes each) of the key's secrets (SPEC §12), ascending.
    public var fingerprints: [[UInt8]]

    public init(
        name: String, description: String?, audience: TableAudience, owners: [Int], expiresDay: Int?, unscoped: Bool,
        capabilities: [Int], selectors: [String], fingerprints: [[UInt8]] = []
    ) {
        self.fingerprints = fingerprints
        self.name = name
        self.description = description
        self.audience = audience
        self.owners = owners
        self.expiresDay = expiresDay
        self.unscoped = unscoped
        self.capabilities = capabilities
        self.selectors = selectors
    }
}

/// Header fields that are not contents.
public struct TableMetadata: Sendable, Hashable {
    public var productID: String
    public var productName: String
    /// Strictly increasing between publishes.
    public var serial: UInt64
    /// Unix seconds.
    public var issuedAt: Int64
    /// Unix seconds; a gateway stops trusting the table after this instant.
    public var expiresAt: Int64
    /// Source revision (git commit), when known.
    public var revision: String?

    public init(
        productID: String, productName: String, serial: UInt64, issuedAt: Int64, expiresAt: Int64, revision: String?
    ) {
        self.productID = productID
        self.productName = productName
        self.serial = serial
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.revision = revision
    }
}

/// Everything a table holds, as plain values: what the encoder takes and what `ScopeTable.contents()` gives back.
public struct TableContents: Sendable, Hashable {
    public var metadata: TableMetadata
    /// Sorted by id.
    public var teams: [TableTeam]
    /// Sorted by id (bytewise).
    public var capabilities: [TableCapability]
    /// Sorted by name (bytewise).
    public var keys: [TableKey]

    public init(metadata: TableMetadata, teams: [TableTeam], capabilities: [TableCapability], keys: [TableKey]) {
        self.metadata = metadata
        self.teams = teams
        self.capabilities = capabilities
        self.keys = keys
    }
}
