import Foundation
import KeyscopeTestSupport
import Testing

/// What `inspect`, `verify` and `check` print for the table test vector, against golden files
/// (`Tests/Fixtures/table-vector/reports/`; re-record with `RECORD_SNAPSHOTS=1`).
@Suite struct TableReportTests {
    static let vector = TestPaths.fixtures.appendingPathComponent("table-vector")
    /// Inside the vector's 30 days of validity.
    static let now = "1767312000"

    static let commands: [(golden: String, arguments: [String])] = [
        ("inspect.text", ["inspect", "expected.kst", "--trusted-key", "signing-key.pub.pem"]),
        ("inspect.json", ["inspect", "expected.kst", "--trusted-key", "signing-key.pub.pem", "--format", "json"]),
        ("verify.text", ["verify", "expected.kst", "--trusted-key", "signing-key.pub.pem", "--at", now]),
        (
            "check-allow.text",
            [
                "check", "expected.kst", "--trusted-key", "signing-key.pub.pem", "--key", "customer-a", "--capability",
                "cap_faq", "--at", now,
            ]
        ),
        (
            "check-deny.text",
            [
                "check", "expected.kst", "--trusted-key", "signing-key.pub.pem", "--key", "customer-a", "--capability",
                "cap_admin", "--at", now,
            ]
        ),
    ]

    @Test(arguments: commands.map(\.golden))
    func reportMatchesGolden(_ golden: String) throws {
        let arguments = try #require(Self.commands.first { $0.golden == golden }).arguments
        let result = try KeyscopeCommand.run(arguments, in: Self.vector)
        #expect(result.stderr.isEmpty, "\(result.stderr)")
        if let failure = Snapshot.compare(
            "exit \(result.status)\n" + result.stdout, golden: Self.vector.appendingPathComponent("reports/\(golden)"))
        {
            Issue.record(Comment(rawValue: failure))
        }
    }
}

/// Usage errors say what went wrong in the user's terms (issue #13.11).
@Suite struct UsageTests {
    @Test func mistypedSubcommandGetsASuggestion() throws {
        let result = try KeyscopeCommand.run(["valdiate"], in: TableReportTests.vector)
        #expect(result.status == 64)
        #expect(result.stderr.contains("unknown command `valdiate`; did you mean 'validate'?"), "\(result.stderr)")
        let nothingClose = try KeyscopeCommand.run(["frobnicate"], in: TableReportTests.vector)
        #expect(nothingClose.status == 64)
        #expect(!nothingClose.stderr.contains("did you mean"))
    }

    @Test func negativeNumbersAreInvalidValuesNotMissingOnes() throws {
        let result = try KeyscopeCommand.run(["compile", "policies", "--serial", "-5"], in: TableReportTests.vector)
        #expect(result.status == 64)
        #expect(result.stderr.contains("'-5' is invalid"), "\(result.stderr)")
        #expect(!result.stderr.contains("Missing value"))
    }

    /// `--at` takes Unix seconds, a date or a UTC timestamp, like `--now` takes a date.
    @Test(arguments: [
        ("1767312000", "allow"), ("2026-01-02", "allow"), ("2026-01-02T00:00:00Z", "allow"),
        ("2026-02-01", "deny: table-expired"),
    ])
    func timesAreAcceptedInEveryForm(_ at: String, _ expected: String) throws {
        let result = try KeyscopeCommand.run(
            [
                "check", "expected.kst", "--trusted-key", "signing-key.pub.pem", "--key", "customer-a",
                "--capability", "cap_faq", "--at", at,
            ], in: TableReportTests.vector)
        #expect(result.stdout.hasPrefix(expected), "\(at): \(result.stdout)\(result.stderr)")
    }

    @Test func malformedTimesAreUsageErrors() throws {
        let result = try KeyscopeCommand.run(
            ["verify", "expected.kst", "--trusted-key", "signing-key.pub.pem", "--at", "2026-13-01"],
            in: TableReportTests.vector)
        #expect(result.status == 64)
        #expect(result.stderr.contains("2026-13-01"))
    }
}
