import Foundation
import KeyscopePolicy
import KeyscopeReview
import KeyscopeTestSupport
import Testing

/// A state from in-memory policy files (must validate).
func state(_ files: [String: String], label: String = "policy") throws -> AccessState {
    let loaded = PolicyLoader().load(
        files: files.sorted { $0.key < $1.key }.map { SourceFile(path: $0.key, text: $0.value) })
    let result = PolicyValidator.validate(loaded, checkDate: CalendarDate(parsing: "2026-11-27")!)
    let errors = result.diagnostics.filter { $0.severity == .error }
    guard errors.isEmpty else {
        throw TestFailure(errors.map { "\($0.location): \($0.message)" }.joined(separator: "; "))
    }
    return AccessState(source: label, validation: result)
}

let product = """
    apiVersion: keyscope/v1
    kind: Product
    id: shop
    name: Shop
    capabilities:
      - {id: cap_faq, name: FAQ, owner: support, tags: [safe]}
      - {id: cap_orders, name: Orders, owner: commerce}
      - {id: cap_admin, name: Admin, owner: platform, tags: [internal]}
    """

let teams = """
    apiVersion: keyscope/v1
    kind: Team
    id: support
    name: Support
    reviewers: ["@acme/support"]
    ---
    apiVersion: keyscope/v1
    kind: Team
    id: commerce
    name: Commerce
    reviewers: ["@acme/commerce"]
    ---
    apiVersion: keyscope/v1
    kind: Team
    id: platform
    name: Platform
    reviewers: ["@acme/platform"]
    """

func policy(keys: String, product productText: String = product, extra: [String: String] = [:]) -> [String: String] {
    var files = [
        "product.yaml": productText, "teams.yaml": teams,
        "keys.yaml": "apiVersion: keyscope/v1\nkind: KeySet\nproduct: shop\nowners: [support]\nkeys:\n" + keys,
    ]
    for (path, text) in extra { files[path] = text }
    return files
}

func diff(_ before: [String: String], _ after: [String: String]) throws -> AccessDiff {
    AccessDiff(from: try state(before, label: "before"), to: try state(after, label: "after"))
}

let customerFAQ = "  - {name: a, audience: customer, capabilities: [cap_faq], expires: 2027-06-30}\n"

@Suite struct AccessDiffTests {
    @Test func identicalStatesHaveNoChanges() throws {
        #expect(try diff(policy(keys: customerFAQ), policy(keys: customerFAQ)).isEmpty)
    }

