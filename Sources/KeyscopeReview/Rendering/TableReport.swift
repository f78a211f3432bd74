import KeyscopePolicy
import KeyscopeTable
import KeyscopeTableTools

/// A table as `inspect` shows it: the header, then every capability and key. Text for
/// people (names sanitised), JSON (`keyscope.inspect/v1`) for scripts.
public enum TableReport {
    public static func text(table: ScopeTable, contents: TableContents) -> String {
        let h = table.header
        var out = """
            product:      \(Quote.sanitized(h.productID)) (\(Quote.sanitized(h.productName)))
            serial:       \(h.serial)
            issued at:    \(Timestamp.iso8601(h.issuedAt))
            expires at:   \(Timestamp.iso8601(h.expiresAt))
            revision:     \(h.revision.map { Quote.sanitized($0) } ?? "-")
            format:       v\(h.formatVersion), \(table.byteCount) bytes
            signed by:    \(table.signer)
            counts:       \(h.capabilityCount) capabilities, \(h.keyCount) keys, \(h.teamCount) teams, \(h.scopeSetCount) distinct scope sets, \(h.fingerprintCount) fingerprints, \(h.routeCount) routes

            capabilities:

            """
        // Columns padded to the widest entry (in characters), so that ids, names and owners line up.
        func padded(_ text: String, _ width: Int) -> String {
            text + String(repeating: " ", count: max(0, width - text.count))
        }
        let capabilityIDs = contents.capabilities.map { Quote.sanitized($0.id) }
        let capabilityNames = contents.capabilities.map { Quote.sanitized($0.name) }
        let idWidth = capabilityIDs.map(\.count).max() ?? 0
        let nameWidth = capabilityNames.map(\.count).max() ?? 0
        for (index, capability) in contents.capabilities.enumerated() {
            let tags = capability.tags.isEmpty ? "" : " [\(capability.tags.joined(separator: ", "))]"
            let deprecated = capability.deprecated.map { " (deprecated: \(Quote.sanitized($0)))" } ?? ""
            let owner = contents.teams[capability.owner].id
            out += "  \(padded(capabilityIDs[index], idWidth))  \(padded(capabilityNames[index], nameWidth))"
            out += "  owner \(owner)\(tags)\(deprecated)\n"
            for route in capability.routes { out += "    \(Quote.sanitized(route))\n" }
        }
        out += "\nkeys:\n"
        let keyNames = contents.keys.map { Quote.sanitized($0.name) }
        let keyWidth = keyNames.map(\.count).max() ?? 0
        let audienceWidth = contents.keys.map(\.audience.name.count).max() ?? 0
        for (index, key) in contents.keys.enumerated() {
            let owners = key.owners.map { contents.teams[$0].id }.joined(separator: ", ")
            let expiry = key.expiresDay.map { " expires \(Timestamp.date(day: $0))" } ?? ""
            let scope =
                key.unscoped
                ? "UNSCOPED" : key.capabilities.map { contents.capabilities[$0].id }.joined(separator: ", ")
            out += "  \(padded(keyNames[index], keyWidth))  \(padded(key.audience.name, audienceWidth))"
            out += "  owners [\(owners)]\(expiry)\n    \(scope)\n"
            for digest in key.fingerprints { out += "    fingerprint \(KeyFingerprint.text(digest: digest))\n" }
        }
        return out
    }

    public static func json(table: ScopeTable, contents: TableContents) -> JSONValue {
        let h = table.header
        return .object([
            ("schema", .string("keyscope.inspect/v1")),
            ("product", .string(h.productID)),
            ("productName", .string(h.productName)),
            ("serial", .string(String(h.serial))),
            ("issuedAt", .string(Timestamp.iso8601(h.issuedAt))),
            ("expiresAt", .string(Timestamp.iso8601(h.expiresAt))),
            ("revision", .string(h.revision)),
            ("formatVersion", .int(Int(h.formatVersion))),
            ("bytes", .int(table.byteCount)),
            ("signer", .string(table.signer.description)),
            ("scopeSets", .int(h.scopeSetCount)),
            ("fingerprintCount", .int(h.fingerprintCount)),
            ("routeCount", .int(h.routeCount)),
            (
                "teams",
                .array(
                    contents.teams.map {
                        .object([
                            ("id", .string($0.id)), ("name", .string($0.name)),
                            ("reviewers", .array($0.reviewers.map { .string($0) })),
                        ])
                    })
            ),
            (
                "capabilities",
                .array(
                    contents.capabilities.map { c in
                        .object([
                            ("id", .string(c.id)), ("name", .string(c.name)),
                            ("owner", .string(contents.teams[c.owner].id)),
                            ("tags", .array(c.tags.map { .string($0) })), ("deprecated", .string(c.deprecated)),
                            ("routes", .array(c.routes.map { .string($0) })),
                        ])
                    })
            ),
            (
                "keys",
                .array(
                    contents.keys.map { k in
                        .object([
                            ("name", .string(k.name)), ("description", .string(k.description)),
                            ("audience", .string(k.audience.name)),
                            ("owners", .array(k.owners.map { .string(contents.teams[$0].id) })),
                            ("expires", .string(k.expiresDay.map { Timestamp.date(day: $0) })),
                            ("unscoped", .bool(k.unscoped)),
                            ("capabilities", .array(k.capabilities.map { .string(contents.capabilities[$0].id) })),
                            ("selectors", .array(k.selectors.map { .string("tag:" + $0) })),
                            ("fingerprints", .array(k.fingerprints.map { .string(KeyFingerprint.text(digest: $0)) })),
                        ])
                    })
            ),
        ])
    }
}
