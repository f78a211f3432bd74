/// What the summary line of `validate` counts.
public struct ValidationSummary: Sendable, Hashable {
    public var files: Int
    public var documents: Int
    public var products: Int
    public var teams: Int
    public var capabilities: Int
    public var keys: Int
    public var errors: Int
    public var warnings: Int

    /// Findings by rule id, most frequent first (ties by id).
    public var byRule: [RuleCount]

    /// How many errors and warnings one rule reported.
    public struct RuleCount: Sendable, Hashable {
        public var rule: RuleID
        public var count: Int
    }

    public init(_ result: ValidationResult) {
        files = result.policy.fileCount
        documents = result.policy.documentCount
        products = result.policy.products.count
        teams = result.policy.teams.count
        capabilities = result.policy.capabilityCount
        keys = result.policy.keyCount
        errors = result.diagnostics.errorCount
        warnings = result.diagnostics.warningCount
        var counts: [RuleID: Int] = [:]
        for diagnostic in result.diagnostics where diagnostic.severity != .note {
            counts[diagnostic.rule, default: 0] += 1
        }
        byRule = counts.map { RuleCount(rule: $0.key, count: $0.value) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.rule < $1.rule }
    }

    /// From this many findings on, the text output ends with a count per rule: a reader of a
    /// long log then sees at once which one or two rules account for it.
    public static let byRuleThreshold = 10

    /// `by rule: unknown-capability 1204, expired-key 33`, or nil when there are few findings.
    public var byRuleLine: String? {
        guard errors + warnings >= Self.byRuleThreshold else { return nil }
        return "by rule: " + byRule.map { "\($0.rule) \($0.count)" }.joined(separator: ", ")
    }

    /// `checked 3 files (5 documents): 1 product, 5 teams, 12 capabilities, 9 keys; 0 errors, 1 warning`
    public var line: String {
        func plural(_ count: Int, _ word: String) -> String { "\(count) \(word)\(count == 1 ? "" : "s")" }
        return
            "checked \(plural(files, "file")) (\(plural(documents, "document"))): \(plural(products, "product")), \(plural(teams, "team")), "
            + "\(plural(capabilities, "capability").replacingSuffix("capabilitys", with: "capabilities")), \(plural(keys, "key")); "
            + "\(plural(errors, "error")), \(plural(warnings, "warning"))"
    }
}

extension String {
    fileprivate func replacingSuffix(_ suffix: String, with replacement: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) + replacement : self
    }
}

/// Renders diagnostics in the four formats of SPEC §9. Every renderer takes
/// the same `Diagnostic` values; none reads files or the terminal itself.
public enum DiagnosticRenderer {
    // MARK: text

    /// Compiler-style text: `path:line:col: error: message [rule]`, the source
    /// line with a caret under the offending token, then notes and help.
    public static func text(_ diagnostics: [Diagnostic], files: [String: SourceFile], color: Bool) -> String {
        var output = ""
        let lines = LineIndex(files)
        for diagnostic in diagnostics {
            let label: String
            switch diagnostic.severity {
            case .error: label = color ? "\u{1B}[1;31merror\u{1B}[0m" : "error"
            case .warning: label = color ? "\u{1B}[1;33mwarning\u{1B}[0m" : "warning"
            case .note: label = color ? "\u{1B}[1;36mnote\u{1B}[0m" : "note"
            }
            let location = color ? "\u{1B}[1m\(safePath(diagnostic.location))\u{1B}[0m" : safePath(diagnostic.location)
            output += "\(location): \(label): \(diagnostic.message) [\(diagnostic.rule)]\n"
            output += excerpt(at: diagnostic.location, lines: lines, color: color)
            for note in diagnostic.notes {
                output += "\(safePath(note.location)): note: \(note.message)\n"
                output += excerpt(at: note.location, lines: lines, color: color)
            }
            if let help = diagnostic.help {
                output += "   = help: \(help)\n"
            }
        }
        return output
    }

