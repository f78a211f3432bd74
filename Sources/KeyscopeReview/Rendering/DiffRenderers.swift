import KeyscopeAccess
import KeyscopePolicy

/// Renders an `AccessDiff` for people (text, Markdown) and machines (JSON).
public enum DiffRenderer {
    // MARK: text

    public static func text(_ diff: AccessDiff, color: Bool) -> String {
        func paint(_ text: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
        func label(_ rank: Rank) -> String {
            switch rank {
            case .critical: paint("CRITICAL", "1;31")
            case .high: paint("HIGH    ", "1;33")
            case .medium: paint("MEDIUM  ", "1;36")
            case .low: paint("LOW     ", "2")
            }
        }
        var out =
            "access diff \(Quote.sanitized(diff.from, maxLength: 200)) → \(Quote.sanitized(diff.to, maxLength: 200))\n"
        if let line = errorsLine(diff) { out += paint(line, diff.toErrors ?? 0 > 0 ? "1;31" : "2") + "\n" }
        if diff.isEmpty {
            return out + "no access changes\n"
        }
        out += "\(verdict(diff))\n\n"
        for change in diff.changes {
            let product = change.product.map { "[\($0)] " } ?? ""
            // Names can come from tables, which are only checked to be UTF-8: no control sequences reach a terminal.
            out +=
                "\(label(change.rank)) \(Quote.sanitized(product, maxLength: 200))\(Quote.sanitized(change.summary, maxLength: 500))\n"
            for detail in change.details { out += "           \(Quote.sanitized(detail, maxLength: 500))\n" }
            if !change.approvers.isEmpty {
                out += "           approvers: \(change.approvers.joined(separator: ", "))\n"
            }
        }
        out += "\n" + approversBlock(diff)
        return out
    }

    /// "rule errors: git:main 0, policies 2 …", when either state is a policy (tables have none).
    static func errorsLine(_ diff: AccessDiff) -> String? {
        guard diff.fromErrors != nil || diff.toErrors != nil else { return nil }
        func side(_ label: String, _ count: Int?) -> String {
            "\(Quote.sanitized(label, maxLength: 200)) \(count.map(String.init) ?? "n/a (table)")"
        }
        let broken = (diff.toErrors ?? 0) > 0
        return "rule errors: \(side(diff.from, diff.fromErrors)), \(side(diff.to, diff.toErrors))"
            + (broken ? " — the new state cannot be compiled until they are fixed (`keyscope validate`)" : "")
    }

    /// "2 critical, 5 high, 0 medium, 3 low"
    public static func counts(_ diff: AccessDiff) -> String {
        Rank.allCases.map { "\(diff.count($0)) \($0.rawValue)" }.joined(separator: ", ")
    }

    static func verdict(_ diff: AccessDiff) -> String {
        let worst = diff.changes.first?.rank
        let prefix =
            switch worst {
            case .critical?: "CRITICAL access changes"
            case .high?: "new access granted"
            case .medium?: "ownership or expiry changes"
            case .low?: "access reduced or cosmetic changes only"
            case nil: "no access changes"
            }
        return "\(prefix): \(diff.changes.count) change\(diff.changes.count == 1 ? "" : "s") (\(counts(diff)))"
    }

    static func approversBlock(_ diff: AccessDiff) -> String {
        guard !diff.approvers.isEmpty else { return "approval needed from: nobody in particular\n" }
        return "approval needed from:\n"
            + diff.approvers.keys.sorted().map { team in
                let reviewers = diff.approvers[team] ?? []
                return "  \(team)"
                    + (reviewers.isEmpty
                        ? " (no reviewers listed)"
                        : ": \(Quote.sanitized(reviewers.joined(separator: " "), maxLength: 300))")
            }.joined(separator: "\n") + "\n"
    }

    // MARK: markdown

    /// A pull-request comment: verdict, summary table, approvers, then details per product in
    /// collapsible sections; beyond `limit` changes per rank and product the rest is counted, not listed.
    ///
    /// Names, descriptions and reviewers come from the pull request: every such text is rendered
    /// as a code span (`code`), where GitHub makes no link, image, autolink or @-mention. Only a
    /// base-state reviewer that is a plain `@org/team` or `@user` handle is left to mention.
    /// The comment stays under GitHub's 65,536-character limit (`maximumLength`).
    public static func markdown(_ diff: AccessDiff, limit: Int = 50, maximumLength: Int = 60_000) -> String {
        let escape = code
        func reviewer(_ text: String) -> String {
            PolicySchema.isReviewerHandle(text.utf8) ? text : code(text)
        }
        let icon: [Rank: String] = [.critical: "🔴", .high: "🟠", .medium: "🟡", .low: "⚪"]
        var out = "### keyscope access review\n\n"
        if let line = errorsLine(diff) { out += ((diff.toErrors ?? 0) > 0 ? "⛔ " : "") + escape(line) + "\n\n" }
        if diff.isEmpty {
            return out + "✅ No access changes between \(escape(diff.from)) and \(escape(diff.to)).\n"
        }
        out += "**\(icon[diff.changes[0].rank]!) \(verdict(diff))** — \(escape(diff.from)) → \(escape(diff.to))\n\n"
        out += "| rank | changes |\n|---|---|\n"
        for rank in Rank.allCases { out += "| \(icon[rank]!) \(rank.rawValue) | \(diff.count(rank)) |\n" }
        out += "\n**Approvals needed:** "
        if diff.approvers.isEmpty {
            out += "none beyond the usual review.\n"
        } else {
            out +=
                diff.approvers.keys.sorted().map { team in
                    let reviewers = diff.approvers[team] ?? []
                    return escape(team)
                        + (reviewers.isEmpty ? "" : " (\(reviewers.map(reviewer).joined(separator: ", ")))")
                }.joined(separator: ", ") + "\n"
        }
        let groups = Dictionary(grouping: diff.changes) { $0.product ?? "" }
        for product in groups.keys.sorted() {
            let changes = groups[product]!
            let title =
                product.isEmpty
                ? "Repository-wide"
                : "Product <code>\(Quote.sanitized(product, maxLength: 100).replacingAll("&", "&amp;").replacingAll("<", "&lt;").replacingAll(">", "&gt;"))</code>"
            let open = changes.contains { $0.rank == .critical } ? " open" : ""
            out +=
                "\n<details\(open)><summary>\(title): \(changes.count) change\(changes.count == 1 ? "" : "s")</summary>\n\n"
            for rank in Rank.allCases {
                let ranked = changes.filter { $0.rank == rank }
                guard !ranked.isEmpty else { continue }
                out += "#### \(icon[rank]!) \(rank.rawValue)\n\n"
                for change in ranked.prefix(limit) {
                    out += "- \(escape(change.summary))"
                    if !change.approvers.isEmpty {
                        out += " — approvers: " + change.approvers.map(escape).joined(separator: ", ")
                    }
                    out += "\n"
                    for detail in change.details.prefix(limit) { out += "  - \(escape(detail))\n" }
                    if change.details.count > limit { out += "  - … and \(change.details.count - limit) more\n" }
                }
                if ranked.count > limit {
                    out +=
                        "- … and \(ranked.count - limit) more \(rank.rawValue) changes (see `keyscope diff --format json`)\n"
                }
                out += "\n"
            }
            out += "</details>\n"
        }
        return capped(out, maximumLength: maximumLength)
    }

    /// Text as a Markdown code span: sanitized, fenced with one backtick more than its longest
    /// run of backticks, so nothing inside can close it early.
    static func code(_ text: String) -> String {
        let clean = Quote.sanitized(text, maxLength: 300)
        var longest = 0
        var run = 0
        for character in clean.utf8 {
            run = character == UInt8(ascii: "`") ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: longest + 1)
        let padded = clean.hasPrefix("`") || clean.hasSuffix("`") || clean.hasPrefix(" ") ? " \(clean) " : clean
        return fence + padded + fence
    }

    /// The comment cut at a line boundary below `maximumLength` characters, with a pointer to the full output.
    static func capped(_ text: String, maximumLength: Int) -> String {
        guard text.count > maximumLength else { return text }
        var kept = ""
        var count = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            guard count + line.count + 1 <= maximumLength - 200 else { break }
            kept += line + "\n"
            count += line.count + 1
        }
        if kept.contains("<details"),
            kept.components(separatedBy: "<details").count > kept.components(separatedBy: "</details>").count
        {
            kept += "\n</details>\n"
        }
        return kept
            + "\n**… comment cut at \(maximumLength) characters.** The full diff: `keyscope diff --format json` (or `--format text`) in the job log.\n"
    }

