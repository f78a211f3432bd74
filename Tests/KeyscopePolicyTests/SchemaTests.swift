import KeyscopePolicy
import KeyscopeTestSupport
import Testing

@Suite struct SchemaTests {
    @Test func unknownFieldWithSuggestion() {
        check(
            keys("  - 2️⃣name: a\n    1️⃣audiance: customer\n    capabilities: [cap_faq]\n"),
            expect: [
                DiagnosticSpec("1️⃣", in: "keys.yaml", rule: "schema", message: "unknown field `audiance` in a key"),
                DiagnosticSpec(
                    "2️⃣", in: "keys.yaml", rule: "schema", message: "missing required field `audience` in a key"),
            ])
    }

    @Test func missingRequiredField() {
        var files = baseFiles
        files["keys.yaml"] = keys("  1️⃣- name: a\n    capabilities: [cap_faq]\n")
        let problems = diagnosticMismatches(files: files, expect: [])
        #expect(problems.contains { $0.contains("missing required field `audience` in a key") })
    }

    @Test func booleansAreOnlyTrueAndFalse() {
        for word in ["yes", "no", "on", "off", "True", "\"true\""] {
            check(
                keys("  - name: a\n    audience: internal\n    unscoped: 1️⃣\(word)\n    capabilities: [cap_faq]\n"),
                expect: [DiagnosticSpec("1️⃣", in: "keys.yaml", rule: "schema")])
        }
    }

    @Test func datesMustExist() {
        for date in ["2027-02-30", "2027-2-1", "27-01-01", "tomorrow"] {
            check(
                keys("  - name: a\n    audience: customer\n    capabilities: [cap_faq]\n    expires: 1️⃣\(date)\n"),
                expect: [DiagnosticSpec("1️⃣", in: "keys.yaml", rule: "schema")])
        }
    }

    /// SPEC §12: a fingerprint is `sha256:` and exactly 64 lowercase hex digits; anything else is a schema
    /// finding (an uppercase spelling would let one secret appear as two fingerprints).
    @Test func fingerprintsAreStrict() {
        let hex = String(repeating: "0f", count: 32)
        for bad in [
            "sha256:\(hex.uppercased())", "sha256:\(hex.dropLast())", "sha256:\(hex)0", "SHA256:\(hex)", "sha1:\(hex)",
            hex, "sha256:\(String(repeating: "g", count: 64))",
        ] {
            check(
                keys(
                    "  - name: a\n    audience: customer\n    capabilities: [cap_faq]\n    fingerprints: [1️⃣\"\(bad)\"]\n"
                ),
                expect: [DiagnosticSpec("1️⃣", in: "keys.yaml", rule: "schema")])
        }
        check(
            keys(
                "  - name: a\n    audience: customer\n    capabilities: [cap_faq]\n    fingerprints: [\"sha256:\(hex)\"]\n"
            ),
            expect: [])
    }

    /// Both places are shown: the later fingerprint, with a note at the first.
    @Test func duplicateFingerprintShowsBothKeys() {
        let fingerprint = "sha256:" + String(repeating: "a1", count: 32)
        check(
            keys(
                "  - name: a\n    audience: customer\n    capabilities: [cap_faq]\n    fingerprints: [3️⃣\"\(fingerprint)\"]\n"
                    + "  - name: b\n    audience: customer\n    capabilities: [cap_faq]\n    fingerprints: [1️⃣\"\(fingerprint)\"]\n"
            ),
            expect: [
                DiagnosticSpec(
                    "1️⃣", in: "keys.yaml", rule: "duplicate-fingerprint",
                    message:
                        "key `b` has the fingerprint of key `a` in product `shop`: one secret would open both scopes",
                    notes: ["3️⃣"])
            ])
    }

    /// SPEC §12: routes parse as `METHOD /template`; a malformed one is a schema finding at its place.
    @Test func routesAreChecked() {
        for bad in ["get /x", "GET x", "GET /x//y", "GET /{rest...}/x", "GET /x/..", "FETCH /x", "GET /x/%41"] {
            var files = baseFiles
            files["more.yaml"] =
                "apiVersion: keyscope/v1\nkind: Product\nid: shop2\nname: S\ncapabilities:\n  - id: cap_x\n    name: X\n    owner: support\n    routes: [1️⃣\"\(bad)\"]\n"
            let problems = diagnosticMismatches(
                files: files, expect: [DiagnosticSpec("1️⃣", in: "more.yaml", rule: "schema")])
            #expect(problems.isEmpty, "\(bad): \(problems)")
        }
    }

