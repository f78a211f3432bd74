import Foundation
import KeyscopeTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `keyscope serve` on its own: hostile requests, no table, an expiring table, `--url` polling.
@Suite(.serialized) struct ServeTests {
    /// A signed table of the example policy, published under `published/support-bot/`.
    static func published(in dir: URL, serial: UInt64, validFor: String = "30d", policy: String? = nil) throws {
        if !FileManager.default.fileExists(atPath: dir.appendingPathComponent("signing-key.pem").path) {
            try TestPaths.installVectorKey(in: dir)
        }
        let compile = try KeyscopeCommand.run(
            [
                "compile", policy ?? TestPaths.fixtures.appendingPathComponent("example").path, "--out", "out",
                "--serial", String(serial), "--valid-for", validFor, "--signing-key", "signing-key.pem", "--quiet",
            ], in: dir)
        #expect(compile.status == 0, "\(compile.stderr)")
        let publish = try KeyscopeCommand.run(
            ["publish", "out/support-bot.kst", "--to", "published", "--trusted-key", "signing-key.pub.pem"], in: dir)
        #expect(publish.status == 0, "\(publish.stderr)")
    }

    static func serve(in dir: URL, port: Int, _ arguments: [String]) throws -> ServerProcess {
        let process = try ServerProcess(
            TestPaths.sibling("keyscope-serve").path,
            arguments + ["--trusted-key", "signing-key.pub.pem", "--listen", "127.0.0.1:\(port)", "--threads", "2"],
            in: dir)
        #expect(RawHTTP.waitForPort(port), "keyscope serve did not start: \(process.output)")
        return process
    }

    static func authz(_ port: Int, key: String?, capability: String?) -> RawResponse? {
        RawHTTP.get(
            port: port, path: "/authz",
            headers: (key.map { [("X-Keyscope-Key", $0)] } ?? [])
                + (capability.map { [("X-Keyscope-Capability", $0)] } ?? []))
    }

    /// `keyscope serve` runs keyscope-serve in its place: its usage errors and help come through.
    @Test func keyscopeServeRunsTheService() throws {
        let bad = try KeyscopeCommand.run(["serve", "--table", "x.kst", "--listen", "nowhere"])
        #expect(bad.status == 64, "\(bad.stderr)")
        #expect(bad.stderr.contains("--listen expects HOST:PORT"), "\(bad.stderr)")
        let help = try KeyscopeCommand.run(["serve", "--help"])
        #expect(help.stdout.contains("--trusted-key"), "\(help.stdout)")
    }

    /// SPEC §12 on `/authz` directly: the secret in `Authorization: Bearer`, the original method
    /// and URI in nginx's headers; what a malformed one of each answers; the secret never logged.
    @Test func secretsAndRoutesIdentifyTheCall() throws {
        let dir = try TestPaths.temporaryDirectory("keyscope-serve")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.published(
            in: dir, serial: 10, policy: TestPaths.fixtures.appendingPathComponent("example-identity").path)
        let port = LoopbackHTTPServer.unusedPort()
        let server = try Self.serve(
            in: dir, port: port,
            [
                "--table", "published/support-bot/current.kst", "--key-from", "secret", "--capability-from", "nginx",
            ])
        defer { server.stop() }
        func authz(_ headers: [(String, String)]) throws -> RawResponse {
            try #require(RawHTTP.get(port: port, path: "/authz", headers: headers))
        }
        let secret = "ks_example_customer_a_secret"
        let route = [("X-Original-Method", "GET"), ("X-Original-URI", "/v1/faq/../orders/42?page=2")]
        let allowed = try authz([("Authorization", "Bearer \(secret)")] + route)
        #expect(allowed.status == 200, "\(allowed)")
        #expect(allowed.headers["x-keyscope-key"] == "customer-a")
        #expect(allowed.headers["x-keyscope-capability"] == "cap_order_lookup")
        #expect(allowed.headers["x-keyscope-path"] == "/v1/orders/42", "the path that was authorized, normalised")
        #expect(try authz([("Authorization", "bearer   \(secret)")] + route).status == 200, "the scheme is case-blind")
        #expect(try authz([("Authorization", "Basic \(secret)")] + route).status == 401, "another scheme is no key")
        #expect(try authz([("Authorization", "Bearer ")] + route).status == 401)
        let twice = try authz([("Authorization", "Bearer \(secret)"), ("Authorization", "Bearer x")] + route)
        #expect(twice.status == 400, "\(twice)")
        #expect(try authz([("X-Keyscope-Key", "customer-a")] + route).status == 401, "a key name is not a secret here")
        let noURI = try authz([("Authorization", "Bearer \(secret)"), ("X-Original-Method", "GET")])
        #expect(noURI.status == 400 && noURI.headers["x-keyscope-reason"] == "missing-capability", "\(noURI)")
        let aboveRoot = try authz(
            [("Authorization", "Bearer \(secret)"), ("X-Original-Method", "GET"), ("X-Original-URI", "/../etc/passwd")])
        #expect(aboveRoot.status == 403 && aboveRoot.headers["x-keyscope-reason"] == "unknown-route", "\(aboveRoot)")
        let trace = try authz(
            [("Authorization", "Bearer \(secret)"), ("X-Original-Method", "TRACE"), ("X-Original-URI", "/v1/faq")])
        #expect(trace.headers["x-keyscope-reason"] == "unknown-route", "a method no route names: \(trace)")
        server.stop()
        #expect(!server.output.contains(secret), "the secret is never logged")
    }

