import KeyscopeAccess
import Testing

@Suite struct AccessModelTests {
    static let catalog = AccessCatalog([
        .init(id: "cap_a", owner: "support", tags: ["safe"]),
        .init(id: "cap_b", owner: "commerce", tags: []),
        .init(id: "cap_i", owner: "platform", tags: ["internal"]),
    ])

    func key(
        _ capabilities: [String] = [], name: String = "k", audience: String = "customer", owners: [String] = ["mobile"],
        expires: String? = nil, unscoped: Bool = false
    ) -> KeyAccess {
        KeyAccess(
            name: name, description: nil, audience: audience, owners: owners, expires: expires, unscoped: unscoped,
            capabilities: capabilities, selectors: [])
    }

    @Test func unscopedReachesTheWholeCatalogAndExternalKeysAreExposed() {
        let access = EffectiveAccess(key(unscoped: true), in: Self.catalog)
        #expect(access.reach == ["cap_a", "cap_b", "cap_i"])
        #expect(access.exposure == ["cap_i"])
        #expect(EffectiveAccess(key(audience: "internal", unscoped: true), in: Self.catalog).exposure.isEmpty)
        #expect(EffectiveAccess(key(["cap_a", "cap_gone"]), in: Self.catalog).reach == ["cap_a"])
    }

    @Test func vocabularyIsTheOneDefinition() {
        #expect(AccessVocabulary.isExternal(audience: "customer") && AccessVocabulary.isExternal(audience: "partner"))
        #expect(
            !AccessVocabulary.isExternal(audience: "internal") && !AccessVocabulary.isExternal(audience: "first-party"))
        #expect(
            AccessVocabulary.isInternal(tags: ["x", "internal"]) && !AccessVocabulary.isInternal(tags: ["internal-ish"])
        )
    }

    @Test func scopedWhileRetaggedInternalIsCritical() {
        // Issue 10, class 1: unscoped -> scoped to a capability that becomes internal in the same change.
        let before = AccessCatalog([
            .init(id: "cap_c3", owner: "support", tags: []), .init(id: "cap_x", owner: "support", tags: []),
        ])
        let after = AccessCatalog([
            .init(id: "cap_c3", owner: "support", tags: ["internal"]), .init(id: "cap_x", owner: "support", tags: []),
        ])
        let assessment = KeyAssessment(before: key(unscoped: true), in: before, after: key(["cap_c3"]), in: after)
        #expect(assessment.rank == .critical)
        #expect(assessment.newlyExposed == ["cap_c3"])
        #expect(assessment.approvers == ["mobile", "support"])
    }

    @Test func ranksFollowTheRules() {
        let c = Self.catalog
        #expect(KeyAssessment(before: nil, in: c, after: key(["cap_a"]), in: c).rank == .high)
        #expect(KeyAssessment(before: nil, in: c, after: key(["cap_i"]), in: c).rank == .critical)
        #expect(
            KeyAssessment(before: nil, in: c, after: key(audience: "internal", unscoped: true), in: c).rank == .critical
        )
        #expect(KeyAssessment(before: key(["cap_a"]), in: c, after: key(["cap_a", "cap_b"]), in: c).rank == .high)
        #expect(
            KeyAssessment(before: key(["cap_a"]), in: c, after: key(["cap_a"], audience: "internal"), in: c).rank
                == .medium)
        #expect(
            KeyAssessment(before: key(["cap_i"], audience: "internal"), in: c, after: key(["cap_i"]), in: c).rank
                == .critical)
        #expect(
            KeyAssessment(before: key(["cap_a"], expires: "2027-01-01"), in: c, after: key(["cap_a"]), in: c).rank
                == .medium)
        #expect(
            KeyAssessment(
                before: key(["cap_a"], expires: "2027-01-01"), in: c, after: key(["cap_a"], expires: "2026-01-01"),
                in: c
            ).rank == .low)
        #expect(KeyAssessment(before: key(["cap_a", "cap_b"]), in: c, after: key(["cap_a"]), in: c).rank == .low)
        #expect(KeyAssessment(before: key(["cap_a"]), in: c, after: nil, in: c).rank == .low)
        // Approvers: owners only below high; plus the owners of what is newly reached at high and above.
        #expect(
            KeyAssessment(before: key(["cap_a"]), in: c, after: key(["cap_a"], owners: ["web"]), in: c).approvers == [
                "mobile", "web",
            ])
        #expect(
            KeyAssessment(before: key(["cap_a"]), in: c, after: key(["cap_a", "cap_b"]), in: c).approvers == [
                "commerce", "mobile",
            ])
    }

    @Test func catalogAdditionReachesUnscopedKeys() {
        let grown = AccessCatalog(
            Self.catalog.entries.values.map { $0 } + [.init(id: "cap_new", owner: "billing", tags: [])])
        let assessment = KeyAssessment(
            before: key(audience: "internal", unscoped: true), in: Self.catalog,
            after: key(audience: "internal", unscoped: true), in: grown)
        #expect(assessment.rank == .high)
        #expect(assessment.gained == ["cap_new"])
        #expect(assessment.approvers == ["billing", "mobile"])
        let delta = CatalogDelta(old: Self.catalog, new: grown)
        #expect(delta.mayChangeAccess(unscoped: true, external: false))
        #expect(!delta.mayChangeAccess(unscoped: false, external: true))
    }

    @Test func retagChangesExternalKeysOnly() {
        let retagged = AccessCatalog([
            .init(id: "cap_a", owner: "support", tags: ["safe"]),
            .init(id: "cap_b", owner: "commerce", tags: ["internal"]),
            .init(id: "cap_i", owner: "platform", tags: ["internal"]),
        ])
        let delta = CatalogDelta(old: Self.catalog, new: retagged)
        #expect(delta.internalChanged && !delta.membershipChanged)
        #expect(delta.mayChangeAccess(unscoped: false, external: true))
        #expect(!delta.mayChangeAccess(unscoped: true, external: false))
    }

    @Test func rankOrderIsBySeverity() {
        #expect(Rank.low < .medium && Rank.medium < .high && Rank.high < .critical)
        #expect([Rank.low, .critical, .medium].max() == .critical)
    }

    @Test func alikeComparesEveryAttribute() {
        let base = key(["cap_a"])
        #expect(base.isAlike(ignoringName: key(["cap_a"], name: "other")))
        #expect(!base.isAlike(ignoringName: key(["cap_b"])))
        #expect(!base.isAlike(ignoringName: key(["cap_a"], owners: ["web"])))
        #expect(!base.isAlike(ignoringName: key(["cap_a"], expires: "2027-01-01")))
        #expect(!base.isAlike(ignoringName: key(["cap_a"], audience: "partner")))
        #expect(base != key(["cap_a"], name: "other"))
    }
}