    @Test func idFormats() {
        check(
            keys("  - name: 1️⃣Bad_Name\n    audience: customer\n    capabilities: [2️⃣cap-faq, 3️⃣\"tag:\"]\n"),
            expect: [
                DiagnosticSpec("1️⃣", in: "keys.yaml", rule: "schema"),
                DiagnosticSpec("2️⃣", in: "keys.yaml", rule: "schema"),
                DiagnosticSpec("3️⃣", in: "keys.yaml", rule: "schema"),
            ], ignoring: ["empty-scope", "empty-selector"])
    }

    @Test func audienceSuggestion() {
        var files = baseFiles
        files["keys.yaml"] = keys("  - name: a\n    audience: custmer\n    capabilities: [cap_faq]\n")
        let loaded = PolicyLoader().load(files: files.map { SourceFile(path: $0.key, text: $0.value) })
        let result = PolicyValidator.validate(loaded, checkDate: CalendarDate(parsing: "2026-11-27")!)
        #expect(result.diagnostics.first { $0.rule == "schema" }?.help == "did you mean `customer`?")
    }

    @Test func unknownKindAndWrongVersion() {
        check(
            keys("  - name: a\n    audience: customer\n    capabilities: [cap_faq]\n"),
            expect: [
                DiagnosticSpec("1️⃣", in: "x.yaml", rule: "schema", message: "unknown kind `Keyset`"),
                DiagnosticSpec("2️⃣", in: "x.yaml", rule: "schema"),
            ],
            extra: [
                "x.yaml":
                    "apiVersion: keyscope/v1\nkind: 1️⃣Keyset\n---\napiVersion: 2️⃣keyscope/v2\nkind: Team\nid: t\nname: T\n"
            ])
    }

    @Test func documentMustBeMapping() {
        check(
            keys("  - name: a\n    audience: customer\n    capabilities: [cap_faq]\n"),
            expect: [
                DiagnosticSpec("1️⃣", in: "x.yaml", rule: "schema")
            ], extra: ["x.yaml": "1️⃣- just\n- a list\n"])
    }

    @Test func twoSettingsDocuments() {
        let settings = "apiVersion: keyscope/v1\nkind: Settings\nunscopedMaxDays: 30\n"
        check(
            keys("  - name: a\n    audience: customer\n    capabilities: [cap_faq]\n"),
            expect: [
                DiagnosticSpec("1️⃣", in: "s2.yaml", rule: "schema", message: "more than one Settings document")
            ], extra: ["s1.yaml": settings, "s2.yaml": "1️⃣" + settings])
    }

    @Test func settingsValues() {
        check(
            keys("  - name: a\n    audience: customer\n    capabilities: [cap_faq]\n"),
            expect: [
                DiagnosticSpec("1️⃣", in: "s.yaml", rule: "schema"),
                DiagnosticSpec("2️⃣", in: "s.yaml", rule: "schema"),
                DiagnosticSpec("3️⃣", in: "s.yaml", rule: "schema"),
            ],
            extra: [
                "s.yaml":
                    "apiVersion: keyscope/v1\nkind: Settings\nunscopedMaxDays: 1️⃣0090\nrules:\n  2️⃣schema: off\n  expired-key: 3️⃣fatal\n"
            ])
    }

    @Test func jsonPolicyFiles() {
        check(
            keys("  - name: a\n    audience: customer\n    capabilities: [cap_faq]\n"), expect: [],
            extra: [
                "more.json": #"{"apiVersion": "keyscope/v1", "kind": "Team", "id": "json-team", "name": "From JSON"}"#
            ])
    }

    @Test func hostileValuesAreEscapedInMessages() {
        var files = baseFiles
        files["keys.yaml"] = keys(
            "  - name: a\n    audience: customer\n    capabilities: [cap_faq]\n    \"evil\\e[31m\\n::error::x\": 1\n")
        let loaded = PolicyLoader().load(files: files.map { SourceFile(path: $0.key, text: $0.value) })
        let result = PolicyValidator.validate(loaded, checkDate: CalendarDate(parsing: "2026-11-27")!)
        let message = result.diagnostics.first { $0.rule == "schema" }?.message ?? ""
        #expect(message == "unknown field `evil\\u{1b}[31m\\n::error::x` in a key")
        let github = DiagnosticRenderer.github(result.diagnostics)
        #expect(github.split(separator: "\n").count == result.diagnostics.count, "one workflow command per finding")
    }

    @Test func longValuesAreShortened() {
        let quoted = Quote.quoted(String(repeating: "x", count: 500))
        #expect(quoted.count == Quote.maxLength + 3)
    }
}
