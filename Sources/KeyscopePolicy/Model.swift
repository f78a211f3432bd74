import KeyscopeAccess

/// A value and where it was written.
public struct Located<Value: Sendable & Hashable>: Sendable, Hashable {
    public var value: Value
    public var location: SourceLocation

    public init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }
}

/// Who holds a key. `customer` and `partner` keys are outside the company.
public enum Audience: String, Sendable, Hashable, Codable, CaseIterable {
    case firstParty = "first-party"
    case `internal`
    case customer
    case partner

    /// Whether the holder is outside the organisation (the access model's definition).
    public var isExternal: Bool { AccessVocabulary.isExternal(audience: rawValue) }
}

/// A capability declared by a `Product` document.
public struct Capability: Sendable, Hashable {
    public var id: Located<String>
    public var name: String
    public var description: String?
    public var owner: Located<String>?
    public var tags: [Located<String>]
    public var deprecated: String?
    /// The requests that call this capability (SPEC §12), as parsed templates.
    public var routes: [Located<RouteTemplate>] = []
}

/// A `Product` document.
public struct Product: Sendable, Hashable {
    public var id: Located<String>
    public var name: String
    public var description: String?
    public var capabilities: [Capability]
}

/// A `Team` document.
public struct Team: Sendable, Hashable {
    public var id: Located<String>
    public var name: String
    public var description: String?
    public var reviewers: [String]
}

/// One entry of a key's `capabilities` list.
public enum ScopeEntry: Sendable, Hashable {
    case capability(String)
    /// `tag:<name>`: every capability of the product with that tag.
    case tag(String)

    public init?(_ text: String) {
        if text.hasPrefix("tag:") {
            self = .tag(String(text.dropFirst(4)))
        } else if text.hasPrefix("cap_") {
            self = .capability(text)
        } else {
            return nil
        }
    }

    public var text: String {
        switch self {
        case .capability(let id): id
        case .tag(let tag): "tag:\(tag)"
        }
    }
}

/// A key declared in a `KeySet`.
///
/// A class, not a struct: rules and resolution pass each of 100,000 keys
/// around many times, and a reference costs one retain where a copy of all
/// its fields cost one per string and array.
public final class Key: Sendable {
    public let name: Located<String>
    public let description: String?
    public let audience: Audience?
    /// `capabilities`, when present: its well-formed entries (possibly none).
    public let scope: Located<[Located<ScopeEntry>]>?
    /// How many items the `capabilities` list had as written, valid or not.
    public let scopeLength: Int
    /// `unscoped`, when present.
    public let unscoped: Located<Bool>?
    /// The key's own `owners`, when present.
    public let owners: Located<[Located<String>]>?
    public let justification: String?
    public let expires: Located<CalendarDate>?
    /// Well-formed `fingerprints` entries (SPEC §12), as written (`sha256:…`).
    public let fingerprints: [Located<String>]
    /// Where the key's mapping starts.
    public let location: SourceLocation
    /// `capabilities` or `unscoped` was written with the wrong type (already a schema finding).
    public let scopeMalformed: Bool

    public init(
        name: Located<String>, description: String?, audience: Audience?, scope: Located<[Located<ScopeEntry>]>?,
        scopeLength: Int,
        unscoped: Located<Bool>?, owners: Located<[Located<String>]>?, justification: String?,
        expires: Located<CalendarDate>?, location: SourceLocation,
        scopeMalformed: Bool = false, fingerprints: [Located<String>] = []
    ) {
        self.fingerprints = fingerprints
        self.scopeMalformed = scopeMalformed
        self.name = name
        self.description = description
        self.audience = audience
        self.scope = scope
        self.scopeLength = scopeLength
        self.unscoped = unscoped
        self.owners = owners
        self.justification = justification
        self.expires = expires
        self.location = location
    }

    /// Whether the key grants every capability.
    public var isUnscoped: Bool { unscoped?.value == true }
}

/// A `KeySet` document.
public struct KeySet: Sendable {
    public var product: Located<String>
    public var owners: Located<[Located<String>]>?
    public var keys: [Key]
    public var location: SourceLocation
}

/// A `Settings` document: rule severities and the unscoped-expiry limit.
public struct Settings: Sendable, Hashable {
    /// Severity per configured rule; `nil` means the rule is off.
    public var severities: [RuleID: Severity?]
    public var unscopedMaxDays: Int
    /// Teams that must approve a change to the settings: a weaker rule changes what every later review catches.
    public var owners: [Located<String>]
    public var location: SourceLocation?

    public static let defaultUnscopedMaxDays = 90

    public init(
        severities: [RuleID: Severity?] = [:], unscopedMaxDays: Int = Settings.defaultUnscopedMaxDays,
        owners: [Located<String>] = [], location: SourceLocation? = nil
    ) {
        self.severities = severities
        self.unscopedMaxDays = unscopedMaxDays
        self.owners = owners
        self.location = location
    }

    /// The severity in force for a rule, or nil when it is off.
    public func severity(of rule: RuleID) -> Severity? {
        if let configured = severities[rule] { return configured }
        return RuleRegistry.descriptor(rule)?.defaultSeverity ?? .error
    }
}

/// Everything read from a policy root, before the rules run.
public struct PolicySet: Sendable {
    public var products: [Product] = []
    public var teams: [Team] = []
    public var keySets: [KeySet] = []
    public var settings = Settings()
    /// Number of files and documents read (for the summary line).
    public var fileCount = 0
    public var documentCount = 0

    public init() {}

    public var keyCount: Int { keySets.reduce(0) { $0 + $1.keys.count } }
    public var capabilityCount: Int { products.reduce(0) { $0 + $1.capabilities.count } }
}
