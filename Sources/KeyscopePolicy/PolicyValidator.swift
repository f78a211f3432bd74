import Dispatch
import KeyscopeAccess
import KeyscopeSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
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
    /// Validates a loaded policy as of `checkDate`.
    public static func validate(_ loaded: LoadedPolicy, checkDate: CalendarDate) -> ValidationResult {
        let context = RuleContext(policy: loaded.policy, checkDate: checkDate)
        // The rules and the resolution of effective access only read the context: each is
        // its own task, the longest (resolution) first, and the cores take them as they free up.
        let ruleFindings = WorkerSlots<[Diagnostic]>(count: RuleRegistry.policyRules.count, repeating: [])
        let resolution = WorkerSlots<ResolvedPolicy?>(count: 1, repeating: nil)
        DispatchQueue.concurrentPerform(iterations: RuleRegistry.policyRules.count + 1) { task in
            if task == 0 {
                resolution.set(0, context.resolve())
            } else {
                var found: [Diagnostic] = []
                RuleRegistry.policyRules[task - 1].check(context, into: &found)
                ruleFindings.set(task - 1, found)
            }
        }
        var findings = loaded.diagnostics
        for found in ruleFindings.array() { findings += found }
        let settings = loaded.policy.settings
        var diagnostics: [Diagnostic] = []
        diagnostics.reserveCapacity(findings.count)
        for var finding in findings {
            guard let severity = settings.severity(of: finding.rule) else { continue }
            if RuleRegistry.descriptor(finding.rule)?.configurable ?? false { finding.severity = severity }
            diagnostics.append(finding)
        }
        diagnostics.sort(by: Diagnostic.sortKey)
        diagnostics = capped(diagnostics)
        return ValidationResult(
            policy: loaded.policy, resolved: resolution[0]!, diagnostics: diagnostics, files: loaded.files,
            checkDate: checkDate)
    }

    /// How many findings of one rule are reported for one file; the rest are counted in one
    /// "… and N more" finding. A hostile file of 40,000 list entries would otherwise print
    /// 40,000 findings, each with its excerpt.
    public static let findingsPerRuleAndFile = 100

    /// Sorted findings with at most `findingsPerRuleAndFile` per rule and file, plus one
    /// finding per group that was cut, placed where the first one left out was.
    static func capped(_ sorted: [Diagnostic]) -> [Diagnostic] {
        struct Group: Hashable {
            var rule: RuleID
            var file: FileID
        }
        var counts: [Group: Int] = [:]
        var firstOmitted: [Group: Diagnostic] = [:]
        var kept: [Diagnostic] = []
        kept.reserveCapacity(sorted.count)
        for diagnostic in sorted {
            let group = Group(rule: diagnostic.rule, file: diagnostic.location.fileID)
            let count = counts[group, default: 0] + 1
            counts[group] = count
            if count <= findingsPerRuleAndFile {
                kept.append(diagnostic)
            } else if count == findingsPerRuleAndFile + 1 {
                firstOmitted[group] = diagnostic
            }
        }
        guard !firstOmitted.isEmpty else { return sorted }
        for (group, first) in firstOmitted {
            let more = counts[group]! - findingsPerRuleAndFile
            kept.append(
                Diagnostic(
                    first.severity, group.rule,
                    "… and \(more) more `\(group.rule)` finding\(more == 1 ? "" : "s") in this file, not shown",
                    at: first.location))
        }
        kept.sort(by: Diagnostic.sortKey)
        return kept
    }

    /// Loads and validates the policy root in one call.
    public static func validate(root: String, checkDate: CalendarDate, limits: ReaderLimits = .default)
        throws(PolicyLoadError) -> ValidationResult
    {
        let loaded = try PolicyLoader(limits: limits).load(root: root)
        return validate(loaded, checkDate: checkDate)
    }
}

