/// The validation rules of SPEC §3, in one place.
///
/// Each rule's id and default severity are API (see `docs/rules.md`; a test
/// compares this registry with that table). Each rule's checks live in
/// `Rules/<RuleName>.swift`, with their messages beside them.
public struct RuleDescriptor: Sendable, Hashable {
    public var id: RuleID
    public var defaultSeverity: Severity
    /// One sentence for `docs/rules.md` and SARIF rule metadata.
    public var summary: String
    /// Whether a `Settings` document may change the severity or turn it off.
    public var configurable: Bool

    public init(_ id: RuleID, _ defaultSeverity: Severity, _ summary: String, configurable: Bool = true) {
        self.id = id
        self.defaultSeverity = defaultSeverity
        self.summary = summary
        self.configurable = configurable
    }
}

extension RuleID {
    public static let yamlSyntax: RuleID = "yaml-syntax"
    public static let schema: RuleID = "schema"
    public static let fileName: RuleID = "file-name"
    public static let duplicateName: RuleID = "duplicate-name"
    public static let duplicateCapability: RuleID = "duplicate-capability"
    public static let duplicateTeam: RuleID = "duplicate-team"
    public static let duplicateProduct: RuleID = "duplicate-product"
    public static let unknownProduct: RuleID = "unknown-product"
    public static let unknownCapability: RuleID = "unknown-capability"
    public static let unknownOwner: RuleID = "unknown-owner"
    public static let missingOwner: RuleID = "missing-owner"
    public static let scopeConflict: RuleID = "scope-conflict"
    public static let emptyScope: RuleID = "empty-scope"
    public static let emptySelector: RuleID = "empty-selector"
    public static let unscopedJustification: RuleID = "unscoped-justification"
    public static let unscopedExpiry: RuleID = "unscoped-expiry"
    public static let internalExposure: RuleID = "internal-exposure"
    public static let deprecatedCapability: RuleID = "deprecated-capability"
    public static let expiredKey: RuleID = "expired-key"
}

public enum RuleRegistry {
    /// Every rule, in documentation order.
    public static let all: [RuleDescriptor] = [
        RuleDescriptor(.yamlSyntax, .error, "The file is not strict YAML: syntax errors, anchors, aliases, merge keys, tags, duplicate keys, BOM, tabs, invalid UTF-8, or a size, depth or count limit.", configurable: false),
        RuleDescriptor(.schema, .error, "A document does not match its kind's schema: unknown or missing fields, wrong types, malformed ids or dates.", configurable: false),
        RuleDescriptor(.fileName, .error, "A policy file is not read: its name, below the root, has characters outside `[A-Za-z0-9._/-]` or a segment starting with `.` or `-`, or it is a symbolic link leading outside the root, nowhere, or into a loop.", configurable: false),
        RuleDescriptor(.duplicateName, .error, "The same key name is declared twice in one product."),
        RuleDescriptor(.duplicateCapability, .error, "The same capability id is declared twice in one product."),
        RuleDescriptor(.duplicateTeam, .error, "The same team id is declared twice."),
        RuleDescriptor(.duplicateProduct, .error, "The same product id is declared twice."),
        RuleDescriptor(.unknownProduct, .error, "A key set names a product that is not declared."),
        RuleDescriptor(.unknownCapability, .error, "A key's scope names a capability that its product does not declare."),
        RuleDescriptor(.unknownOwner, .error, "An owner (of a key, key set or capability) is not a declared team."),
        RuleDescriptor(.missingOwner, .error, "A key has no owner, neither its own nor its key set's."),
        RuleDescriptor(.scopeConflict, .error, "A key sets both `capabilities` and `unscoped: true`, or neither."),
        RuleDescriptor(.emptyScope, .error, "A key's `capabilities` list is empty."),
        RuleDescriptor(.emptySelector, .warning, "A `tag:` selector matches no capability of the product."),
        RuleDescriptor(.unscopedJustification, .error, "An unscoped key has no `justification`."),
        RuleDescriptor(.unscopedExpiry, .error, "An unscoped key has no `expires`, or expires more than `unscopedMaxDays` (default 90) after the check date."),
        RuleDescriptor(.internalExposure, .error, "A capability tagged `internal` is granted to a `customer` or `partner` key."),
        RuleDescriptor(.deprecatedCapability, .warning, "A key is granted a deprecated capability."),
        RuleDescriptor(.expiredKey, .warning, "A key's `expires` date is before the check date; the gateway refuses it anyway."),
    ]

    public static func descriptor(_ id: RuleID) -> RuleDescriptor? {
        all.first { $0.id == id }
    }

    /// The ids of rules a `Settings` document may configure.
    public static var configurableIDs: [String] {
        all.filter(\.configurable).map(\.id.rawValue)
    }
}
