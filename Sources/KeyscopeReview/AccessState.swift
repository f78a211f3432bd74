import KeyscopeAccess
import KeyscopePolicy
import KeyscopeSupport
import KeyscopeTable
import KeyscopeTableTools

/// One access state, whatever it was read from (policy tree, git revision,
/// table, publish directory, URL), normalised so that any two can be diffed.
public struct AccessState: Sendable, Hashable {
    /// What the state was read from, for headings ("git:origin/main", "out/support-bot.kst").
    public var source: String
    /// How many rule errors the policy of this state has (a state with YAML or schema errors is
    /// refused), or nil for states read from tables, which hold only policies that compiled.
    public var errors: Int?
    /// Products by id.
    public var products: [String: ProductState]
    /// Teams by id.
    public var teams: [String: TeamState]
    /// Whether `teams` is every team of the organisation (a policy state) or only the teams the
    /// state's tables reference: a team a table does not name may still exist.
    public var listsAllTeams: Bool = false
    /// Validation settings; nil for states read from tables (which do not carry them).
    public var settings: SettingsState?
    /// The validated policy the state was built from, kept alive with it; not part of equality.
    /// Freeing a 100,000-key model costs more CPU than diffing it; the CLI exits without freeing,
    /// so the model must outlive the call that built the state for that to help.
    var retainedPolicy: ValidationResult?

    public init(source: String, products: [String: ProductState], teams: [String: TeamState], settings: SettingsState?)
    {
        self.source = source
        self.products = products
        self.teams = teams
        self.settings = settings
    }
}

extension AccessState {
    /// States are equal by what they grant and say, not by what they were built from.
    public static func == (lhs: AccessState, rhs: AccessState) -> Bool {
        lhs.source == rhs.source && lhs.errors == rhs.errors && lhs.products == rhs.products
            && lhs.teams == rhs.teams && lhs.listsAllTeams == rhs.listsAllTeams && lhs.settings == rhs.settings
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(source)
        hasher.combine(errors)
        hasher.combine(products)
        hasher.combine(teams)
        hasher.combine(listsAllTeams)
        hasher.combine(settings)
    }
}

public struct ProductState: Sendable, Hashable {
    public var id: String
    public var name: String
    public var capabilities: [String: CapabilityState] {
        didSet { catalog = ProductState.catalog(capabilities) }
    }
    public var keys: [String: KeyState]
    /// The capabilities as the access model sees them (kept in step with `capabilities`).
    public private(set) var catalog: AccessCatalog

    public init(id: String, name: String, capabilities: [String: CapabilityState], keys: [String: KeyState]) {
        self.id = id
        self.name = name
        self.capabilities = capabilities
        self.keys = keys
        catalog = ProductState.catalog(capabilities)
    }

    static func catalog(_ capabilities: [String: CapabilityState]) -> AccessCatalog {
        AccessCatalog(capabilities.values.map { AccessCatalog.Entry(id: $0.id, owner: $0.owner, tags: $0.tags) })
    }
}

public struct CapabilityState: Sendable, Hashable {
    public var id: String
    public var name: String
    public var owner: String
    /// Sorted.
    public var tags: [String]
    public var deprecated: String?
    /// Route templates (SPEC §12), sorted.
    public var routes: [String] = []

    public var isInternal: Bool { AccessVocabulary.isInternal(tags: tags) }
}

/// A key as the review sees it: the access model's `KeyAccess`.
public typealias KeyState = KeyAccess

public struct TeamState: Sendable, Hashable {
    public var id: String
    public var name: String
    public var reviewers: [String]
}

/// The parts of `Settings` that decide what validation catches.
public struct SettingsState: Sendable, Hashable {
    /// Rule id -> "error" | "warning" | "off", for every configurable rule.
    public var severities: [String: String]
    public var unscopedMaxDays: Int
    /// Teams that approve changes to the settings, sorted.
    public var owners: [String] = []
}

extension AccessState {
    /// The state of a validated policy.
    public init(source: String, validation: ValidationResult) {
        self.init(source: source, validation: validation, omitting: [:])
    }