    static func safePath(_ location: SourceLocation) -> String {
        "\(Quote.sanitized(location.file, maxLength: 400)):\(location.line):\(location.column)"
    }

    /// Where each line of each file starts, found once per rendering: an excerpt then costs its
    /// own line, not a scan of the file from the top (a hostile file can hold thousands of findings).
    final class LineIndex {
        let files: [String: SourceFile]
        private var starts: [String: [Int]] = [:]

        init(_ files: [String: SourceFile]) { self.files = files }

        /// The bytes of a 1-based line, without its line break.
        func line(_ number: Int, of path: String) -> ArraySlice<UInt8>? {
            guard let file = files[path], number >= 1 else { return nil }
            if starts[path] == nil {
                var found = [0]
                for (offset, byte) in file.bytes.enumerated() where byte == UInt8(ascii: "\n") {
                    found.append(offset + 1)
                }
                starts[path] = found
            }
            let lineStarts = starts[path]!
            guard number <= lineStarts.count else { return nil }
            let start = lineStarts[number - 1]
            var end = number < lineStarts.count ? lineStarts[number] - 1 : file.bytes.count
            if end > start, file.bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            return file.bytes[start..<max(start, end)]
        }
    }

    /// The source line and a caret line under the token at `location`.
    static func excerpt(at location: SourceLocation, lines: LineIndex, color: Bool) -> String {
        guard let bytes = lines.line(location.line, of: location.file) else { return "" }
        // Long lines are cut around the column: only the window's bytes are decoded.
        let total = bytes.reduce(0) { $0 + ($1 & 0xC0 != 0x80 ? 1 : 0) }
        let start = max(0, min(location.column - 1, total) - 60)
        var scalarIndex = 0
        var from = bytes.endIndex
        var to = bytes.endIndex
        for offset in bytes.indices where bytes[offset] & 0xC0 != 0x80 {
            if scalarIndex == start { from = offset }
            if scalarIndex == start + 120 {
                to = offset
                break
            }
            scalarIndex += 1
        }
        let scalars = Array(String(decoding: bytes[min(from, to)..<to], as: UTF8.self).unicodeScalars)
        var shown = ""
        for scalar in scalars {
            if Quote.isUnsafe(scalar) { shown += " " } else { shown.unicodeScalars.append(scalar) }
        }
        let column = max(0, location.column - 1 - start)
        let width = tokenWidth(scalars, at: location.column - 1 - start)
        let gutter = String(location.line)
        let pad = String(repeating: " ", count: gutter.count)
        var underline = String(repeating: " ", count: column) + "^" + String(repeating: "~", count: max(0, width - 1))
        if color { underline = "\u{1B}[1;32m\(underline)\u{1B}[0m" }
        return " \(gutter) | \(shown)\n \(pad) | \(underline)\n"
    }

    /// How many scalars the token starting at `index` spans: a quoted scalar through its closing
    /// quote, otherwise up to the next space or YAML indicator. The caret of the text format and
    /// the SARIF region's `endColumn` both come from here.
    static func tokenWidth(_ scalars: [Unicode.Scalar], at start: Int) -> Int {
        let end = scalars.count
        guard start >= 0, start < end else { return 0 }
        var width = 0
        var index = start
        if scalars[index] == "\"" || scalars[index] == "'" {
            let quote = scalars[index]
            width = 1
            index += 1
            while index < end {
                width += 1
                if scalars[index] == quote { break }
                index += 1
            }
        } else {
            while index < end {
                let scalar = scalars[index]
                if scalar == " " || scalar == ":" || scalar == "," || scalar == "]" || scalar == "}" || scalar == "#" {
                    break
                }
                width += 1
                index += 1
            }
        }
        return width
    }

