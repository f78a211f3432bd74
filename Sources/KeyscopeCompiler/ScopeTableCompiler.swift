import KeyscopePolicy
import KeyscopeSupport
import KeyscopeTable
import KeyscopeTableTools

/// Header values chosen by the caller: nothing here reads the clock or the environment.
public struct CompileOptions: Sendable, Hashable {
    public var serial: UInt64
    /// Unix seconds (`SOURCE_DATE_EPOCH` or `--issued-at` in the CLI).
    public var issuedAt: Int64
    /// Seconds after `issuedAt` until the table expires.
    public var validFor: Int64
    public var revision: String?

    public init(serial: UInt64, issuedAt: Int64, validFor: Int64, revision: String?) {
        self.serial = serial
        self.issuedAt = issuedAt
        self.validFor = validFor
        self.revision = revision
    }
}

/// One compiled, signed table.
public struct CompiledTable: Sendable {
    public var productID: String
    public var bytes: [UInt8]
    public var contents: TableContents
}

/// Turns the effective access of a validated policy into signed tables, one per product:
///
///     ResolvedPolicy --contents(for:)--> TableContents --TableEncoder--> bytes --TableSigner--> signed table
public enum ScopeTableCompiler {
    /// The table contents of one product: only the teams it references, sorted, with indices remapped.
    ///
    /// A table names every owner as a team; an owner that is not one (possible when
    /// `unknown-owner` is configured below error) is refused rather than attributed to
    /// some other team.
    public static func contents(for product: ResolvedProduct, teams: [ResolvedTeam], metadata: TableMetadata)
        throws(TableEncodingError) -> TableContents
    {
        var position: [String: Int] = [:]
        for (index, team) in teams.enumerated() where position[team.id] == nil { position[team.id] = index }
        var referenced = [Bool](repeating: false, count: teams.count)
        var capabilityOwners: [Int] = []
        capabilityOwners.reserveCapacity(product.capabilities.count)
        for capability in product.capabilities {
            guard let owner = position[capability.owner] else {
                throw TableEncodingError(
                    "capability \(capability.id) of \(product.id) is owned by `\(capability.owner)`, which is not a team; a table cannot name it"
                )
            }
            referenced[owner] = true
            capabilityOwners.append(owner)
        }
        // Owners become positions in `teams` (-1: not a team); one walk over the keys, on all cores.
        let teamPosition = position
        var keys = parallelMap(product.keys) { key in
            var owners = key.owners.map { teamPosition[$0] ?? -1 }
            if owners.count > 1 { owners.sort() }
            return TableKey(
                name: key.name, description: key.description, audience: TableAudience(key.audience),
                owners: owners, expiresDay: key.expires?.daysSinceEpoch,
                unscoped: key.unscoped, capabilities: key.capabilities, selectors: key.selectors,
                fingerprints: key.fingerprints.compactMap(KeyFingerprint.digest(parsing:))
            )
        }
        var unknownOwner: Int?
        keys.withUnsafeBufferPointer { keys in
            for index in keys.indices {
                for owner in keys[index].owners {
                    if owner < 0 { unknownOwner = unknownOwner ?? index } else { referenced[owner] = true }
                }
            }
        }
        if let unknownOwner {
            throw TableEncodingError(
                "key \(product.keys[unknownOwner].name) of \(product.id) has an owner that is not a team; a table cannot name it"
            )
        }
        // Keep only the referenced teams; positions shift only when some team is left out.
        var tableIndex = [Int](repeating: -1, count: teams.count)
        var tableTeams: [TableTeam] = []
        for (index, team) in teams.enumerated() where referenced[index] {
            tableIndex[index] = tableTeams.count
            tableTeams.append(TableTeam(id: team.id, name: team.name, reviewers: team.reviewers))
        }
        if tableTeams.count < teams.count {
            for index in keys.indices { keys[index].owners = keys[index].owners.map { tableIndex[$0] } }
        }
        let capabilities = zip(product.capabilities, capabilityOwners).map { c, owner in
            TableCapability(
                id: c.id, name: c.name, owner: tableIndex[owner], tags: c.tags, deprecated: c.deprecated,
                routes: c.routes)
        }
        return TableContents(metadata: metadata, teams: tableTeams, capabilities: capabilities, keys: keys)
    }

    /// Compiles and signs a table for each product (or only `productID`).
    public static func compile(
        _ resolved: ResolvedPolicy, options: CompileOptions, signer: SigningKey, productID: String? = nil
    ) throws -> [CompiledTable] {
        var tables: [CompiledTable] = []
        guard options.issuedAt.addingReportingOverflow(options.validFor).overflow == false else {
            throw TableEncodingError("issue time plus validity overflows")
        }
        for product in resolved.products where productID == nil || product.id == productID {
            let metadata = TableMetadata(
                productID: product.id, productName: product.name, serial: options.serial,
                issuedAt: options.issuedAt, expiresAt: options.issuedAt + options.validFor, revision: options.revision
            )
            let contents = try contents(for: product, teams: resolved.teams, metadata: metadata)
            let unsigned = try TableEncoder.encode(contents)
            tables.append(
                CompiledTable(
                    productID: product.id, bytes: try TableSigner.sign(unsigned, with: signer), contents: contents))
        }
        return tables
    }
}

extension TableAudience {
    init(_ audience: Audience) {
        switch audience {
        case .firstParty: self = .firstParty
        case .internal: self = .internal
        case .customer: self = .customer
        case .partner: self = .partner
        }
    }
}
