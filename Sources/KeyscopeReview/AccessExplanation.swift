import KeyscopeAccess
import KeyscopePolicy
import KeyscopeSupport
import KeyscopeTable
import KeyscopeTableTools

/// One product's keys and capabilities with where each grant was written: what `explain` and
/// `who-can` answer from, built from a policy root (with file, line and column) or from a table
/// (which records no source positions).
///
/// Both commands read this one view, so a policy and the table compiled from it give the same
/// answers; a table's own decision (`ScopeTable.decide`) is still what `explain` reports for a table.
public struct AccessView: Sendable {
    /// Where something was written: `path:line:column`, or nil for a table.
    public typealias Place = String?

    public struct CapabilityView: Sendable, Hashable {
        public var id: String
        public var tags: [String]
        public var place: Place
    }

    /// A line of the policy an answer rests on.
    public struct Grant: Sendable, Hashable {
        public enum Kind: String, Sendable, Hashable {
            /// `unscoped: true` (text `unscoped`).
            case unscoped
            /// One entry of `capabilities:`, a capability id or `tag:NAME`.
            case scopeEntry = "scope-entry"
            /// `expires:` of the key (text `expires: DATE`).
            case expires
            /// The tags of a capability (text `ID tags: [...]`).
            case capabilityTags = "capability-tags"
        }
        public var kind: Kind
        public var text: String
        public var place: Place

        public init(_ kind: Kind, _ text: String, place: Place) {
            self.kind = kind
            self.text = text
            self.place = place
        }
    }

    public struct KeyView: Sendable, Hashable {
        public var name: String
        public var audience: String
        public var place: Place
        /// `unscoped: true` when set, with where it was written.
        public var unscoped: Grant?
        /// The scope entries as written (a table gives its selectors and capability ids).
        public var entries: [Grant]
        /// Last day the key works.
        public var expires: CalendarDate?
        public var expiresPlace: Place
    }

    public var product: String
    /// Where the view came from, for the output's first line (`policies`, `out/support-bot.kst`).
    public var source: String
    public var capabilities: [CapabilityView]
    public var keys: [KeyView]

    /// The grant through which `key` reaches `capability`: `unscoped`, the entry naming its id,
    /// or the first `tag:` entry whose tag it carries; nil when none does.
    public func grant(of key: KeyView, for capability: CapabilityView) -> Grant? {
        if let unscoped = key.unscoped { return unscoped }
        return key.entries.first { $0.text == capability.id }
            ?? key.entries.first { $0.text.hasPrefix("tag:") && capability.tags.contains(String($0.text.dropFirst(4))) }
    }

    /// The views of every product of a validated policy (no errors), each key with its positions.
    public static func views(of result: ValidationResult, source: String) -> [AccessView] {
        result.policy.products.map { product in
            let capabilities = product.capabilities.map {
                CapabilityView(id: $0.id.value, tags: $0.tags.map(\.value), place: $0.id.location.description)
            }
            var keys: [KeyView] = []
            for keySet in result.policy.keySets where keySet.product.value == product.id.value {
                for key in keySet.keys {
                    keys.append(
                        KeyView(
                            name: key.name.value, audience: key.audience?.rawValue ?? "first-party",
                            place: key.name.location.description,
                            unscoped: key.isUnscoped
                                ? Grant(.unscoped, "unscoped", place: key.unscoped?.location.description) : nil,
                            entries: (key.scope?.value ?? []).map {
                                Grant(.scopeEntry, $0.value.text, place: $0.location.description)
                            },
                            expires: key.expires?.value, expiresPlace: key.expires?.location.description))
                }
            }
            return AccessView(product: product.id.value, source: source, capabilities: capabilities, keys: keys)
        }
    }

    /// The view of a decoded table: capability ids and `tag:` selectors stand for the scope entries.
    public static func view(of contents: TableContents, source: String) -> AccessView {
        let capabilities = contents.capabilities.map { CapabilityView(id: $0.id, tags: $0.tags, place: nil) }
        let keys = contents.keys.map { key in
            let viaSelector = Set(
                key.capabilities.filter { index in
                    contents.capabilities[index].tags.contains { key.selectors.contains($0) }
                })
            let entries =
                key.selectors.map { Grant(.scopeEntry, "tag:\($0)", place: nil) }
                + key.capabilities.filter { !viaSelector.contains($0) }.map {
                    Grant(.scopeEntry, contents.capabilities[$0].id, place: nil)
                }
            return KeyView(
                name: key.name, audience: key.audience.name, place: nil,
                unscoped: key.unscoped ? Grant(.unscoped, "unscoped", place: nil) : nil, entries: entries,
                expires: key.expiresDay.map { CalendarDate(daysSinceEpoch: $0) }, expiresPlace: nil)
        }
        return AccessView(
            product: contents.metadata.productID, source: source, capabilities: capabilities, keys: keys)
    }
}

/// Why a key can or cannot call a capability (`keyscope explain`).
public struct AccessExplanation: Sendable, Hashable {
    public var product: String
    public var source: String
    public var key: String
    public var capability: String
    public var allowed: Bool
    /// `in-scope` or `unscoped` when allowed; the decision's deny reason otherwise (`not-in-scope`, …).
    public var reason: String
    /// One sentence in the user's terms.
    public var summary: String
    /// What the answer rests on, each with where it was written when known.
    public var evidence: [AccessView.Grant]