    /// A table without fingerprints or routes denies every call in those modes: serve says so at start.
    @Test func aTableWithoutIdentityIsReportedAtStart() throws {
        let dir = try TestPaths.temporaryDirectory("keyscope-serve")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.published(in: dir, serial: 10)
        let port = LoopbackHTTPServer.unusedPort()
        let server = try Self.serve(
            in: dir, port: port,
            [
                "--table", "published/support-bot/current.kst", "--key-from", "secret", "--secret-header",
                "X-API-Key", "--capability-from", "forwarded",
            ])
        let denied = try #require(
            RawHTTP.get(
                port: port, path: "/authz",
                headers: [
                    ("X-API-Key", "ks_example_customer_a_secret"), ("X-Forwarded-Method", "GET"),
                    ("X-Forwarded-Uri", "/v1/faq"),
                ]))
        #expect(denied.status == 401 && denied.headers["x-keyscope-reason"] == "unknown-key", "\(denied)")
        server.stop()
        #expect(server.output.contains("the table holds no fingerprints"), "\(server.output)")
        #expect(server.output.contains("the table holds no routes"), "\(server.output)")
    }

    @Test func hostileRequestsGetAClearStatusAndNeverTakeTheServiceDown() throws {
        let dir = try TestPaths.temporaryDirectory("keyscope-serve")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.published(in: dir, serial: 10)
        let port = LoopbackHTTPServer.unusedPort()
        let server = try Self.serve(in: dir, port: port, ["--table", "published/support-bot/current.kst"])
        defer { server.stop() }
        #expect(Self.authz(port, key: "customer-a", capability: "cap_faq")?.status == 200)
        let allowed = try #require(Self.authz(port, key: "customer-a", capability: "cap_faq"))
        #expect(allowed.headers["x-keyscope-serial"] == "10")
        // Missing headers.
        #expect(Self.authz(port, key: nil, capability: "cap_faq")?.headers["x-keyscope-reason"] == "missing-key")
        #expect(Self.authz(port, key: nil, capability: "cap_faq")?.status == 401)
        let noCapability = try #require(Self.authz(port, key: "customer-a", capability: nil))
        #expect(noCapability.status == 400 && noCapability.headers["x-keyscope-reason"] == "missing-capability")
        // A header given twice is ambiguous.
        let twice = try #require(
            RawHTTP.get(
                port: port, path: "/authz",
                headers: [
                    ("X-Keyscope-Key", "customer-b"), ("X-Keyscope-Key", "customer-a"),
                    ("X-Keyscope-Capability", "cap_order_lookup"),
                ]))
        #expect(twice.status == 400, "\(twice)")
        // Non-UTF-8 bytes in the key name: an unknown key, not a crash.
        var raw = Array("GET /authz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Keyscope-Key: ".utf8)
        raw += [0xFF, 0xFE, 0xC3, 0x28]
        raw += Array("\r\nX-Keyscope-Capability: cap_faq\r\n\r\n".utf8)
        let binary = try #require(RawHTTP.exchange(port: port, request: raw))
        #expect(binary.status == 401, "\(binary)")
        // Oversized headers: refused by the HTTP parser's limit, the service goes on.
        let huge = RawHTTP.get(
            port: port, path: "/authz",
            headers: [
                ("X-Keyscope-Key", String(repeating: "k", count: 64 * 1024)), ("X-Keyscope-Capability", "cap_faq"),
            ])
        #expect(huge == nil || (400..<500).contains(huge!.status), "\(String(describing: huge?.status))")
        let long = try #require(Self.authz(port, key: String(repeating: "k", count: 2000), capability: "cap_faq"))
        #expect(long.status == 400, "\(long)")
        // Unknown paths.
        #expect(RawHTTP.get(port: port, path: "/admin")?.status == 404)
        // A thousand idle connections, then a normal request is still answered.
        var idle: [Int32] = []
        for _ in 0..<1000 {
            let fd = RawHTTP.openConnection(port: port)
            if fd >= 0 { idle.append(fd) }
        }
        defer { for fd in idle { close(fd) } }
        #expect(idle.count == 1000)
        #expect(Self.authz(port, key: "customer-b", capability: "cap_order_lookup")?.status == 403)
        let metrics = try #require(RawHTTP.get(port: port, path: "/metrics"))
        #expect(metrics.body.contains("keyscope_decisions_total{outcome=\"not-in-scope\"} 1"), "\(metrics.body)")
        #expect(metrics.body.contains("keyscope_table_serial 10"))
        // SIGHUP reloads (and does not stop the service).
        kill(server.process.processIdentifier, SIGHUP)
        usleep(500_000)
        #expect(server.process.isRunning)
        #expect(server.output.contains("SIGHUP: reloading"), "\(server.output)")
        // Logs are JSON lines and never carry a key name from a request.
        for line in server.output.split(separator: "\n") {
            #expect(line.hasPrefix("{") && line.hasSuffix("}"), "\(line)")
            #expect(!line.contains("customer-"), "\(line)")
        }
    }

    @Test func noTableMeansUnreadyUntilOneIsPublishedAndExpiryMakesItUnreadyAgain() throws {
        let dir = try TestPaths.temporaryDirectory("keyscope-serve")
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = LoopbackHTTPServer.unusedPort()
        try FileManager.default.createDirectory(
            at: dir.appendingPathComponent("published/support-bot"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: TestPaths.fixtures.appendingPathComponent("table-vector/signing-key.pub.pem"),
            to: dir.appendingPathComponent("signing-key.pub.pem"))
        let server = try Self.serve(in: dir, port: port, ["--table", "published/support-bot/current.kst"])
        defer { server.stop() }
        #expect(RawHTTP.get(port: port, path: "/healthz")?.status == 200)
        #expect(RawHTTP.get(port: port, path: "/readyz")?.status == 503)
        let none = try #require(Self.authz(port, key: "customer-a", capability: "cap_faq"))
        #expect(none.status == 503 && none.headers["x-keyscope-reason"] == "no-valid-table", "\(none)")
        // A table valid for 3 seconds: served at once (inotify), then refused when it expires.
        try FileManager.default.removeItem(at: dir.appendingPathComponent("signing-key.pub.pem"))
        try Self.published(in: dir, serial: 20, validFor: "3s")
        var status = 0
        for _ in 0..<200 {
            status = Self.authz(port, key: "customer-a", capability: "cap_faq")?.status ?? 0
            if status == 200 { break }
            usleep(10_000)
        }
        #expect(status == 200, "a published table is in service within two seconds")
        #expect(RawHTTP.get(port: port, path: "/readyz")?.status == 200)
        usleep(4_500_000)
        #expect(
            Self.authz(port, key: "customer-a", capability: "cap_faq")?.status == 503, "an expired table grants nothing"
        )
        #expect(RawHTTP.get(port: port, path: "/readyz")?.status == 503)
    }

    @Test func urlModePollsThePublishDirectory() throws {
        let dir = try TestPaths.temporaryDirectory("keyscope-serve")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.published(in: dir, serial: 30)
        let files = try LoopbackHTTPServer(directory: dir.appendingPathComponent("published"))
        defer { files.stop() }
        let port = LoopbackHTTPServer.unusedPort()
        let server = try Self.serve(
            in: dir, port: port,
            ["--url", "http://127.0.0.1:\(files.port)/", "--product", "support-bot", "--poll-interval", "0.2"])
        defer { server.stop() }
        #expect(Self.authz(port, key: "customer-b", capability: "cap_order_lookup")?.status == 403)
        // customer-b gains order lookup in serial 31.
        let policy = dir.appendingPathComponent("policy")
        try FileManager.default.copyItem(at: TestPaths.fixtures.appendingPathComponent("example"), to: policy)
        let customers = policy.appendingPathComponent("keys/customers.yaml")
        try ExampleEdit.grantingCustomerBOrderLookup(String(contentsOf: customers, encoding: .utf8)).write(
            to: customers, atomically: true, encoding: .utf8)
        try Self.published(in: dir, serial: 31, policy: policy.path)
        var status = 0
        for _ in 0..<300 {
            status = Self.authz(port, key: "customer-b", capability: "cap_order_lookup")?.status ?? 0
            if status == 200 { break }
            usleep(10_000)
        }
        #expect(status == 200, "the polled table is in service within a few polls")
        // A corrupt table at the URL is refused; the last good one keeps serving.
        let current = dir.appendingPathComponent("published/support-bot/current.kst")
        var bytes = try Data(contentsOf: current)
        bytes[200] ^= 0x40
        try bytes.write(to: current)
        try #"{"serial": "99"}"#.write(
            to: dir.appendingPathComponent("published/support-bot/current.json"), atomically: true, encoding: .utf8)
        usleep(600_000)
        #expect(Self.authz(port, key: "customer-b", capability: "cap_order_lookup")?.status == 200)
        #expect(server.output.contains("table refused"), "\(server.output)")
    }
}
