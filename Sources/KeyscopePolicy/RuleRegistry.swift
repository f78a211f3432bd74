/// A rule of SPEC §3. Its id and default severity are API: `docs/rules.md` lists them, and a
/// test compares that table with `RuleRegistry.rules`. One rule per file under `Rules/`, its
/// messages beside its checks.
protocol Rule: Sendable {
    static var id: RuleID { get }
    static var defaultSeverity: Severity { get }
    /// One sentence for `docs/rules.md` and SARIF rule metadata.
    static var summary: String { get }
    /// Whether a `Settings` document may change the severity or turn the rule off.
    static var configurable: Bool { get }
}

extension Rule {
    static var configurable: Bool { true }
    static var descriptor: RuleDescriptor {
        RuleDescriptor(id: id, defaultSeverity: defaultSeverity, summary: summary, configurable: configurable)
    }
}

/// A rule that checks the decoded policy (the reading rules are reported by the loader).
protocol PolicyRule: Rule {
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic])
}

extension PolicyRule {
    static func finding(
        _ message: String, at location: SourceLocation, notes: [DiagnosticNote] = [], help: String? = nil
    ) -> Diagnostic {
        Diagnostic(defaultSeverity, id, message, at: location, notes: notes, help: help)
    }
}

/// What callers outside this module see of a rule.
public struct RuleDescriptor: Sendable, Hashable {
    public var id: RuleID
    public var defaultSeverity: Severity
    /// One sentence for `docs/rules.md` and SARIF rule metadata.
    public var summary: String
    /// Whether a `Settings` document may change the severity or turn it off.
    public var configurable: Bool
}

public enum RuleRegistry {
    /// Every rule, in documentation order: the one list of rules. Adding a rule is adding its
    /// type under `Rules/` and its name here; the validator runs the `PolicyRule`s of this list.
    static let rules: [any Rule.Type] = [
        YAMLSyntax.self, SchemaMismatch.self, UnsafeFileName.self,
        DuplicateName.self, DuplicateCapability.self, DuplicateTeam.self, DuplicateProduct.self,
        DuplicateFingerprint.self, DuplicateRoute.self,
        UnknownProduct.self, UnknownCapability.self, UnknownOwner.self, MissingOwner.self,
        ScopeConflict.self, EmptyScope.self, EmptySelector.self,
        UnscopedJustification.self, UnscopedExpiry.self, InternalExposure.self,
        DeprecatedCapability.self, ExpiredKey.self,
    ]

    /// The rules the validator runs on a decoded policy.
    static let policyRules: [any PolicyRule.Type] = rules.compactMap { $0 as? any PolicyRule.Type }

    /// Every rule's descriptor, in documentation order.
    public static let all: [RuleDescriptor] = rules.map { $0.descriptor }

    private static let byID: [RuleID: RuleDescriptor] = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })

    public static func descriptor(_ id: RuleID) -> RuleDescriptor? {
        byID[id]
    }

    /// The ids of rules a `Settings` document may configure.
    public static var configurableIDs: [String] {
        all.filter(\.configurable).map(\.id.rawValue)
    }
}

extension RuleID {
    /// Whether a finding of this rule means the file could not be read (YAML syntax or schema):
    /// a state with such a finding is not a policy state at all.
    public var isReadingFailure: Bool {
        self == YAMLSyntax.id || self == SchemaMismatch.id
    }
}