    @Test func newKeyIsHigh() throws {
        let d = try diff(
            policy(keys: customerFAQ),
            policy(keys: customerFAQ + "  - {name: b, audience: customer, capabilities: [cap_orders]}\n"))
        #expect(d.changes.map(\.kind) == [.keyAdded])
        #expect(d.changes[0].rank == .high)
        #expect(
            d.changes[0].approvers == ["commerce", "support"], "key owners and the owner of each granted capability")
        #expect(d.approvers["commerce"] == ["@acme/commerce"])
    }

    /// SPEC §12: a fingerprint added is a new credential (high, the key's owners approve); removed, low.
    @Test func fingerprintsAreCredentials() throws {
        let one = "sha256:" + String(repeating: "a", count: 64)
        let two = "sha256:" + String(repeating: "b", count: 64)
        let before = policy(
            keys:
                "  - {name: a, audience: customer, capabilities: [cap_faq], expires: 2027-06-30, fingerprints: [\(one)]}\n"
        )
        let after = policy(
            keys:
                "  - {name: a, audience: customer, capabilities: [cap_faq], expires: 2027-06-30, fingerprints: [\(one), \(two)]}\n"
        )
        let added = try diff(before, after)
        #expect(added.changes.map(\.kind) == [.fingerprintAdded])
        #expect(added.changes[0].rank == .high)
        #expect(added.changes[0].approvers == ["support"])
        #expect(added.changes[0].details == ["+ \(two)"])
        let removed = try diff(after, before)
        #expect(removed.changes.map(\.kind) == [.fingerprintRemoved])
        #expect(removed.changes[0].rank == .low)
    }

    /// SPEC §12: a route moving to a capability a customer key holds is new access for that key.
    @Test func routesRankByWhoCanCallThem() throws {
        func product(faq: [String], orders: [String], admin: [String]) -> String {
            func list(_ routes: [String]) -> String { "[" + routes.map { "'\($0)'" }.joined(separator: ", ") + "]" }
            return """
                apiVersion: keyscope/v1
                kind: Product
                id: shop
                name: Shop
                capabilities:
                  - {id: cap_faq, name: FAQ, owner: support, tags: [safe], routes: \(list(faq))}
                  - {id: cap_orders, name: Orders, owner: commerce, routes: \(list(orders))}
                  - {id: cap_admin, name: Admin, owner: platform, tags: [internal], routes: \(list(admin))}
                """
        }
        let keys = customerFAQ + "  - {name: ops, audience: internal, owners: [platform], capabilities: [cap_admin]}\n"
        let base = policy(
            keys: keys, product: product(faq: ["GET /v1/faq"], orders: ["GET /v1/orders/{id}"], admin: []))
        let moved = policy(
            keys: keys, product: product(faq: ["GET /v1/faq", "GET /v1/orders/{order}"], orders: [], admin: []))
        let d = try diff(base, moved)
        let change = try #require(d.changes.first { $0.kind == .routeMoved })
        #expect(change.rank == .high, "customer key `a` can now call it")
        #expect(change.subject == "GET /v1/orders/{order}")
        #expect(change.details == ["keys that can call it now and could not before: `a` (customer)"])
        #expect(Set(change.approvers) == ["commerce", "support"])
        #expect(try diff(moved, base).changes.first { $0.kind == .routeMoved }?.rank == .low, "back: nobody gains it")
        let toAdmin = policy(
            keys: keys, product: product(faq: ["GET /v1/faq"], orders: [], admin: ["GET /v1/orders/{id}"]))
        #expect(try diff(base, toAdmin).changes.first { $0.kind == .routeMoved }?.rank == .high, "ops gains it")
        let removed = policy(keys: keys, product: product(faq: ["GET /v1/faq"], orders: [], admin: []))
        #expect(try diff(base, removed).changes.map(\.kind) == [.routeRemoved])
        #expect(try diff(base, removed).changes[0].rank == .low)
        // A parameter renamed matches the same requests: no change of access.
        let renamed = policy(
            keys: keys, product: product(faq: ["GET /v1/faq"], orders: ["GET /v1/orders/{n}"], admin: []))
        #expect(try diff(base, renamed).isEmpty)
    }

    @Test func newUnscopedKeyIsCritical() throws {
        let d = try diff(
            policy(keys: customerFAQ),
            policy(
                keys: customerFAQ
                    + "  - {name: ops, audience: internal, unscoped: true, justification: j, expires: 2027-01-15}\n"))
        #expect(d.changes.map(\.rank) == [.critical])
        #expect(d.changes[0].kind == .keyAdded)
    }

    @Test func becomingUnscopedIsCritical() throws {
        let before = policy(keys: "  - {name: ops, audience: internal, capabilities: [cap_faq]}\n")
        let after = policy(
            keys: "  - {name: ops, audience: internal, unscoped: true, justification: j, expires: 2027-01-15}\n")
        let d = try diff(before, after)
        #expect(d.changes.first { $0.kind == .becameUnscoped }?.rank == .critical)
        #expect(try diff(after, before).changes.first { $0.kind == .becameScoped }?.rank == .low)
    }

    @Test func gainedAndLostCapabilities() throws {
        let d = try diff(
            policy(keys: customerFAQ),
            policy(keys: "  - {name: a, audience: customer, capabilities: [cap_orders], expires: 2027-06-30}\n"))
        #expect(d.changes.map(\.kind) == [.capabilitiesGained, .capabilitiesLost])
        #expect(d.changes.map(\.rank) == [.high, .low])
        #expect(d.changes[0].gained.map(\.id) == ["cap_orders"])
    }

    @Test func catalogRetagWidensSelectorsOnEveryAffectedKey() throws {
        let keys =
            "  - {name: a, audience: customer, capabilities: [\"tag:safe\"]}\n  - {name: b, audience: first-party, capabilities: [\"tag:safe\"]}\n  - {name: c, audience: customer, capabilities: [cap_faq]}\n"
        let retagged = product.replacingAll(
            "{id: cap_orders, name: Orders, owner: commerce}",
            "{id: cap_orders, name: Orders, owner: commerce, tags: [safe]}")
        let d = try diff(policy(keys: keys), policy(keys: keys, product: retagged))
        let gains = d.changes.filter { $0.kind == .capabilitiesGained }
        #expect(gains.map(\.subject) == ["a", "b"])
        #expect(
            gains.allSatisfy { $0.gained == [GainedCapability(id: "cap_orders", via: "tag:safe", isInternal: false)] })
        #expect(gains.allSatisfy { $0.rank == .high })
        #expect(d.changes.contains { $0.kind == .capabilityRetagged && $0.rank == .low })
    }

    @Test func internalCapabilityReachingAPartnerKeyIsCritical() throws {
        // Only possible when the internal-exposure rule is switched off, which is itself critical.
        let settings = ["settings.yaml": "apiVersion: keyscope/v1\nkind: Settings\nrules:\n  internal-exposure: off\n"]
        let before = policy(keys: "  - {name: p, audience: partner, capabilities: [cap_faq]}\n", extra: settings)
        let after = policy(
            keys: "  - {name: p, audience: partner, capabilities: [cap_faq, cap_admin]}\n", extra: settings)
        let d = try diff(before, after)
        #expect(d.changes.count == 1)
        #expect(d.changes[0].rank == .critical)
        #expect(d.changes[0].gained == [GainedCapability(id: "cap_admin", via: nil, isInternal: true)])
        #expect(d.changes[0].approvers == ["platform", "support"])
    }

    @Test func audienceTurningExternalWithInternalAccessIsCritical() throws {
        let settings = [
            "settings.yaml": "apiVersion: keyscope/v1\nkind: Settings\nrules:\n  internal-exposure: warning\n"
        ]
        let before = policy(keys: "  - {name: p, audience: internal, capabilities: [cap_admin]}\n", extra: settings)
        let after = policy(keys: "  - {name: p, audience: partner, capabilities: [cap_admin]}\n", extra: settings)
        let d = try diff(before, after)
        #expect(d.changes.map(\.rank) == [.critical, .medium])
        #expect(d.changes.map(\.kind) == [.internalExposure, .audienceChanged])
        #expect(d.changes[0].approvers == ["platform", "support"])
    }

    @Test func ownersAndExpiry() throws {
        let d = try diff(
            policy(keys: customerFAQ),
            policy(
                keys:
                    "  - {name: a, audience: customer, owners: [commerce], capabilities: [cap_faq], expires: 2027-12-31}\n"
            ))
        #expect(d.changes.map(\.kind).sorted { $0.rawValue < $1.rawValue } == [.expiryExtended, .ownersChanged])
        #expect(d.changes.allSatisfy { $0.rank == .medium })
        #expect(d.changes[0].approvers == ["commerce", "support"], "old and new owners approve an ownership change")
        let removed = try diff(
            policy(keys: customerFAQ), policy(keys: "  - {name: a, audience: customer, capabilities: [cap_faq]}\n"))
        #expect(removed.changes.map(\.kind) == [.expiryRemoved])
        #expect(removed.changes[0].rank == .medium)
        let shortened = try diff(
            policy(keys: customerFAQ),
            policy(keys: "  - {name: a, audience: customer, capabilities: [cap_faq], expires: 2027-01-31}\n"))
        #expect(shortened.changes.map(\.rank) == [.low])
    }

    @Test func removalsAndDescriptionsAreLow() throws {
        let two = customerFAQ + "  - {name: b, audience: customer, capabilities: [cap_faq]}\n"
        #expect(try diff(policy(keys: two), policy(keys: customerFAQ)).changes.map(\.rank) == [.low])
        let described =
            "  - {name: a, description: hello, audience: customer, capabilities: [cap_faq], expires: 2027-06-30}\n"
        #expect(
            try diff(policy(keys: customerFAQ), policy(keys: described)).changes.map(\.kind) == [.descriptionChanged])
    }

    @Test func capabilityOwnerChangeIsMedium() throws {
        let moved = product.replacingAll(
            "{id: cap_orders, name: Orders, owner: commerce}", "{id: cap_orders, name: Orders, owner: support}")
        let d = try diff(policy(keys: customerFAQ), policy(keys: customerFAQ, product: moved))
        #expect(d.changes.map(\.kind) == [.capabilityOwnerChanged])
        #expect(d.changes[0].rank == .medium)
        #expect(d.changes[0].approvers == ["commerce", "support"])
    }

    @Test func weakeningSettingsIsCriticalStrengtheningIsLow() throws {
        let weaker = [
            "settings.yaml":
                "apiVersion: keyscope/v1\nkind: Settings\nunscopedMaxDays: 365\nrules:\n  deprecated-capability: off\n"
        ]
        let d = try diff(policy(keys: customerFAQ), policy(keys: customerFAQ, extra: weaker))
        #expect(d.changes.map(\.kind) == [.settingsWeakened, .settingsWeakened])
        #expect(d.changes.allSatisfy { $0.rank == .critical })
        let stricter = [
            "settings.yaml":
                "apiVersion: keyscope/v1\nkind: Settings\nunscopedMaxDays: 30\nrules:\n  expired-key: error\n"
        ]
        #expect(
            try diff(policy(keys: customerFAQ), policy(keys: customerFAQ, extra: stricter)).changes.allSatisfy {
                $0.rank == .low
            })
    }

    @Test func settingsOwnersApproveSettingsChanges() throws {
        let owned = ["settings.yaml": "apiVersion: keyscope/v1\nkind: Settings\nowners: [platform]\n"]
        let weakenedOwned = [
            "settings.yaml": "apiVersion: keyscope/v1\nkind: Settings\nowners: [platform]\nrules:\n  expired-key: off\n"
        ]
        let d = try diff(policy(keys: customerFAQ, extra: owned), policy(keys: customerFAQ, extra: weakenedOwned))
        #expect(d.changes.map(\.kind) == [.settingsWeakened])
        #expect(d.changes[0].approvers == ["platform"])
        #expect(d.changes[0].details.isEmpty)
        #expect(d.approvers["platform"] == ["@acme/platform"])

        // Without owners, nobody in particular approves, and the change says so.
        let weakened = ["settings.yaml": "apiVersion: keyscope/v1\nkind: Settings\nrules:\n  expired-key: off\n"]
        let unowned = try diff(policy(keys: customerFAQ), policy(keys: customerFAQ, extra: weakened))
        #expect(unowned.changes[0].approvers.isEmpty)
        #expect(unowned.changes[0].details.contains { $0.contains("no team owns the Settings document") })

        // Dropping an owner weakens review: critical, and the dropped team approves.
        let dropped = try diff(policy(keys: customerFAQ, extra: owned), policy(keys: customerFAQ))
        #expect(dropped.changes.map(\.kind) == [.settingsWeakened])
        #expect(dropped.changes[0].rank == .critical)
        #expect(dropped.changes[0].subject == "owners")
        #expect(dropped.changes[0].approvers == ["platform"])
        // Adding one strengthens it.
        let added = try diff(policy(keys: customerFAQ), policy(keys: customerFAQ, extra: owned))
        #expect(added.changes.map(\.kind) == [.settingsStrengthened])
        #expect(added.changes[0].rank == .low)
    }

    @Test func rankingOrderAndThresholds() throws {
        let after =
            customerFAQ.replacingAll("expires: 2027-06-30", "expires: 2028-01-01")
            + "  - {name: z, audience: internal, unscoped: true, justification: j, expires: 2027-01-15}\n"
        let d = try diff(policy(keys: customerFAQ), policy(keys: after))
        #expect(d.changes.map(\.rank) == d.changes.map(\.rank).sorted(by: >))
        #expect(d.has(atLeast: .critical))
        #expect(d.has(atLeast: .medium))
    }

    @Test func renderersAreStableAndEscaped() throws {
        let d = try diff(
            policy(keys: customerFAQ),
            policy(keys: customerFAQ + "  - {name: b, audience: customer, capabilities: [cap_orders]}\n"))
        #expect(DiffRenderer.text(d, color: false) == DiffRenderer.text(d, color: false))
        #expect(DiffRenderer.text(d, color: false).contains("HIGH     [shop] new customer key `b` with 1 capability"))
        #expect(!DiffRenderer.text(d, color: false).contains("\u{1B}"))
        #expect(DiffRenderer.text(d, color: true).contains("\u{1B}[1;33m"))
        #expect(DiffRenderer.markdown(d).contains("| 🟠 high | 1 |"))
        #expect(DiffRenderer.json(d).contains("\"kind\": \"key-added\""))
    }

    @Test func markdownSummarisesLargeChanges() throws {
        var keys = ""
        for i in 0..<120 { keys += "  - {name: k\(i), audience: customer, capabilities: [cap_faq]}\n" }
        let d = try diff(policy(keys: customerFAQ), policy(keys: customerFAQ + keys))
        let markdown = DiffRenderer.markdown(d, limit: 50)
        #expect(markdown.contains("… and 70 more high changes"))
        #expect(markdown.split(separator: "\n").count < 120)
    }
}

