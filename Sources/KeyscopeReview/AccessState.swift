import KeyscopePolicy
import KeyscopeTable

/// One access state, whatever it was read from (policy tree, git revision,
/// table, publish directory, URL), normalised so that any two can be diffed.
public struct AccessState: Sendable, Hashable {
    /// What the state was read from, for headings ("git:origin/main", "out/support-bot.kst").
    public var source: String
    /// Products by id.
    public var products: [String: ProductState]
    /// Teams by id.
    public var teams: [String: TeamState]
    /// Validation settings; nil for states read from tables (which do not carry them).
    public var settings: SettingsState?
    /// The validated policy the state was built from, kept alive with it (not part of equality).
    /// Freeing a 100,000-key model costs more CPU than diffing it; the CLI exits without freeing,
    /// so the model must outlive the call that built the state for that to help.
    var origin: StateOrigin?

    public init(source: String, products: [String: ProductState], teams: [String: TeamState], settings: SettingsState?) {
        self.source = source
        self.products = products
        self.teams = teams
        self.settings = settings
    }
}

/// Keeps a validated policy alive; every origin equals every other, so states compare by content.
final class StateOrigin: Sendable, Hashable {
    let validation: ValidationResult
    init(_ validation: ValidationResult) { self.validation = validation }
    static func == (lhs: StateOrigin, rhs: StateOrigin) -> Bool { true }
    func hash(into hasher: inout Hasher) {}
}

public struct ProductState: Sendable, Hashable {
    public var id: String
    public var name: String
    public var capabilities: [String: CapabilityState]
    public var keys: [String: KeyState]
}

public struct CapabilityState: Sendable, Hashable {
    public var id: String
    public var name: String
    public var owner: String
    /// Sorted.
    public var tags: [String]
    public var deprecated: String?

    public var isInternal: Bool { tags.contains("internal") }
}

/// A key's effective access. A class: a diff of 100,000 keys passes each around
/// several times, and a reference costs one retain where a struct copy costs one per field.
public final class KeyState: Sendable, Hashable {
    public let name: String
    public let description: String?
    public let audience: String
    /// Sorted team ids.
    public let owners: [String]
    /// `YYYY-MM-DD`, or nil for no expiry.
    public let expires: String?
    public let unscoped: Bool
    /// Effective capability ids, sorted (empty when unscoped).
    public let capabilities: [String]
    /// Tags the key selects, sorted.
    public let selectors: [String]

    public init(name: String, description: String?, audience: String, owners: [String], expires: String?, unscoped: Bool, capabilities: [String], selectors: [String]) {
        self.name = name
        self.description = description
        self.audience = audience
        self.owners = owners
        self.expires = expires
        self.unscoped = unscoped
        self.capabilities = capabilities
        self.selectors = selectors
    }

    public var isExternal: Bool { audience == "customer" || audience == "partner" }

    public static func == (lhs: KeyState, rhs: KeyState) -> Bool {
        lhs === rhs || (lhs.name == rhs.name && lhs.unscoped == rhs.unscoped && lhs.audience == rhs.audience && lhs.expires == rhs.expires
            && lhs.capabilities == rhs.capabilities && lhs.owners == rhs.owners && lhs.selectors == rhs.selectors && lhs.description == rhs.description)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(capabilities)
    }
}

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
                capabilities[c.id] = CapabilityState(id: c.id, name: c.name, owner: c.owner, tags: c.tags, deprecated: c.deprecated)
            }
            var keys: [String: KeyState] = [:]
            let omitted = omitting[product.id]
            keys.reserveCapacity(product.keys.count)
            for (position, k) in product.keys.enumerated() where !(omitted?[position] ?? false) {
                keys[k.name] = KeyState(
                    name: k.name, description: k.description, audience: k.audience.rawValue, owners: k.owners,
                    expires: k.expires?.description, unscoped: k.unscoped,
                    capabilities: k.capabilities.map { product.capabilities[$0].id }, selectors: k.selectors
                )
            }
            products[product.id] = ProductState(id: product.id, name: product.name, capabilities: capabilities, keys: keys)
        }
        var teams: [String: TeamState] = [:]
        for team in resolved.teams { teams[team.id] = TeamState(id: team.id, name: team.name, reviewers: team.reviewers) }
        let settings = validation.policy.settings
        var severities: [String: String] = [:]
        for rule in RuleRegistry.all where rule.configurable {
            severities[rule.id.rawValue] = settings.severity(of: rule.id)?.rawValue ?? "off"
        }
        self.init(source: source, products: products, teams: teams, settings: SettingsState(severities: severities, unscopedMaxDays: settings.unscopedMaxDays, owners: Array(Set(settings.owners.map(\.value))).sorted()))
        origin = StateOrigin(validation)
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
                capabilities[c.id] = CapabilityState(id: c.id, name: c.name, owner: contents.teams[c.owner].id, tags: c.tags.sorted(), deprecated: c.deprecated)
            }
            var keys: [String: KeyState] = [:]
            keys.reserveCapacity(contents.keys.count)
            for k in contents.keys {
                keys[k.name] = KeyState(
                    name: k.name, description: k.description, audience: k.audience.name, owners: k.owners.map { contents.teams[$0].id }.sorted(),
                    expires: k.expiresDay.map { Timestamp.date(day: $0) }, unscoped: k.unscoped,
                    capabilities: k.capabilities.map { contents.capabilities[$0].id }, selectors: k.selectors
                )
            }
            products[contents.metadata.productID] = ProductState(id: contents.metadata.productID, name: contents.metadata.productName, capabilities: capabilities, keys: keys)
        }
        self.init(source: source, products: products, teams: teams, settings: nil)
    }
}

extension ResolvedProduct {
    /// Which keys this product and `other` hold alike: same name, description, audience, owners,
    /// expiry, unscoped flag, capabilities (by id) and selectors. Keys of a resolved product are
    /// sorted by name, so one merge walk finds the pairs, without hashing 200,000 names.
    ///
    /// `omittable` may keep a key alike in both out of the result (see `StateLoader.loadPair`).
    func alikeKeys(in other: ResolvedProduct, omittable: (ResolvedKey) -> Bool) -> (first: [Bool], second: [Bool]) {
        var otherIndex: [String: Int] = [:]
        for (index, capability) in other.capabilities.enumerated() { otherIndex[capability.id] = index }
        let capabilityMap = capabilities.map { otherIndex[$0.id] ?? -1 }
        var first = [Bool](repeating: false, count: keys.count)
        var second = [Bool](repeating: false, count: other.keys.count)
        var (i, j) = (0, 0)
        keys.withUnsafeBufferPointer { mine in
            other.keys.withUnsafeBufferPointer { theirs in
                while i < mine.count && j < theirs.count {
                    let (a, b) = (mine[i], theirs[j])
                    if a.name == b.name {
                        if a.description == b.description && a.audience == b.audience && a.owners == b.owners && a.expires == b.expires
                            && a.unscoped == b.unscoped && a.selectors == b.selectors && a.capabilities.count == b.capabilities.count
                            && zip(a.capabilities, b.capabilities).allSatisfy({ capabilityMap[$0] == $1 }) && omittable(a) {
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
}
