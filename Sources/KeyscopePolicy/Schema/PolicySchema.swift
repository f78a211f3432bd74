import KeyscopeAccess

/// The document kinds of SPEC §2, as schema definitions.
public enum PolicySchema {
    public static let apiVersion = "keyscope/v1"

    // MARK: Formats

    static func isLowerAlnum(_ b: UInt8) -> Bool { (b >= 97 && b <= 122) || (b >= 48 && b <= 57) }
    static func isAlnum(_ b: UInt8) -> Bool { isLowerAlnum(b) || (b >= 65 && b <= 90) }
    /// A letter, digit, `_`, `.` or `-`: the bytes of a handle's parts and an e-mail's local part.
    static func isNameByte(_ b: UInt8) -> Bool { isAlnum(b) || b == 95 || b == 46 || b == 45 }

    /// Whether `text` is a GitHub handle, `@user` or `@org/team` (the first form of `reviewer`).
    public static func isReviewerHandle<Bytes: Collection<UInt8>>(_ utf8: Bytes) -> Bool {
        guard utf8.first == 64 else { return false }
        let parts = utf8.dropFirst().split(separator: 47, omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count) else { return false }
        return parts.allSatisfy { part in part.first.map(isAlnum) ?? false && part.allSatisfy(isNameByte) }
    }

    /// `[a-z0-9][a-z0-9-]{0,62}`: product ids, team ids, key names.
    public static let slug = StringFormat(
        name: "slug", pattern: "^[a-z0-9][a-z0-9-]{0,62}$",
        expectation: "lower-case letters, digits and `-`, starting with a letter or digit, at most 63 characters"
    ) { utf8 in
        guard let first = utf8.first, isLowerAlnum(first), utf8.count <= 63 else { return false }
        return utf8.allSatisfy { isLowerAlnum($0) || $0 == 45 }
    }

    /// `cap_[A-Za-z0-9_]{1,64}`.
    public static let capabilityID = StringFormat(
        name: "capability id", pattern: "^cap_[A-Za-z0-9_]{1,64}$",
        expectation: "`cap_` followed by 1 to 64 letters, digits or `_`"
    ) { utf8 in
        guard utf8.count >= 5, utf8.count <= 68, utf8[0] == 99, utf8[1] == 97, utf8[2] == 112, utf8[3] == 95 else {
            return false
        }
        for index in 4..<utf8.count where !(isAlnum(utf8[index]) || utf8[index] == 95) { return false }
        return true
    }

    /// Tags on capabilities: `[a-z0-9][a-z0-9_-]{0,62}`.
    public static let tag = StringFormat(
        name: "tag", pattern: "^[a-z0-9][a-z0-9_-]{0,62}$",
        expectation: "lower-case letters, digits, `-` and `_`, at most 63 characters"
    ) { utf8 in
        guard let first = utf8.first, isLowerAlnum(first), utf8.count <= 63 else { return false }
        return utf8.allSatisfy { isLowerAlnum($0) || $0 == 45 || $0 == 95 }
    }

    /// A scope entry: a capability id or `tag:<tag>`.
    public static let scopeEntry = StringFormat(
        name: "scope entry", pattern: "^(cap_[A-Za-z0-9_]{1,64}|tag:[a-z0-9][a-z0-9_-]{0,62})$",
        expectation: "a capability id such as `cap_faq`, or a selector such as `tag:safe`"
    ) { utf8 in
        if utf8.count > 4, utf8[0] == 116, utf8[1] == 97, utf8[2] == 103, utf8[3] == 58 {
            return tag.isValid(UnsafeBufferPointer(rebasing: utf8[4...]))
        }
        return capabilityID.isValid(utf8)
    }

    /// `GET /v1/orders/{id}`: a method (or `*`) and a path template (SPEC §12).
    public static let route = StringFormat(
        name: "route", pattern: "^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|\\*) /[^ ]*$",
        expectation:
            "`METHOD /path` with METHOD one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS or `*`, literal segments, `{name}` for one segment and a final `{name...}` for the rest"
    ) { utf8 in
        (try? RouteTemplate(parsing: String(decoding: utf8, as: UTF8.self))) != nil
    }