    /// The 1-based column just past the token at `location` (SARIF's exclusive `endColumn`), or nil
    /// when the line is not available or no token starts there.
    static func endColumn(of location: SourceLocation, lines: LineIndex) -> Int? {
        guard let bytes = lines.line(location.line, of: location.file) else { return nil }
        let scalars = Array(String(decoding: bytes, as: UTF8.self).unicodeScalars)
        let width = tokenWidth(scalars, at: location.column - 1)
        return width > 0 ? location.column + width : nil
    }

    // MARK: json

    public static func jsonValue(_ diagnostic: Diagnostic) -> JSONValue {
        func location(_ l: SourceLocation) -> [(String, JSONValue)] {
            [("file", .string(l.file)), ("line", .int(l.line)), ("column", .int(l.column))]
        }
        return .object(
            [
                ("severity", .string(diagnostic.severity.rawValue)), ("rule", .string(diagnostic.rule.rawValue)),
                ("message", .string(diagnostic.message)),
            ]
                + location(diagnostic.location)
                + [
                    (
                        "notes",
                        .array(
                            diagnostic.notes.map { .object([("message", .string($0.message))] + location($0.location)) }
                        )
                    ),
                    ("help", .string(diagnostic.help)),
                ]
        )
    }

    /// The JSON document of `docs/json-output.md` ("keyscope.validate/v1").
    public static func json(_ diagnostics: [Diagnostic], summary: ValidationSummary, checkDate: CalendarDate) -> String
    {
        let value = JSONValue.object([
            ("schema", .string("keyscope.validate/v1")),
            ("checkDate", .string(checkDate.description)),
            ("ok", .bool(summary.errors == 0)),
            (
                "summary",
                .object([
                    ("files", .int(summary.files)), ("documents", .int(summary.documents)),
                    ("products", .int(summary.products)),
                    ("teams", .int(summary.teams)), ("capabilities", .int(summary.capabilities)),
                    ("keys", .int(summary.keys)),
                    ("errors", .int(summary.errors)), ("warnings", .int(summary.warnings)),
                ])
            ),
            ("diagnostics", .array(diagnostics.map(jsonValue))),
        ])
        return value.rendered() + "\n"
    }

    // MARK: github

    /// GitHub Actions workflow commands. Values are escaped as the runner
    /// expects, so a crafted key name cannot end the command early and forge another.
    public static func github(_ diagnostics: [Diagnostic]) -> String {
        var output = ""
        for diagnostic in diagnostics {
            let command =
                switch diagnostic.severity {
                case .error: "error"
                case .warning: "warning"
                case .note: "notice"
                }
            // The one sanitiser on every piece (ESC, bidi and separators become visible escapes),
            // then the runner's escaping of the whole.
            func clean(_ text: String) -> String { Quote.sanitized(text, maxLength: 1_000) }
            var message = clean(diagnostic.message)
            for note in diagnostic.notes { message += "\n\(safePath(note.location)): \(clean(note.message))" }
            if let help = diagnostic.help { message += "\nhelp: \(clean(help))" }
            let l = diagnostic.location
            output +=
                "::\(command) file=\(escapeProperty(clean(l.file))),line=\(l.line),col=\(l.column),title=\(escapeProperty("keyscope " + diagnostic.rule.rawValue))::\(escapeData(message))\n"
        }
        return output
    }

    static func escapeData(_ value: String) -> String {
        value.replacingAll("%", "%25").replacingAll("\r", "%0D").replacingAll("\n", "%0A")
    }

    static func escapeProperty(_ value: String) -> String {
        escapeData(value).replacingAll(":", "%3A").replacingAll(",", "%2C")
    }

    // MARK: sarif

    /// A rule's help for SARIF viewers. No URL: keyscope has no canonical web home to point
    /// at, and a placeholder link is worse than none; the same text is in `docs/rules.md`.
    static func ruleHelp(_ rule: RuleDescriptor) -> String {
        let configurable =
            rule.configurable
            ? "A `Settings` document may change its severity (`rules: {\(rule.id.rawValue): warning}`) or turn it off."
            : "It cannot be configured."
        return "\(rule.summary) Default severity: \(rule.defaultSeverity.rawValue). \(configurable)"
    }