@Suite struct ReachChangeTests {
    @Test func retaggingACapabilityInternalExposesExternalKeys() throws {
        let settings = ["settings.yaml": "apiVersion: keyscope/v1\nkind: Settings\nrules:\n  internal-exposure: off\n"]
        let keys =
            "  - {name: p, audience: partner, capabilities: [cap_orders]}\n  - {name: i, audience: internal, capabilities: [cap_orders]}\n"
        let retagged = product.replacingAll(
            "{id: cap_orders, name: Orders, owner: commerce}",
            "{id: cap_orders, name: Orders, owner: commerce, tags: [internal]}")
        let d = try diff(policy(keys: keys, extra: settings), policy(keys: keys, product: retagged, extra: settings))
        let exposure = d.changes.filter { $0.kind == .internalExposure }
        #expect(exposure.map(\.subject) == ["p"], "only the external key is exposed")
        #expect(exposure.first?.rank == .critical)
        #expect(exposure.first?.approvers == ["commerce", "support"])
    }

    @Test func newCapabilitiesReachUnscopedKeys() throws {
        let keys = "  - {name: ops, audience: internal, unscoped: true, justification: j, expires: 2027-01-15}\n"
        let grown = product + "\n  - {id: cap_refunds, name: Refunds, owner: commerce}"
        let d = try diff(policy(keys: keys), policy(keys: keys, product: grown))
        let gains = d.changes.filter { $0.kind == .capabilitiesGained }
        #expect(gains.map(\.subject) == ["ops"])
        #expect(gains.first?.rank == .high)
        #expect(gains.first?.gained.map(\.id) == ["cap_refunds"])
        #expect(gains.first?.approvers == ["commerce", "support"])
    }
}

