import KeyscopePolicy
@_exported import KeyscopeTable

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
    public static func contents(for product: ResolvedProduct, teams: [ResolvedTeam], metadata: TableMetadata) -> TableContents {
        var referenced = Set(product.capabilities.map(\.owner))
        for key in product.keys { referenced.formUnion(key.owners) }
        let tableTeams = teams.filter { referenced.contains($0.id) }
        var teamIndex: [String: Int] = [:]
        for (index, team) in tableTeams.enumerated() { teamIndex[team.id] = index }
        let capabilities = product.capabilities.map { c in
            TableCapability(id: c.id, name: c.name, owner: teamIndex[c.owner] ?? 0, tags: c.tags, deprecated: c.deprecated)
        }
        let keys = product.keys.map { k in
            TableKey(
                name: k.name, description: k.description, audience: TableAudience(name: k.audience.rawValue) ?? .customer,
                owners: k.owners.compactMap { teamIndex[$0] }.sorted(), expiresDay: k.expires?.daysSinceEpoch,
                unscoped: k.unscoped, capabilities: k.capabilities, selectors: k.selectors
            )
        }
        return TableContents(
            metadata: metadata,
            teams: tableTeams.map { TableTeam(id: $0.id, name: $0.name, reviewers: $0.reviewers) },
            capabilities: capabilities, keys: keys
        )
    }

    /// Compiles and signs a table for each product (or only `productID`).
    public static func compile(_ resolved: ResolvedPolicy, options: CompileOptions, signer: SigningKey, productID: String? = nil) throws -> [CompiledTable] {
        var tables: [CompiledTable] = []
        let teams = Set(resolved.teams.map(\.id))
        guard options.issuedAt.addingReportingOverflow(options.validFor).overflow == false else {
            throw TableEncodingError("issue time plus validity overflows")
        }
        for product in resolved.products where productID == nil || product.id == productID {
            // A table names every owner as a team; an unknown one (possible when `unknown-owner`
            // is configured below error) is refused rather than attributed to some other team.
            if let capability = product.capabilities.first(where: { !teams.contains($0.owner) }) {
                throw TableEncodingError("capability \(capability.id) of \(product.id) is owned by `\(capability.owner)`, which is not a team; a table cannot name it")
            }
            if let key = product.keys.first(where: { $0.owners.contains { !teams.contains($0) } }) {
                throw TableEncodingError("key \(key.name) of \(product.id) has an owner that is not a team; a table cannot name it")
            }
            let metadata = TableMetadata(
                productID: product.id, productName: product.name, serial: options.serial,
                issuedAt: options.issuedAt, expiresAt: options.issuedAt + options.validFor, revision: options.revision
            )
            let contents = contents(for: product, teams: resolved.teams, metadata: metadata)
            let unsigned = try TableEncoder.encode(contents)
            tables.append(CompiledTable(productID: product.id, bytes: try TableSigner.sign(unsigned, with: signer), contents: contents))
        }
        return tables
    }
}