    /// SARIF 2.1.0 with rule metadata for every registered rule, columns in Unicode code points.
    ///
    /// Regions end at the end of the token the finding points at (`endColumn`, exclusive), so a
    /// code-scanning view underlines the same text as the terminal's caret line.
    public static func sarif(_ diagnostics: [Diagnostic], files: [String: SourceFile] = [:], toolVersion: String)
        -> String
    {
        let lines = LineIndex(files)
        let rules = RuleRegistry.all
        let ruleIndex = Dictionary(uniqueKeysWithValues: rules.enumerated().map { ($1.id, $0) })
        func level(_ severity: Severity) -> String {
            switch severity {
            case .error: "error"
            case .warning: "warning"
            case .note: "note"
            }
        }
        func physical(_ l: SourceLocation) -> JSONValue {
            .object([
                ("artifactLocation", .object([("uri", .string(uriEncode(l.file)))])),
                (
                    "region",
                    .object(
                        [("startLine", .int(l.line)), ("startColumn", .int(l.column))]
                            + (endColumn(of: l, lines: lines).map { [("endColumn", .int($0))] } ?? [])
                    )
                ),
            ])
        }
        let results: [JSONValue] = diagnostics.map { d in
            var members: [(String, JSONValue)] = [
                ("ruleId", .string(d.rule.rawValue)),
                ("ruleIndex", .int(ruleIndex[d.rule] ?? 0)),
                ("level", .string(level(d.severity))),
                ("message", .object([("text", .string(d.message + (d.help.map { "\nhelp: \($0)" } ?? "")))])),
                ("locations", .array([.object([("physicalLocation", physical(d.location))])])),
            ]
            if !d.notes.isEmpty {
                members.append(
                    (
                        "relatedLocations",
                        .array(
                            d.notes.enumerated().map { index, note in
                                .object([
                                    ("id", .int(index)), ("physicalLocation", physical(note.location)),
                                    ("message", .object([("text", .string(note.message))])),
                                ])
                            })
                    ))
            }
            return .object(members)
        }
        let value = JSONValue.object([
            ("$schema", .string("https://json.schemastore.org/sarif-2.1.0.json")),
            ("version", .string("2.1.0")),
            (
                "runs",
                .array([
                    .object([
                        (
                            "tool",
                            .object([
                                (
                                    "driver",
                                    .object([
                                        ("name", .string("keyscope")),
                                        ("version", .string(toolVersion)),
                                        (
                                            "rules",
                                            .array(
                                                rules.map { rule in
                                                    .object([
                                                        ("id", .string(rule.id.rawValue)),
                                                        ("name", .string(rule.id.rawValue)),
                                                        (
                                                            "shortDescription",
                                                            .object([("text", .string(rule.summary))])
                                                        ),
                                                        (
                                                            "defaultConfiguration",
                                                            .object([("level", .string(level(rule.defaultSeverity)))])
                                                        ),
                                                        (
                                                            "help",
                                                            .object([
                                                                ("text", .string(Self.ruleHelp(rule))),
                                                                ("markdown", .string(Self.ruleHelp(rule))),
                                                            ])
                                                        ),
                                                    ])
                                                })
                                        ),
                                    ])
                                )
                            ])
                        ),
                        ("columnKind", .string("unicodeCodePoints")),
                        ("results", .array(results)),
                    ])
                ])
            ),
        ])
        return value.rendered() + "\n"
    }

    /// Percent-encodes a relative path for a SARIF `uri` (RFC 3986 path characters kept).
    static func uriEncode(_ path: String) -> String {
        var output = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                output += "%" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return output
    }
}

extension String {
    /// Replaces every occurrence of `target` (no Foundation needed).
    public func replacingAll(_ target: String, _ replacement: String) -> String {
        guard contains(target) else { return self }
        return split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