@Suite struct RenameTests {
    @Test func identicalKeyUnderANewNameIsARename() throws {
        let before = policy(
            keys: "  - {name: old-name, audience: customer, capabilities: [cap_faq], expires: 2027-06-30}\n")
        let after = policy(
            keys: "  - {name: new-name, audience: customer, capabilities: [cap_faq], expires: 2027-06-30}\n")
        let d = try diff(before, after)
        #expect(d.changes.map(\.kind) == [.keyRenamed])
        // A new name is a new principal at the gateway: ranked as the new key it is.
        #expect(d.changes.first?.rank == .high)
        #expect(d.changes.first?.previousSubject == "old-name")
        #expect(d.changes.first?.approvers == ["support"])
        #expect(d.changes.first?.summary.hasPrefix("key `old-name` renamed to `new-name`") == true)
    }

    @Test func differentSettingsAreNotARename() throws {
        let before = policy(keys: "  - {name: old-name, audience: customer, capabilities: [cap_faq]}\n")
        let after = policy(keys: "  - {name: new-name, audience: customer, capabilities: [cap_faq, cap_orders]}\n")
        #expect(
            try diff(before, after).changes.map(\.kind).sorted { $0.rawValue < $1.rawValue } == [
                .keyAdded, .keyRemoved,
            ])
    }

    @Test func ambiguousMatchesAreNotRenames() throws {
        let before = policy(
            keys:
                "  - {name: a1, audience: customer, capabilities: [cap_faq]}\n  - {name: a2, audience: customer, capabilities: [cap_faq]}\n"
        )
        let after = policy(keys: "  - {name: b1, audience: customer, capabilities: [cap_faq]}\n")
        let kinds = try diff(before, after).changes.map(\.kind)
        #expect(!kinds.contains(.keyRenamed))
        #expect(kinds.count { $0 == .keyRemoved } == 2)
    }
}