    // MARK: json

    /// The document of `docs/json-output.md` ("keyscope.diff/v1").
    public static func json(_ diff: AccessDiff) -> String {
        jsonValue(diff).rendered() + "\n"
    }

    /// The same document as a value, for embedding (a plan file carries the diff it records).
    public static func jsonValue(_ diff: AccessDiff) -> JSONValue {
        JSONValue.object([
            ("schema", .string("keyscope.diff/v1")),
            ("from", .string(diff.from)),
            ("to", .string(diff.to)),
            (
                "errors",
                .object([
                    ("from", diff.fromErrors.map { .int($0) } ?? .null),
                    ("to", diff.toErrors.map { .int($0) } ?? .null),
                ])
            ),
            (
                "summary",
                .object(
                    Rank.allCases.map { ($0.rawValue, .int(diff.count($0))) } + [("total", .int(diff.changes.count))])
            ),
            (
                "approvers",
                .array(
                    diff.approvers.keys.sorted().map { team in
                        .object([
                            ("team", .string(team)),
                            ("reviewers", .array((diff.approvers[team] ?? []).map { .string($0) })),
                        ])
                    })
            ),
            (
                "changes",
                .array(
                    diff.changes.map { change in
                        .object([
                            ("rank", .string(change.rank.rawValue)),
                            ("kind", .string(change.kind.rawValue)),
                            ("product", .string(change.product)),
                            ("subject", .string(change.subject)),
                            ("previous", .string(change.previousSubject)),
                            ("summary", .string(change.summary)),
                            ("details", .array(change.details.map { .string($0) })),
                            (
                                "gained",
                                .array(
                                    change.gained.map { g in
                                        .object([
                                            ("capability", .string(g.id)), ("via", .string(g.via)),
                                            ("internal", .bool(g.isInternal)),
                                        ])
                                    })
                            ),
                            ("approvers", .array(change.approvers.map { .string($0) })),
                        ])
                    })
            ),
        ])
    }
}
