/// The outcome of validating a policy root.
public struct ValidationResult: Sendable {
    public var policy: PolicySet
    /// Effective access, with selectors expanded. Meaningful only without errors.
    public var resolved: ResolvedPolicy
    /// Every finding, severities as configured, sorted by position.
    public var diagnostics: [Diagnostic]
    /// Files by display path, for excerpts.
    public var files: [String: SourceFile]
    public var checkDate: CalendarDate
}

/// Runs the stages from source files to findings:
///
///     [SourceFile] --StrictYAMLReader--> [YAMLDocument]
///                  --PolicyDecoder-----> PolicySet + schema findings
///                  --rules (Rules/)----> findings + ResolvedPolicy
///
/// Findings are collected, never thrown: one bad file does not hide the
/// findings of another.
public enum PolicyValidator {
    /// The rules, in the order they run (order does not affect output: findings are sorted).
    static let rules: [any PolicyRule.Type] = [
        DuplicateProduct.self, DuplicateTeam.self, DuplicateCapability.self, DuplicateName.self,
        UnknownProduct.self, UnknownCapability.self, UnknownOwner.self, MissingOwner.self,
        ScopeConflict.self, EmptyScope.self, EmptySelector.self,
        UnscopedJustification.self, UnscopedExpiry.self, InternalExposure.self,
        DeprecatedCapability.self, ExpiredKey.self,
    ]

    /// Validates a loaded policy as of `checkDate`.
    public static func validate(_ loaded: LoadedPolicy, checkDate: CalendarDate) -> ValidationResult {
        let context = RuleContext(policy: loaded.policy, checkDate: checkDate)
        var findings = loaded.diagnostics
        for rule in rules {
            rule.check(context, into: &findings)
        }
        let settings = loaded.policy.settings
        var diagnostics: [Diagnostic] = []
        diagnostics.reserveCapacity(findings.count)
        for var finding in findings {
            guard let severity = settings.severity(of: finding.rule) else { continue }
            if RuleRegistry.descriptor(finding.rule)?.configurable ?? false { finding.severity = severity }
            diagnostics.append(finding)
        }
        diagnostics.sort(by: Diagnostic.sortKey)
        return ValidationResult(policy: loaded.policy, resolved: context.resolve(), diagnostics: diagnostics, files: loaded.files, checkDate: checkDate)
    }

    /// Loads and validates the policy root in one call.
    public static func validate(root: String, checkDate: CalendarDate, limits: ReaderLimits = .default) throws(PolicyLoadError) -> ValidationResult {
        let loaded = try PolicyLoader(limits: limits).load(root: root)
        return validate(loaded, checkDate: checkDate)
    }
}

/// What a rule checks against: the model and indexes built once for all rules.
struct RuleContext {
    struct ProductIndex {
        var product: Product
        /// Capability id -> index of its first declaration.
        var capabilityIndex: [String: Int]
        /// Tag -> indices of the capabilities carrying it.
        var tagged: [String: [Int]]
    }

    let policy: PolicySet
    let checkDate: CalendarDate
    /// Team id -> first declaration.
    let teams: [String: Team]
    /// Product id -> first declaration.
    let products: [String: ProductIndex]

    init(policy: PolicySet, checkDate: CalendarDate) {
        self.policy = policy
        self.checkDate = checkDate
        var teams: [String: Team] = [:]
        for team in policy.teams where teams[team.id.value] == nil { teams[team.id.value] = team }
        self.teams = teams
        var products: [String: ProductIndex] = [:]
        for product in policy.products where products[product.id.value] == nil {
            var index: [String: Int] = [:]
            var tagged: [String: [Int]] = [:]
            for (position, capability) in product.capabilities.enumerated() where index[capability.id.value] == nil {
                index[capability.id.value] = position
                for tag in Set(capability.tags.map(\.value)) { tagged[tag, default: []].append(position) }
            }
            products[product.id.value] = ProductIndex(product: product, capabilityIndex: index, tagged: tagged)
        }
        self.products = products
    }

    /// Every key with its key set and (when declared) its product.
    func forEachKey(_ body: (Key, KeySet, ProductIndex?) -> Void) {
        for keySet in policy.keySets {
            let product = products[keySet.product.value]
            for key in keySet.keys { body(key, keySet, product) }
        }
    }