/// Issue 10, items 4 and 5: who approves comes from the base, and a state with rule errors is reviewed.
@Suite struct ReviewTrustTests {
    @Test func approversComeFromTheBaseState() throws {
        // The pull request rewrites commerce's reviewers and grants a commerce capability.
        let mallory = teams.replacingOccurrences(
            of: "reviewers: [\"@acme/commerce\"]", with: "reviewers: [\"@mallory\"]")
        let before = policy(keys: customerFAQ)
        let after = policy(keys: customerFAQ.replacingOccurrences(of: "[cap_faq]", with: "[cap_faq, cap_orders]"))
            .merging(["teams.yaml": mallory]) { $1 }
        let d = try diff(before, after)
        #expect(d.approvers["commerce"] == ["@acme/commerce"])
        let reviewers = try #require(d.changes.first { $0.kind == .teamReviewersChanged })
        #expect(reviewers.approvers == ["commerce"])
        #expect(
            DiffRenderer.markdown(d).contains("@mallory") == false
                || DiffRenderer.markdown(d).contains("`commerce` (@acme/commerce)"))
    }

    @Test func aTeamAddedByTheChangeApprovesNothing() throws {
        let newTeam =
            teams + "\n---\napiVersion: keyscope/v1\nkind: Team\nid: rogue\nname: Rogue\nreviewers: [\"@mallory\"]\n"
        let before = policy(keys: customerFAQ)
        let after = policy(
            keys: customerFAQ + "  - {name: b, audience: customer, owners: [rogue], capabilities: [cap_orders]}\n"
        ).merging(["teams.yaml": newTeam]) { $1 }
        let d = try diff(before, after)
        let added = try #require(d.changes.first { $0.kind == .keyAdded })
        #expect(added.approvers == ["commerce"])
        #expect(added.details.contains { $0.contains("`rogue` is not a team of before") })
        #expect(d.approvers["rogue"] == nil)
    }

    @Test func aStateWithRuleErrorsIsReviewedAndCounted() throws {
        let directory = try TestPaths.temporaryDirectory("rule-errors")
        defer { try? FileManager.default.removeItem(at: directory) }
        // An internal capability granted to a customer key: an error under default settings.
        try TestPaths.write(policy(keys: customerFAQ), under: directory.appendingPathComponent("before"))
        try TestPaths.write(
            policy(keys: customerFAQ.replacingOccurrences(of: "[cap_faq]", with: "[cap_faq, cap_admin]")),
            under: directory.appendingPathComponent("after"))
        let loader = StateLoader(trustedKeys: [], checkDate: CalendarDate(parsing: "2026-11-27")!)
        let (old, new) = try loader.loadPair(
            .policy(directory.appendingPathComponent("before").path),
            .policy(directory.appendingPathComponent("after").path))
        let d = AccessDiff(from: old, to: new)
        #expect(d.fromErrors == 0 && d.toErrors == 1)
        #expect(d.changes.first?.rank == .critical)
        #expect(DiffRenderer.text(d, color: false).split(separator: "\n")[1].hasPrefix("rule errors:"))
        #expect(DiffRenderer.json(d).contains("\"errors\": {\n    \"from\": 0,\n    \"to\": 1\n  }"))
        #expect(DiffRenderer.markdown(d).contains("cannot be compiled"))
        // A file that does not read as policy still refuses the state.
        try TestPaths.write(
            ["broken.yaml": "apiVersion: keyscope/v1\nkind: Team\nid: x\nname: X\nsurprise: 1\n"],
            under: directory.appendingPathComponent("after"))
        #expect(throws: StateError.self) { try loader.load(.policy(directory.appendingPathComponent("after").path)) }
    }
}

