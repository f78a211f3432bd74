import Foundation
import KeyscopeTestSupport
import Testing

/// `keyscope explain` and `keyscope who-can`, run as a user would, against golden files.
@Suite struct ExplainCommandTests {
    static let expected = TestPaths.fixtures.appendingPathComponent("explain/expected")

    /// (golden name, arguments, exit status), run in `Tests/Fixtures` on the `example` policy.
    static let cases: [(String, [String], Int32)] = [
        (
            "deny-not-in-scope.txt", ["explain", "--key", "customer-b", "--capability", "cap_order_lookup", "example"],
            1
        ),
        ("allow-tag.txt", ["explain", "--key", "public-api", "--capability", "cap_faq", "example"], 0),
        (
            "allow-unscoped.json",
            ["explain", "--key", "mobile-app", "--capability", "cap_faq", "example", "--format", "json"], 0
        ),
        (
            "deny-expired.txt",
            ["explain", "--key", "customer-a", "--capability", "cap_faq", "example", "--at", "2028-06-01"], 1
        ),
        ("deny-unknown-key.txt", ["explain", "--key", "nobody", "--capability", "cap_faq", "example"], 1),
        ("deny-unknown-capability.txt", ["explain", "--key", "customer-a", "--capability", "cap_nope", "example"], 1),
        ("who-can.txt", ["who-can", "cap_faq", "example"], 0),
        ("who-can.json", ["who-can", "cap_order_lookup", "example", "--format", "json", "--at", "2027-06-01"], 0),
    ]

    @Test(arguments: 0..<cases.count)
    func golden(index: Int) throws {
        let (name, arguments, status) = Self.cases[index]
        let result = try KeyscopeCommand.run(
            arguments + (arguments.contains("--at") ? [] : ["--at", "2026-11-27"]), in: TestPaths.fixtures)
        #expect(result.status == status, "\(name): \(result.stderr)")
        if let failure = Snapshot.compare(result.stdout, golden: Self.expected.appendingPathComponent(name)) {
            Issue.record(Comment(rawValue: failure))
        }
    }

    @Test func tableAnswersAsTheGatewayWould() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try TestPaths.installVectorKey(in: dir, name: "k")
        let compile = try KeyscopeCommand.run(
            [
                "compile", TestPaths.fixtures.appendingPathComponent("example").path, "--out", "out", "--signing-key",
                "k.pem",
                "--issued-at", "2026-11-01", "--valid-for", "3650d", "--now", "2026-11-27",
            ], in: dir)
        #expect(compile.status == 0, "\(compile.stderr)")
        let trust = [
            "--trusted-key", TestPaths.fixtures.appendingPathComponent("table-vector/signing-key.pub.pem").path,
        ]
        let allow = try KeyscopeCommand.run(
            ["explain", "--key", "public-api", "--capability", "cap_faq", "out/support-bot.kst", "--at", "2026-11-27"]
                + trust, in: dir)
        #expect(allow.status == 0)
        #expect(allow.stdout.contains("allow: in-scope"), "\(allow.stdout)")
        #expect(allow.stdout.contains("scope entry `tag:safe`"))
        let deny = try KeyscopeCommand.run(
            [
                "explain", "--key", "customer-b", "--capability", "cap_order_lookup", "out/support-bot.kst", "--at",
                "2026-11-27",
            ] + trust, in: dir)
        #expect(deny.status == 1)
        #expect(deny.stdout.hasPrefix("deny: not-in-scope"), "\(deny.stdout)")
        let late = try KeyscopeCommand.run(
            ["explain", "--key", "public-api", "--capability", "cap_faq", "out/support-bot.kst", "--at", "2040-01-01"]
                + trust, in: dir)
        #expect(late.stdout.hasPrefix("deny: table-expired"), "\(late.stdout)")
        let who = try KeyscopeCommand.run(
            ["who-can", "cap_faq", "out/support-bot.kst", "--at", "2026-11-27"] + trust, in: dir)
        #expect(who.status == 0)
        #expect(who.stdout.contains("public-api") && who.stdout.contains("via tag:safe"), "\(who.stdout)")
        // A policy with errors is not explained.
        let broken = try KeyscopeCommand.run(
            [
                "explain", "--key", "a", "--capability", "cap_x",
                TestPaths.fixtures.appendingPathComponent("validate-errors/policies").path,
            ], in: dir)
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("error(s); run `keyscope validate"), "\(broken.stderr)")
        let missing = try KeyscopeCommand.run(
            ["who-can", "cap_nope", TestPaths.fixtures.appendingPathComponent("example").path], in: dir)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no capability `cap_nope`"))
    }
}