    /// The owners in force for a key: its own, or else its key set's.
    func owners(of key: Key, in keySet: KeySet) -> [Located<String>] {
        key.owners?.value ?? keySet.owners?.value ?? []
    }

    /// For each capability a key's scope grants, the first scope entry granting it.
    func grants(of key: Key, in product: ProductIndex) -> [(capability: Int, entry: Located<ScopeEntry>)] {
        guard let scope = key.scope?.value else { return [] }
        var seen = Set<Int>()
        var result: [(Int, Located<ScopeEntry>)] = []
        for entry in scope {
            switch entry.value {
            case .capability(let id):
                if let index = product.capabilityIndex[id], seen.insert(index).inserted { result.append((index, entry)) }
            case .tag(let tag):
                for index in product.tagged[tag] ?? [] where seen.insert(index).inserted { result.append((index, entry)) }
            }
        }
        return result
    }

    /// The effective access: declared products with their first-declared capabilities and keys.
    func resolve() -> ResolvedPolicy {
        var keysByProduct: [String: [ResolvedKey]] = [:]
        var sortedCapabilities: [String: (capabilities: [ResolvedCapability], newIndex: [Int])] = [:]
        for (id, index) in products {
            let firstDeclared = index.product.capabilities.enumerated().filter { index.capabilityIndex[$0.element.id.value] == $0.offset }
            let ordered = firstDeclared.sorted { $0.element.id.value.utf8.lexicographicallyPrecedes($1.element.id.value.utf8) }
            var newIndex = [Int](repeating: -1, count: index.product.capabilities.count)
            for (position, item) in ordered.enumerated() { newIndex[item.offset] = position }
            let capabilities = ordered.map { item in
                let c = item.element
                return ResolvedCapability(id: c.id.value, name: c.name, owner: c.owner?.value ?? "", tags: Array(Set(c.tags.map(\.value))).sorted(), deprecated: c.deprecated)
            }
            sortedCapabilities[id] = (capabilities, newIndex)
        }
        var seenNames: Set<[String]> = []
        forEachKey { key, keySet, product in
            guard let product, seenNames.insert([product.product.id.value, key.name.value]).inserted else { return }
            let mapping = sortedCapabilities[product.product.id.value]!.newIndex
            let unscoped = key.isUnscoped
            let capabilities = unscoped ? [] : grants(of: key, in: product).map { mapping[$0.capability] }.sorted()
            var selectors: [String] = []
            for entry in key.scope?.value ?? [] {
                if case .tag(let tag) = entry.value { selectors.append(tag) }
            }
            keysByProduct[product.product.id.value, default: []].append(ResolvedKey(
                name: key.name.value,
                description: key.description,
                audience: key.audience ?? .customer,
                owners: Array(Set(owners(of: key, in: keySet).map(\.value))).sorted(),
                expires: key.expires?.value,
                unscoped: unscoped,
                capabilities: capabilities,
                selectors: Array(Set(selectors)).sorted()
            ))
        }
        let resolvedProducts = products.values.map { index in
            ResolvedProduct(
                id: index.product.id.value,
                name: index.product.name,
                capabilities: sortedCapabilities[index.product.id.value]!.capabilities,
                keys: (keysByProduct[index.product.id.value] ?? []).sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
            )
        }.sorted { $0.id < $1.id }
        let resolvedTeams = teams.values.map { ResolvedTeam(id: $0.id.value, name: $0.name, reviewers: $0.reviewers) }.sorted { $0.id < $1.id }
        return ResolvedPolicy(products: resolvedProducts, teams: resolvedTeams)
    }
}

/// A validation rule. Each lives in its own file under `Rules/`, with its messages.
protocol PolicyRule: Sendable {
    static var id: RuleID { get }
    static func check(_ context: RuleContext, into diagnostics: inout [Diagnostic])
}

extension PolicyRule {
    static var defaultSeverity: Severity { RuleRegistry.descriptor(id)?.defaultSeverity ?? .error }

    static func finding(_ message: String, at location: SourceLocation, notes: [DiagnosticNote] = [], help: String? = nil) -> Diagnostic {
        Diagnostic(defaultSeverity, id, message, at: location, notes: notes, help: help)
    }
}
