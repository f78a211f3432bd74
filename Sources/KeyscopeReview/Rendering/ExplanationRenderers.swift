import KeyscopePolicy

/// Text and JSON for `explain` and `who-can`. Key names, entries and paths come from policy
/// files: every one goes through `Quote` before it reaches a terminal.
public enum ExplanationRenderer {
    public static func text(_ answer: AccessExplanation) -> String {
        var output = "\(answer.allowed ? "allow" : "deny"): \(answer.reason)\n"
        output += "  \(Quote.sanitized(answer.summary, maxLength: 600))\n"
        output += "  product \(Quote.quoted(answer.product)), from \(Quote.sanitized(answer.source, maxLength: 400))\n"
        for item in answer.evidence {
            output += "  \(item.place.map { Quote.sanitized($0, maxLength: 400) + ": " } ?? "")\(words(item))\n"
        }
        return output
    }

    /// `keyscope.explain/v1`: one answer per product the key is declared in (usually one).
    public static func json(_ answers: [AccessExplanation]) -> JSONValue {
        .object([
            ("schema", .string("keyscope.explain/v1")),
            ("decision", .string(!answers.isEmpty && answers.allSatisfy(\.allowed) ? "allow" : "deny")),
            ("answers", .array(answers.map(json))),
        ])
    }

    static func json(_ answer: AccessExplanation) -> JSONValue {
        .object([
            ("product", .string(answer.product)), ("source", .string(answer.source)), ("key", .string(answer.key)),
            ("capability", .string(answer.capability)), ("decision", .string(answer.allowed ? "allow" : "deny")),
            ("reason", .string(answer.reason)), ("summary", .string(answer.summary)),
            ("evidence", .array(answer.evidence.map(grant))),
        ])
    }

    public static func text(_ found: [CapabilityHolders]) -> String {
        var output = ""
        for result in found {
            let count = result.holders.count
            output +=
                "\(Quote.quoted(result.capability)) in product \(Quote.quoted(result.product)): \(count) key\(count == 1 ? "" : "s")\n"
            let width = result.holders.map { Quote.sanitized($0.key, maxLength: 200).count }.max() ?? 0
            let audienceWidth = result.holders.map(\.audience.count).max() ?? 0
            for holder in result.holders {
                let name = Quote.sanitized(holder.key, maxLength: 200)
                var line = "  " + name + String(repeating: " ", count: width - name.count)
                line += "  " + holder.audience + String(repeating: " ", count: audienceWidth - holder.audience.count)
                line += "  via \(Quote.sanitized(holder.via, maxLength: 200))"
                if let place = holder.place { line += "  (\(Quote.sanitized(place, maxLength: 400)))" }
                if holder.expired, let expires = holder.expires { line += "  EXPIRED \(expires): denied" }
                output += line + "\n"
            }
        }
        return output
    }

    /// `keyscope.who-can/v1`: per product that has the capability, its holders by key name.
    public static func json(_ found: [CapabilityHolders]) -> JSONValue {
        .object([
            ("schema", .string("keyscope.who-can/v1")),
            ("capability", .string(found.first?.capability ?? "")),
            ("products", products(found)),
        ])
    }

    private static func products(_ found: [CapabilityHolders]) -> JSONValue {
        .array(
            found.map { result in
                .object([
                    ("product", .string(result.product)), ("source", .string(result.source)),
                    (
                        "keys",
                        .array(
                            result.holders.map { holder in
                                .object([
                                    ("key", .string(holder.key)), ("audience", .string(holder.audience)),
                                    ("via", .string(holder.via)), ("location", .string(holder.place)),
                                    ("expires", .string(holder.expires?.description)),
                                    ("expired", .bool(holder.expired)),
                                ])
                            })
                    ),
                ])
            })
    }

    /// Evidence as the policy file says it: `unscoped: true`, `scope entry `tag:safe``, `expires: …`.
    private static func words(_ item: AccessView.Grant) -> String {
        switch item.kind {
        case .unscoped: "unscoped: true"
        case .scopeEntry: "scope entry \(Quote.quoted(item.text))"
        case .expires, .capabilityTags: Quote.sanitized(item.text, maxLength: 400)
        }
    }

    private static func grant(_ item: AccessView.Grant) -> JSONValue {
        .object([
            ("kind", .string(item.kind.rawValue)), ("text", .string(item.text)), ("location", .string(item.place)),
        ])
    }
}