    /// `sha256:` and the 64 lowercase hex digits of the SHA-256 of a key's secret (SPEC §12).
    /// Lowercase only: two spellings of one digest would let one secret appear as two.
    public static let fingerprint = StringFormat(
        name: "fingerprint", pattern: "^sha256:[0-9a-f]{64}$",
        expectation: "`sha256:` followed by 64 lowercase hex digits (print one with `keyscope fingerprint`)"
    ) { utf8 in
        guard utf8.count == 71, Array(utf8.prefix(7)) == Array("sha256:".utf8) else { return false }
        return utf8.dropFirst(7).allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// A reviewer handle: `@user`, `@org/team`, or a plain e-mail address (as CODEOWNERS accepts).
    /// Only ASCII letters, digits and `._%+-`: a reviewer reaches CODEOWNERS lines, terminals and
    /// PR comments, where a backtick, a control or a bidi character would change what they say.
    public static let reviewer = StringFormat(
        name: "reviewer",
        pattern:
            "^(@[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)?|[A-Za-z0-9._%+-]+@[A-Za-z0-9][A-Za-z0-9.-]*)$",
        expectation: "`@user`, `@org/team` or an e-mail address"
    ) { utf8 in
        let bytes = Array(utf8)
        if bytes.first == 64 { return isReviewerHandle(bytes) }
        let at = bytes.split(separator: 64, omittingEmptySubsequences: false)
        guard at.count == 2, !at[0].isEmpty, let domainFirst = at[1].first, isAlnum(domainFirst) else { return false }
        // Local part: letters, digits, `._%+-`; domain: letters, digits, `.-`.
        return at[0].allSatisfy { isNameByte($0) || $0 == 37 || $0 == 43 }
            && at[1].allSatisfy { isAlnum($0) || $0 == 46 || $0 == 45 }
    }

    /// Free text on one or more lines.
    public static let text = StringFormat(name: "text", pattern: nil, expectation: "text") { _ in true }

    /// Non-empty text of at most 200 characters, none of them a control, bidi, zero-width or
    /// separator character (`Quote.isUnsafe`): names are shown to reviewers as they are.
    public static let name = StringFormat(
        name: "name",
        pattern:
            "^[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u061C\\u180E\\u200B-\\u200F\\u2028-\\u202E\\u2060-\\u2064\\u2066-\\u2069\\uFEFF][^\\u0000-\\u001F\\u007F-\\u009F\\u061C\\u180E\\u200B-\\u200F\\u2028-\\u202E\\u2060-\\u2064\\u2066-\\u2069\\uFEFF]{0,199}$",
        expectation: "non-empty text of at most 200 characters, without control or bidi characters"
    ) { utf8 in
        guard let first = utf8.first, first > 32 else { return false }
        var count = 0
        for scalar in String(decoding: utf8, as: UTF8.self).unicodeScalars {
            count += 1
            if count > 200 || Quote.isUnsafe(scalar) { return false }
        }
        return true
    }

    // MARK: Kinds

    public static let audiences = ["first-party", "internal", "customer", "partner"]
    public static let severities = ["error", "warning", "off"]

    static func header(_ kind: String) -> [FieldSchema] {
        [
            FieldSchema("apiVersion", .constant(apiVersion), required: true, "Always `\(apiVersion)`."),
            FieldSchema("kind", .constant(kind), required: true, "The document kind."),
        ]
    }

    public static let capability = ObjectSchema(
        name: "a capability", title: "Capability",
        documentation: "A capability the product exposes through the gateway.",
        fields: [
            FieldSchema("id", .string(capabilityID), required: true, "Stable id, `cap_…`; what the gateway checks."),
            FieldSchema("name", .string(name), required: true, "Human-readable name."),
            FieldSchema("description", .string(text), "What the capability gives access to."),
            FieldSchema(
                "owner", .string(slug), required: true,
                "The team that owns the capability and approves new grants of it."),
            FieldSchema(
                "tags", .list(.string(tag)),
                "Tags that `tag:` selectors match; `internal` must not reach customer or partner keys."),
            FieldSchema("deprecated", .string(text), "Set to a reason when the capability is being retired."),
            FieldSchema(
                "routes", .list(.string(route)),
                "Requests that call the capability: `METHOD /path/{param}/{rest...}` (METHOD or `*`)."),
        ]
    )

    public static let product = ObjectSchema(
        name: "a product", title: "Product", documentation: "A product and the capabilities it exposes.",
        fields: header("Product") + [
            FieldSchema("id", .string(slug), required: true, "Product id, a slug."),
            FieldSchema("name", .string(name), required: true, "Human-readable name."),
            FieldSchema("description", .string(text), "What the product is."),
            FieldSchema("capabilities", .list(.object(capability)), required: true, "Every capability of the product."),
        ]
    )

    public static let team = ObjectSchema(
        name: "a team", title: "Team", documentation: "A team that owns keys and capabilities.",
        fields: header("Team") + [
            FieldSchema("id", .string(slug), required: true, "Team id, a slug."),
            FieldSchema("name", .string(name), required: true, "Human-readable name."),
            FieldSchema("description", .string(text), "What the team does."),
            FieldSchema(
                "reviewers", .list(.string(reviewer)),
                "GitHub handles or e-mail addresses that approve for the team (CODEOWNERS, approval lists)."),
        ]
    )

    public static let key = ObjectSchema(
        name: "a key", title: "Key", documentation: "An API key and its scope.",
        fields: [
            FieldSchema("name", .string(slug), required: true, "Key name, unique within the product."),
            FieldSchema("description", .string(text), "What the key is for."),
            FieldSchema(
                "audience", .oneOf(audiences), required: true,
                "Who holds the key: first-party, internal, customer or partner."),
            FieldSchema(
                "capabilities", .list(.string(scopeEntry)),
                "The scope: capability ids and `tag:` selectors. Exclusive with `unscoped`."),
            FieldSchema(
                "unscoped", .boolean,
                "`true` grants every capability of the product; needs `justification` and `expires`."),
            FieldSchema("owners", .list(.string(slug)), "Teams that own the key; defaults to the key set's owners."),
            FieldSchema("justification", .string(text), "Why the key is unscoped."),
            FieldSchema("expires", .date, "Last day the key works (UTC)."),
            FieldSchema(
                "fingerprints", .list(.string(fingerprint)),
                "SHA-256 fingerprints of the key's secret (two during a rotation); never the secret itself."),
        ]
    )

    public static let keySet = ObjectSchema(
        name: "a key set", title: "KeySet", documentation: "Keys of one product, usually one team's.",
        fields: header("KeySet") + [
            FieldSchema("product", .string(slug), required: true, "The product the keys belong to."),
            FieldSchema("owners", .list(.string(slug)), "Default owners of the keys below."),
            FieldSchema("keys", .list(.object(key)), required: true, "The keys."),
        ]
    )

    public static let settings = ObjectSchema(
        name: "a settings document", title: "Settings",
        documentation: "Repository-wide validation settings; at most one.",
        fields: header("Settings") + [
            FieldSchema(
                "rules", .dictionary(keys: RuleRegistry.configurableIDs, value: .oneOf(severities)),
                "Severity per rule id: error, warning or off."),
            FieldSchema(
                "unscopedMaxDays", .integer(1...3650),
                "Longest an unscoped key may stay valid after the check date, in days (default 90)."),
            FieldSchema(
                "owners", .list(.string(slug)),
                "Teams that approve changes to these settings (`keyscope diff` names them; `keyscope codeowners` maps this file to their reviewers)."
            ),
        ]
    )

    /// Every top-level kind, by its `kind` value.
    public static let kinds: [(kind: String, schema: ObjectSchema)] = [
        ("Product", product), ("Team", team), ("KeySet", keySet), ("Settings", settings),
    ]
}