/// Issue 11.7: free text from the pull request cannot link, embed or mention in the PR comment.
@Suite struct MarkdownSafetyTests {
    @Test func untrustedTextIsCodeAndTheCommentIsCapped() throws {
        let hostile = product.replacingAll(
            "{id: cap_orders, name: Orders, owner: commerce}",
            "{id: cap_orders, name: \"[click](https://phish.example) ![x](https://t.example/p.png) @acme/everyone `` ` \", owner: commerce}"
        )
        let d = try diff(policy(keys: customerFAQ), policy(keys: customerFAQ, product: hostile))
        let markdown = DiffRenderer.markdown(d)
        let line = try #require(markdown.split(separator: "\n").first { $0.contains("phish") })
        // The whole summary is one code span whose fence is longer than any backtick run inside it.
        #expect(line.hasPrefix("- ```"), "\(line)")
        #expect(!markdown.contains("- [click]"))
        var keys = ""
        for i in 0..<3_000 { keys += "  - {name: k\(i), audience: customer, capabilities: [cap_faq]}\n" }
        let big = try diff(policy(keys: customerFAQ), policy(keys: customerFAQ + keys))
        let capped = DiffRenderer.markdown(big, limit: 5_000)
        #expect(capped.count < 65_536)
        #expect(capped.contains("comment cut at 60000 characters"))
    }
}