/// What a rule checks against: the model and indexes built once for all rules.
///
/// The expensive part of every rule, resolving each scope entry of each key
/// against its product, is done once here (`grants`), so rules are plain
/// loops over precomputed integers; they touch strings only to build messages.
struct RuleContext {
    struct ProductIndex {
        var product: Product
        /// Capability id -> index of its first declaration.
        var capabilityIndex: [String: Int]
        /// Tag -> indices of the capabilities carrying it.
        var tagged: [String: [Int]]
        var isInternal: [Bool]
        var isDeprecated: [Bool]
    }

    /// A capability a key is granted, and the index of the scope entry granting it first.
    struct Grant {
        var capability: Int
        var entry: Int
    }

    let policy: PolicySet
    let checkDate: CalendarDate
    /// Team id -> first declaration.
    let teams: [String: Team]
    /// Product id -> first declaration.
    let products: [String: ProductIndex]
    /// The product of each key set (nil when unknown).
    let keySetProducts: [ProductIndex?]
    /// Grants of each key, by key set and key: what `tag:` selectors and ids resolve to.
    let grants: [[[Grant]]]
    /// Scope entries naming no capability of the product: (key set, key, entry).
    let unknownCapabilities: [(keySet: Int, key: Int, entry: Int)]
    /// `tag:` entries matching no capability: (key set, key, entry).
    let emptySelectors: [(keySet: Int, key: Int, entry: Int)]

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
            var isInternal = [Bool](repeating: false, count: product.capabilities.count)
            var isDeprecated = [Bool](repeating: false, count: product.capabilities.count)
            for (position, capability) in product.capabilities.enumerated() where index[capability.id.value] == nil {
                index[capability.id.value] = position
                for tag in Set(capability.tags.map(\.value)) { tagged[tag, default: []].append(position) }
                isInternal[position] = AccessVocabulary.isInternal(tags: capability.tags.lazy.map(\.value))
                isDeprecated[position] = capability.deprecated != nil
            }
            products[product.id.value] = ProductIndex(
                product: product, capabilityIndex: index, tagged: tagged, isInternal: isInternal,
                isDeprecated: isDeprecated)
        }
        self.products = products
        let keySetProducts = policy.keySets.map { products[$0.product.value] }
        self.keySetProducts = keySetProducts

        // Resolving scope entries is the costly part: spread the key sets over the cores.
        let perSet = WorkerSlots<(grants: [[Grant]], unknown: [(Int, Int, Int)], empty: [(Int, Int, Int)])?>(
            count: policy.keySets.count, repeating: nil)
        let keySets = policy.keySets
        DispatchQueue.concurrentPerform(iterations: keySets.count) { setIndex in
            perSet.set(
                setIndex,
                RuleContext.resolveGrants(keySets[setIndex], setIndex: setIndex, product: keySetProducts[setIndex]))
        }
        var grants: [[[Grant]]] = []
        var unknown: [(Int, Int, Int)] = []
        var empty: [(Int, Int, Int)] = []
        grants.reserveCapacity(policy.keySets.count)
        for case let result? in perSet.array() {
            grants.append(result.grants)
            unknown += result.unknown
            empty += result.empty
        }
        self.grants = grants
        unknownCapabilities = unknown
        emptySelectors = empty
    }

    /// The grants of every key of one key set, and its unknown and empty scope entries.
    static func resolveGrants(_ keySet: borrowing KeySet, setIndex: Int, product: ProductIndex?) -> (
        grants: [[Grant]], unknown: [(Int, Int, Int)], empty: [(Int, Int, Int)]
    ) {
        guard let product else { return (Array(repeating: [], count: keySet.keys.count), [], []) }
        var unknown: [(Int, Int, Int)] = []
        var empty: [(Int, Int, Int)] = []
        // `seen[c] == stamp` marks capabilities already granted to the current key.
        var seen = [Int](repeating: 0, count: product.product.capabilities.count)
        var stamp = 0
        var setGrants: [[Grant]] = []
        setGrants.reserveCapacity(keySet.keys.count)
        keySet.keys.withUnsafeBufferPointer { keys in
            for keyIndex in keys.indices {
                stamp += 1
                var keyGrants: [Grant] = []
                guard let scope = keys[keyIndex].scope else {
                    setGrants.append(keyGrants)
                    continue
                }
                keyGrants.reserveCapacity(scope.value.count)
                for (entryIndex, entry) in scope.value.enumerated() {
                    switch entry.value {
                    case .capability(let id):
                        guard let capability = product.capabilityIndex[id] else {
                            unknown.append((setIndex, keyIndex, entryIndex))
                            continue
                        }
                        if seen[capability] != stamp {
                            seen[capability] = stamp
                            keyGrants.append(Grant(capability: capability, entry: entryIndex))
                        }
                    case .tag(let tag):
                        guard let matching = product.tagged[tag] else {
                            empty.append((setIndex, keyIndex, entryIndex))
                            continue
                        }
                        for capability in matching where seen[capability] != stamp {
                            seen[capability] = stamp
                            keyGrants.append(Grant(capability: capability, entry: entryIndex))
                        }
                    }
                }
                setGrants.append(keyGrants)
            }
        }
        return (setGrants, unknown, empty)
    }

    /// Every key with its key set, its product (when declared) and its grants, without copying keys.
    ///
    /// Keys and grants are read in place through buffer pointers: the policy holds them for the
    /// whole walk, and no array is copied per key set.
    @inline(__always)
    func forEachKey(
        _ body: (_ key: Key, _ keySet: borrowing KeySet, _ product: ProductIndex?, _ grants: UnsafeBufferPointer<Grant>)
            -> Void
    ) {
        policy.keySets.withUnsafeBufferPointer { keySets in
            for setIndex in keySets.indices {
                let product = keySetProducts[setIndex]
                grants[setIndex].withUnsafeBufferPointer { setGrants in
                    keySets[setIndex].keys.withUnsafeBufferPointer { keys in
                        for keyIndex in keys.indices {
                            setGrants[keyIndex].withUnsafeBufferPointer { keyGrants in
                                body(keys[keyIndex], keySets[setIndex], product, keyGrants)
                            }
                        }
                    }
                }
            }
        }
    }

    /// The owners in force for a key: its own, or else its key set's.
    func owners(of key: Key, in keySet: borrowing KeySet) -> [Located<String>] {
        key.owners?.value ?? keySet.owners?.value ?? []
    }

    /// The effective access: declared products with their first-declared capabilities and keys.
    func resolve() -> ResolvedPolicy {
        var keysByProduct: [String: [ResolvedKey]] = [:]
        var sortedCapabilities: [String: (capabilities: [ResolvedCapability], newIndex: [Int])] = [:]
        for (id, index) in products {
            let firstDeclared = index.product.capabilities.enumerated().filter {
                index.capabilityIndex[$0.element.id.value] == $0.offset
            }
            let ordered = firstDeclared.sorted { bytewiseLess($0.element.id.value, $1.element.id.value) }
            var newIndex = [Int](repeating: -1, count: index.product.capabilities.count)
            for (position, item) in ordered.enumerated() { newIndex[item.offset] = position }
            let capabilities = ordered.map { item in
                let c = item.element
                return ResolvedCapability(
                    id: c.id.value, name: c.name, owner: c.owner?.value ?? "",
                    tags: Array(Set(c.tags.map(\.value))).sorted(), deprecated: c.deprecated,
                    routes: Array(Set(c.routes.map(\.value.description))).sorted { bytewiseLess($0, $1) })
            }
            sortedCapabilities[id] = (capabilities, newIndex)
        }
        policy.keySets.withUnsafeBufferPointer { keySets in
            for setIndex in keySets.indices {
                guard let product = keySetProducts[setIndex] else { continue }
                let productID = product.product.id.value
                let mapping = sortedCapabilities[productID]!.newIndex
                let setGrants = grants[setIndex]
                let setOwners = keySets[setIndex].owners?.value ?? []
                // Appended in place: the list is taken out of the dictionary, so it is never copied.
                var resolved = keysByProduct.removeValue(forKey: productID) ?? []
                keySets[setIndex].keys.withUnsafeBufferPointer { keys in
                    for keyIndex in keys.indices {
                        let key = keys[keyIndex]
                        let unscoped = key.isUnscoped
                        var capabilities: [Int] = []
                        if !unscoped {
                            let keyGrants = setGrants[keyIndex]
                            capabilities.reserveCapacity(keyGrants.count)
                            for grant in keyGrants { capabilities.append(mapping[grant.capability]) }
                            capabilities.sort()
                        }
                        var selectors: [String] = []
                        for entry in key.scope?.value ?? [] {
                            if case .tag(let tag) = entry.value, !selectors.contains(tag) { selectors.append(tag) }
                        }
                        if selectors.count > 1 { selectors.sort() }
                        var owners = (key.owners?.value ?? setOwners).map(\.value)
                        if owners.count > 1 {
                            owners.sort()
                            owners = owners.enumerated().filter {
                                $0.offset == 0 || owners[$0.offset - 1] != $0.element
                            }.map(\.element)
                        }
                        resolved.append(
                            ResolvedKey(
                                name: key.name.value,
                                description: key.description,
                                audience: key.audience ?? .customer,
                                owners: owners,
                                expires: key.expires?.value,
                                unscoped: unscoped,
                                capabilities: capabilities,
                                selectors: selectors,
                                fingerprints: key.fingerprints.isEmpty
                                    ? [] : Array(Set(key.fingerprints.map(\.value))).sorted()
                            ))
                    }
                }
                keysByProduct[productID] = resolved
            }
        }
        let resolvedProducts = products.values.map { index in
            ResolvedProduct(
                id: index.product.id.value,
                name: index.product.name,
                capabilities: sortedCapabilities[index.product.id.value]!.capabilities,
                keys: Self.sortedFirstDeclarations(keysByProduct.removeValue(forKey: index.product.id.value) ?? [])
            )
        }.sorted { bytewiseLess($0.id, $1.id) }
        let resolvedTeams = teams.values.map { ResolvedTeam(id: $0.id.value, name: $0.name, reviewers: $0.reviewers) }
            .sorted { bytewiseLess($0.id, $1.id) }
        return ResolvedPolicy(products: resolvedProducts, teams: resolvedTeams)
    }

    /// Keys sorted by name, with only the first declaration of a name (the others are
    /// `duplicate-name` findings; names are slugs, so equal bytes and equal strings agree).
    ///
    /// Positions are sorted, not the keys: an 8-byte move instead of a key's, and ties
    /// broken by position, so the first declared comes first whatever the algorithm.
    static func sortedFirstDeclarations(_ keys: consuming [ResolvedKey]) -> [ResolvedKey] {
        var order = Array(keys.indices)
        keys.withUnsafeBufferPointer { keys in
            order.sort { a, b in
                let (left, right) = (keys[a].name, keys[b].name)
                return left == right ? a < b : bytewiseLess(left, right)
            }
        }
        // Keys are moved, not copied (a copy retains five fields per key, and freeing the
        // originals releases them again); a moved-from slot gets an empty key, which the
        // old array then frees for nothing.
        let empty = ResolvedKey(
            name: "", description: nil, audience: .customer, owners: [], expires: nil, unscoped: false,
            capabilities: [], selectors: [])
        return keys.withUnsafeMutableBufferPointer { source in
            [ResolvedKey](unsafeUninitializedCapacity: source.count) { sorted, count in
                count = 0
                guard let from = source.baseAddress, let to = sorted.baseAddress else { return }
                for position in order where count == 0 || to[count - 1].name != from[position].name {
                    (to + count).moveInitialize(from: from + position, count: 1)
                    (from + position).initialize(to: empty)
                    count += 1
                }
            }
        }
    }
}