    /// The same, leaving out the keys whose flag is set in `omitting[product id]` (one per key of
    /// the resolved product, in its order): what `StateLoader.loadPair` uses for keys alike in both states.
    init(source: String, validation: ValidationResult, omitting: [String: [Bool]]) {
        let resolved = validation.resolved
        var products: [String: ProductState] = [:]
        for product in resolved.products {
            var capabilities: [String: CapabilityState] = [:]
            for c in product.capabilities {
                capabilities[c.id] = CapabilityState(
                    id: c.id, name: c.name, owner: c.owner, tags: c.tags, deprecated: c.deprecated, routes: c.routes)
            }
            var keys: [String: KeyState] = [:]
            let omitted = omitting[product.id]
            keys.reserveCapacity(product.keys.count)
            for (position, k) in product.keys.enumerated() where !(omitted?[position] ?? false) {
                keys[k.name] = KeyState(
                    name: k.name, description: k.description, audience: k.audience.rawValue, owners: k.owners,
                    expires: k.expires?.description, unscoped: k.unscoped,
                    capabilities: k.capabilities.map { product.capabilities[$0].id }, selectors: k.selectors,
                    fingerprints: k.fingerprints
                )
            }
            products[product.id] = ProductState(
                id: product.id, name: product.name, capabilities: capabilities, keys: keys)
        }
        var teams: [String: TeamState] = [:]
        for team in resolved.teams {
            teams[team.id] = TeamState(id: team.id, name: team.name, reviewers: team.reviewers)
        }
        let settings = validation.policy.settings
        var severities: [String: String] = [:]
        for rule in RuleRegistry.all where rule.configurable {
            severities[rule.id.rawValue] = settings.severity(of: rule.id)?.rawValue ?? "off"
        }
        self.init(
            source: source, products: products, teams: teams,
            settings: SettingsState(
                severities: severities, unscopedMaxDays: settings.unscopedMaxDays,
                owners: Array(Set(settings.owners.map(\.value))).sorted()))
        retainedPolicy = validation
        errors = validation.diagnostics.errorCount
        listsAllTeams = true
    }

    /// The state held by one or more tables (one per product).
    public init(source: String, tables: [TableContents]) {
        var products: [String: ProductState] = [:]
        var teams: [String: TeamState] = [:]
        for contents in tables {
            for team in contents.teams where teams[team.id] == nil {
                teams[team.id] = TeamState(id: team.id, name: team.name, reviewers: team.reviewers)
            }
            var capabilities: [String: CapabilityState] = [:]
            for c in contents.capabilities {
                capabilities[c.id] = CapabilityState(
                    id: c.id, name: c.name, owner: contents.teams[c.owner].id, tags: c.tags.sorted(),
                    deprecated: c.deprecated, routes: c.routes)
            }
            var keys: [String: KeyState] = [:]
            keys.reserveCapacity(contents.keys.count)
            for k in contents.keys {
                keys[k.name] = KeyState(
                    name: k.name, description: k.description, audience: k.audience.name,
                    owners: k.owners.map { contents.teams[$0].id }.sorted(),
                    expires: k.expiresDay.map { Timestamp.date(day: $0) }, unscoped: k.unscoped,
                    capabilities: k.capabilities.map { contents.capabilities[$0].id }, selectors: k.selectors,
                    fingerprints: k.fingerprints.map(KeyFingerprint.text(digest:)).sorted()
                )
            }
            products[contents.metadata.productID] = ProductState(
                id: contents.metadata.productID, name: contents.metadata.productName, capabilities: capabilities,
                keys: keys)
        }
        self.init(source: source, products: products, teams: teams, settings: nil)
    }
}

extension ResolvedProduct {
    /// Which keys this product and `other` hold alike (see `KeyAttribute`): the same name and every
    /// attribute the same, capabilities compared by id. Keys of a resolved product are sorted by
    /// name, so one merge walk finds the pairs, without hashing 200,000 names.
    ///
    /// `omittable` may keep a key alike in both out of the result (see `StateLoader.loadPair`).
    func alikeKeys(in other: ResolvedProduct, omittable: (ResolvedKey) -> Bool) -> (first: [Bool], second: [Bool]) {
        var otherIndex: [String: Int] = [:]
        for (index, capability) in other.capabilities.enumerated() { otherIndex[capability.id] = index }
        let capabilityMap = capabilities.map { otherIndex[$0.id] ?? -1 }
        func same(_ attribute: KeyAttribute, _ a: ResolvedKey, _ b: ResolvedKey) -> Bool {
            switch attribute {
            case .description: a.description == b.description
            case .audience: a.audience == b.audience
            case .owners: a.owners == b.owners
            case .expiry: a.expires == b.expires
            case .scope:
                a.unscoped == b.unscoped && a.capabilities.count == b.capabilities.count
                    && zip(a.capabilities, b.capabilities).allSatisfy { capabilityMap[$0] == $1 }
            case .selectors: a.selectors == b.selectors
            case .fingerprints: a.fingerprints == b.fingerprints
            }
        }
        var first = [Bool](repeating: false, count: keys.count)
        var second = [Bool](repeating: false, count: other.keys.count)
        var (i, j) = (0, 0)
        keys.withUnsafeBufferPointer { mine in
            other.keys.withUnsafeBufferPointer { theirs in
                while i < mine.count && j < theirs.count {
                    let (a, b) = (mine[i], theirs[j])
                    if a.name == b.name {
                        if KeyAttribute.allCases.allSatisfy({ same($0, a, b) }) && omittable(a) {
                            first[i] = true
                            second[j] = true
                        }
                        i += 1
                        j += 1
                    } else if bytewiseLess(a.name, b.name) {
                        i += 1
                    } else {
                        j += 1
                    }
                }
            }
        }
        return (first, second)
    }

    /// The product's capabilities as the access model sees them.
    var catalog: AccessCatalog {
        AccessCatalog(capabilities.map { AccessCatalog.Entry(id: $0.id, owner: $0.owner, tags: $0.tags) })
    }
}