    /// Explains from a view, deciding as the gateway runtime does, in its order: unknown key,
    /// expired key, unknown capability, unscoped, scope.
    public static func explain(key name: String, capability id: String, in view: AccessView, on date: CalendarDate)
        -> AccessExplanation
    {
        var answer = AccessExplanation(
            product: view.product, source: view.source, key: name, capability: id, allowed: false, reason: "",
            summary: "", evidence: [])
        guard let key = view.keys.first(where: { $0.name == name }) else {
            answer.reason = DenyReason.unknownKey.words
            answer.summary = "no key named \(Quote.quoted(name)) in product \(Quote.quoted(view.product))"
            return answer
        }
        if let expires = key.expires, date > expires {
            answer.reason = DenyReason.keyExpired.words
            answer.summary = "key \(Quote.quoted(name)) expired: its last day was \(expires)"
            answer.evidence = [AccessView.Grant(.expires, "expires: \(expires)", place: key.expiresPlace)]
            return answer
        }
        guard let capability = view.capabilities.first(where: { $0.id == id }) else {
            answer.reason = DenyReason.unknownCapability.words
            answer.summary = "no capability \(Quote.quoted(id)) in product \(Quote.quoted(view.product))"
            return answer
        }
        return decided(answer, key: key, capability: capability, in: view)
    }

    /// Explains a table's own decision, with the table's view of the key as evidence.
    public static func explain(
        key name: String, capability id: String, table: ScopeTable, view: AccessView, now: Int64
    ) -> AccessExplanation {
        var answer = AccessExplanation(
            product: view.product, source: view.source, key: name, capability: id, allowed: false, reason: "",
            summary: "", evidence: [])
        switch table.decide(key: name, capability: id, now: now) {
        case .deny(let reason) where reason != .notInScope:
            answer.reason = reason.words
            answer.summary = reason.explanation
            if reason == .keyExpired, let key = view.keys.first(where: { $0.name == name }), let expires = key.expires {
                answer.evidence = [AccessView.Grant(.expires, "expires: \(expires)", place: nil)]
            }
            return answer
        case .allow, .deny:
            guard let key = view.keys.first(where: { $0.name == name }),
                let capability = view.capabilities.first(where: { $0.id == id })
            else { return answer }
            return decided(answer, key: key, capability: capability, in: view)
        }
    }

    private static func decided(
        _ start: AccessExplanation, key: AccessView.KeyView, capability: AccessView.CapabilityView, in view: AccessView
    ) -> AccessExplanation {
        var answer = start
        if let grant = view.grant(of: key, for: capability) {
            answer.allowed = true
            answer.reason = grant.kind == .unscoped ? "unscoped" : "in-scope"
            answer.summary =
                grant.kind == .unscoped
                ? "key \(Quote.quoted(key.name)) is unscoped: it may call every capability of \(Quote.quoted(view.product))"
                : grant.text.hasPrefix("tag:")
                    ? "key \(Quote.quoted(key.name)) selects \(Quote.quoted(grant.text)), and \(Quote.quoted(capability.id)) carries that tag"
                    : "key \(Quote.quoted(key.name)) names \(Quote.quoted(capability.id)) in its scope"
            answer.evidence = [grant]
            if grant.text.hasPrefix("tag:") {
                answer.evidence.append(
                    AccessView.Grant(
                        .capabilityTags, "\(capability.id) tags: [\(capability.tags.joined(separator: ", "))]",
                        place: capability.place))
            }
        } else {
            answer.reason = DenyReason.notInScope.words
            answer.summary =
                key.entries.isEmpty
                ? "key \(Quote.quoted(key.name)) has an empty scope"
                : "no scope entry of key \(Quote.quoted(key.name)) names \(Quote.quoted(capability.id)) or one of its tags"
            answer.evidence = key.entries
        }
        return answer
    }
}

/// Every key that reaches a capability, and how (`keyscope who-can`).
public struct CapabilityHolders: Sendable, Hashable {
    public struct Holder: Sendable, Hashable {
        public var key: String
        public var audience: String
        /// `unscoped`, the capability id, or `tag:NAME`.
        public var via: String
        public var place: String?
        public var expires: CalendarDate?
        /// True when the key's last day is before the check date: listed, but denied at the gateway.
        public var expired: Bool
    }

    public var product: String
    public var source: String
    public var capability: String
    /// Sorted by key name.
    public var holders: [Holder]

    /// The holders of `capability` in `view`, or nil when the product has no such capability.
    public static func find(_ capability: String, in view: AccessView, on date: CalendarDate) -> CapabilityHolders? {
        guard let entry = view.capabilities.first(where: { $0.id == capability }) else { return nil }
        let holders = view.keys.compactMap { key -> Holder? in
            guard let grant = view.grant(of: key, for: entry) else { return nil }
            return Holder(
                key: key.name, audience: key.audience, via: grant.text, place: grant.place, expires: key.expires,
                expired: key.expires.map { date > $0 } ?? false)
        }
        return CapabilityHolders(
            product: view.product, source: view.source, capability: capability,
            holders: holders.sorted { bytewiseLess($0.key, $1.key) })
    }
}
