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
