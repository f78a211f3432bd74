import Foundation
import KeyscopeTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `keyscope serve` behind the real nginx and the real Caddy with the shipped configuration
/// (`deploy/`), checked byte for byte from the gateway's client (issue 14). With CI=true a missing
/// server is a failure, not a skip.
@Suite(.serialized) struct GatewayTests {
    static let forbidden =
        #"{"error": "API key does not have permission to access this capability", "capabilityId": "cap_order_lookup"}"#

    /// A publish directory with the example policy (plus an expired key), keyscope serve on it, and an upstream.
    final class Stack: @unchecked Sendable {
        let dir: URL
        let upstream: LoopbackHTTPServer
        var serve: ServerProcess?
        let servePort = LoopbackHTTPServer.unusedPort()
        var serial: UInt64 = 1_000

        /// Arguments of keyscope-serve besides the table, the key and the address.
        let serveArguments: [String]

        /// `policies`: the test fixture's example (header mode), or, with `identity`, its copy of
        /// the shipped example with fingerprints and routes (`example-identity`, SPEC §12).
        init(identity serveArguments: [String]? = nil) throws {
            self.serveArguments = serveArguments ?? []
            dir = try TestPaths.temporaryDirectory("keyscope-gateway")
            try FileManager.default.copyItem(
                at: serveArguments == nil
                    ? TestPaths.fixtures.appendingPathComponent("example")
                    : TestPaths.fixtures.appendingPathComponent("example-identity"),
                to: dir.appendingPathComponent("policies"))
            try TestPaths.write(
                [
                    "policies/keys/retired.yaml": """
                    apiVersion: keyscope/v1
                    kind: KeySet
                    product: support-bot
                    owners: [support]
                    keys:
                      - name: old-partner
                        description: expired partner key
                        audience: partner
                        capabilities: [cap_faq, cap_order_lookup]
                        expires: 2025-06-30
                        # secret: ks_example_old_partner_secret
                        fingerprints: ["sha256:383e2753e6ccd1280670c6019261cc8be9c451bb3c1c77a0bb504bed3a711bb9"]

                    """
                ], under: dir)
            try TestPaths.installVectorKey(in: dir)
            upstream = try LoopbackHTTPServer { path in Data("upstream saw \(path)\n".utf8) }
            try publish()
        }

        /// Compiles the policy as it is now with the next serial and publishes it.
        func publish() throws {
            serial += 1
            let compile = try KeyscopeCommand.run(
                [
                    "compile", "policies", "--out", "out", "--serial", String(serial), "--signing-key",
                    "signing-key.pem",
                    "--quiet",
                ], in: dir)
            guard compile.status == 0 else { throw TestFailure("compile: \(compile.stderr)") }
            let publish = try KeyscopeCommand.run(
                ["publish", "out/support-bot.kst", "--to", "published", "--trusted-key", "signing-key.pub.pem"], in: dir
            )
            guard publish.status == 0 else { throw TestFailure("publish: \(publish.stderr)") }
        }

        func startServe() throws {
            serve = try ServerProcess(
                TestPaths.sibling("keyscope-serve").path,
                [
                    "--table", "published/support-bot/current.kst", "--trusted-key", "signing-key.pub.pem",
                    "--listen", "127.0.0.1:\(servePort)", "--threads", "2",
                ] + serveArguments, in: dir)
            guard RawHTTP.waitForPort(servePort) else {
                throw TestFailure("keyscope serve did not start: \(serve?.output ?? "")")
            }
        }

        /// A shipped configuration file with the test's ports and paths.
        func shipped(_ path: String, gatewayPort: Int, replacing extra: [String: String] = [:]) throws -> String {
            var text = try String(
                contentsOf: TestPaths.packageRoot.appendingPathComponent("deploy/\(path)"), encoding: .utf8)
            let replacements = [
                "127.0.0.1:7070": "127.0.0.1:\(servePort)", "127.0.0.1:9000": "127.0.0.1:\(upstream.port)",
            ].merging(extra) { $1 }
            for (from, to) in replacements {
                if !text.contains(from) {
                    // The ports of servers a file does not mention are fine; what the test names must be there.
                    if extra[from] != nil { throw TestFailure("deploy/\(path) no longer contains \(from)") }
                    continue
                }
                text = text.replacingOccurrences(of: from, with: to)
            }
            return text
        }

        func stop() {
            serve?.stop()
            upstream.stop()
            try? FileManager.default.removeItem(at: dir)
        }
    }

    /// The secrets the stand-in authenticator maps to key names (a `map` in both configurations).
    static let secrets = [
        ("secret-a", "customer-a"), ("secret-b", "customer-b"), ("secret-old", "old-partner"),
        ("secret-ghost", "ghost"),
    ]

    /// What every gateway must answer, checked through `port`.
    static func checkContract(port: Int, stack: Stack, gateway: String) throws {
        func call(_ path: String, _ secret: String?, extra: [(String, String)] = []) throws -> RawResponse {
            try #require(
                RawHTTP.get(port: port, path: path, headers: (secret.map { [("X-API-Key", $0)] } ?? []) + extra),
                "\(gateway): no response for \(path)")
        }
        let allowed = try call("/v1/orders/42", "secret-a")
        #expect(allowed.status == 200, "\(gateway) allowed: \(allowed)")
        #expect(allowed.body == "upstream saw /v1/orders/42\n", "\(gateway): the call reaches the upstream")

        let outOfScope = try call("/v1/orders/42", "secret-b")
        #expect(outOfScope.status == 403, "\(gateway): \(outOfScope)")
        #expect(outOfScope.body == forbidden, "\(gateway): exactly the product's 403 body")
        #expect(outOfScope.headers["content-type"] == "application/json", "\(gateway): \(outOfScope.headers)")

        let inScope = try call("/v1/faq", "secret-b")
        #expect(inScope.status == 200, "\(gateway): \(inScope)")

        let expired = try call("/v1/faq", "secret-old")
        #expect(expired.status == 403, "\(gateway): \(expired)")
        #expect(expired.body.contains(#""reason": "key-expired""#), "\(gateway): \(expired.body)")

        let unknown = try call("/v1/faq", "secret-ghost")
        #expect(unknown.status == 401, "\(gateway): \(unknown)")
        #expect(unknown.body.contains(#""reason": "unknown-key""#), "\(gateway): \(unknown.body)")

        let missing = try call("/v1/faq", nil)
        #expect(missing.status == 401, "\(gateway): \(missing)")

        // A client naming a key itself is not believed: the gateway sets the header.
        let spoofed = try call("/v1/orders/42", nil, extra: [("X-Keyscope-Key", "mobile-app")])
        #expect(spoofed.status == 401, "\(gateway): a client-supplied key name must not count: \(spoofed)")
    }

    static func requireTool(_ name: String) throws -> String? {
        if let path = TestPaths.tool(name) { return path }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("\(name) is not installed; .ci/run installs it (a missing server fails in CI)")
        }
        return nil
    }

    @Test func nginxEnforcesTheTable() throws {
        guard let nginx = try Self.requireTool("nginx") else { return }
        let stack = try Stack()
        defer { stack.stop() }
        try stack.startServe()
        let port = LoopbackHTTPServer.unusedPort()
        let conf = stack.dir.appendingPathComponent("nginx")
        try FileManager.default.createDirectory(at: conf, withIntermediateDirectories: true)
        try Self.secrets.map { "\"\($0.0)\" \($0.1);\n" }.joined().write(
            to: conf.appendingPathComponent("keys.map"), atomically: true, encoding: .utf8)
        try stack.shipped("nginx/keyscope.conf", gatewayPort: port).write(
            to: conf.appendingPathComponent("keyscope.conf"), atomically: true, encoding: .utf8)
        try stack.shipped(
            "nginx/site.conf", gatewayPort: port,
            replacing: [
                "listen 127.0.0.1:8080": "listen 127.0.0.1:\(port)",
                "/etc/nginx/keyscope/keys.map": conf.appendingPathComponent("keys.map").path,
            ]
        ).write(to: conf.appendingPathComponent("site.conf"), atomically: true, encoding: .utf8)
        let server = try Self.startNginx(nginx, conf: conf)
        defer { server.stop() }
        #expect(RawHTTP.waitForPort(port), "nginx did not start: \(server.output)")
        try Self.checkContract(port: port, stack: stack, gateway: "nginx")
        try Self.checkPropagationAndFailClosed(port: port, stack: stack, gateway: "nginx")
    }

    @Test func caddyEnforcesTheTable() throws {
        guard let caddy = try Self.requireTool("caddy") else { return }
        let stack = try Stack()
        defer { stack.stop() }
        try stack.startServe()
        let port = LoopbackHTTPServer.unusedPort()
        let conf = stack.dir.appendingPathComponent("caddy")
        try FileManager.default.createDirectory(at: conf, withIntermediateDirectories: true)
        try Self.secrets.map { "\($0.0) \($0.1)\n" }.joined().write(
            to: conf.appendingPathComponent("keys.map"), atomically: true, encoding: .utf8)
        try stack.shipped("caddy/Caddyfile", gatewayPort: port, replacing: [":8081": ":\(port)"]).write(
            to: conf.appendingPathComponent("Caddyfile"), atomically: true, encoding: .utf8)
        let server = try Self.startCaddy(caddy, conf: conf)
        defer { server.stop() }
        #expect(RawHTTP.waitForPort(port), "caddy did not start: \(server.output)")
        try Self.checkContract(port: port, stack: stack, gateway: "caddy")
        try Self.checkPropagationAndFailClosed(port: port, stack: stack, gateway: "caddy")
    }

    // MARK: SPEC §12: the key from its secret, the capability from the route

    /// The documented example secrets of `policies/` (comments beside each fingerprint).
    static func secret(_ key: String) -> String { "ks_example_\(key.replacingOccurrences(of: "-", with: "_"))_secret" }

    /// What every gateway must answer with SPEC §12 identity: real secrets, routes from the
    /// policy, the path the gateway normalises, and nothing the client sends about its own key,
    /// capability or path believed.
    static func checkIdentityContract(port: Int, gateway: String, send: (String) -> (String, String)) throws {
        func call(_ method: String, _ path: String, _ key: String?, extra: [(String, String)] = []) throws
            -> RawResponse
        {
            try #require(
                RawHTTP.get(
                    port: port, path: path, method: method,
                    headers: (key.map { [send(secret($0))] } ?? []) + extra),
                "\(gateway): no response for \(method) \(path)")
        }
        func reason(_ response: RawResponse) -> String {
            response.body.firstMatch(of: /"reason": "([a-z-]+)"/).map { String($0.1) } ?? "-"
        }
        let allowed = try call("GET", "/v1/orders/42", "customer-a")
        #expect(allowed.status == 200, "\(gateway) allowed: \(allowed)")
        #expect(allowed.body == "upstream saw /v1/orders/42\n", "\(gateway): the call reaches the upstream")

        let outOfScope = try call("GET", "/v1/orders/42", "customer-b")
        #expect(outOfScope.status == 403, "\(gateway): \(outOfScope)")
        #expect(outOfScope.body == forbidden, "\(gateway): exactly the product's 403 body")
        #expect(outOfScope.headers["content-type"] == "application/json", "\(gateway): \(outOfScope.headers)")
        let withQuery = try call("GET", "/v1/faq/shipping?lang=en&q=a%2Fb", "customer-b")
        #expect(withQuery.status == 200, "\(gateway): a parameter route: \(withQuery)")
        #expect(
            withQuery.body == "upstream saw /v1/faq/shipping?lang=en&q=a%2Fb\n",
            "\(gateway): the query reaches the upstream as sent: \(withQuery.body)")

        // The classic detours around a per-location configuration: each is the order lookup.
        for detour in [
            "/v1/faq/../orders/42", "/v1/faq/%2e%2e/orders/42", "/v1/faq/%2E%2E/orders/42", "/v1//orders/42",
        ] {
            let denied = try call("GET", detour, "customer-b")
            #expect(
                denied.status == 403 && denied.body == forbidden,
                "\(gateway): \(detour) must be the order lookup: \(denied)")
            let served = try call("GET", detour, "customer-a")
            #expect(served.status == 200, "\(gateway): \(detour) for customer-a: \(served)")
            #expect(
                served.body == "upstream saw /v1/orders/42\n",
                "\(gateway): the upstream gets the path that was authorized")
        }
        let encoded = try call("GET", "/v1/faq%2F..%2Forders/42", "customer-a")
        #expect(
            encoded.status == 403 && reason(encoded) == "unknown-route",
            "\(gateway): an encoded separator has two readings and is never served: \(encoded)")

        let noRoute = try call("GET", "/v1/nowhere", "customer-a")
        #expect(noRoute.status == 403 && reason(noRoute) == "unknown-route", "\(gateway): \(noRoute)")
        let wrongMethod = try call("POST", "/v1/faq", "customer-a")
        #expect(wrongMethod.status == 403 && reason(wrongMethod) == "unknown-route", "\(gateway): \(wrongMethod)")
        let head = try call("HEAD", "/v1/faq", "customer-b")
        #expect(head.status == 200, "\(gateway): HEAD follows GET: \(head)")

        let expired = try call("GET", "/v1/faq", "old-partner")
        #expect(expired.status == 403 && reason(expired) == "key-expired", "\(gateway): \(expired)")
        let unknown = try call("GET", "/v1/faq", "nobody-at-all")
        #expect(unknown.status == 401 && reason(unknown) == "unknown-key", "\(gateway): \(unknown)")
        let missing = try call("GET", "/v1/faq", nil)
        #expect(missing.status == 401, "\(gateway): \(missing)")

        // Nothing the client says about itself counts: not a key name, not the original URI,
        // not the authorized path.
        let named = try call("GET", "/v1/faq", nil, extra: [("X-Keyscope-Key", "mobile-app")])
        #expect(named.status == 401, "\(gateway): a key name from the client: \(named)")
        let spoofedURI = try call(
            "GET", "/v1/orders/42", "customer-b",
            extra: [("X-Original-URI", "/v1/faq"), ("X-Forwarded-Uri", "/v1/faq"), ("X-Original-Method", "GET")])
        #expect(
            spoofedURI.status == 403 && spoofedURI.body == forbidden, "\(gateway): a URI from the client: \(spoofedURI)"
        )
        let spoofedPath = try call("GET", "/v1/faq", "customer-b", extra: [("X-Keyscope-Path", "/v1/orders/42")])
        #expect(spoofedPath.body == "upstream saw /v1/faq\n", "\(gateway): a path from the client: \(spoofedPath)")
    }

    @Test func nginxEnforcesTheTableByFingerprintAndRoute() throws {
        guard let nginx = try Self.requireTool("nginx") else { return }
        let stack = try Stack(identity: [
            "--key-from", "secret", "--secret-header", "Authorization", "--capability-from", "nginx",
        ])
        defer { stack.stop() }
        try stack.startServe()
        let port = LoopbackHTTPServer.unusedPort()
        let conf = stack.dir.appendingPathComponent("nginx")
        try FileManager.default.createDirectory(at: conf, withIntermediateDirectories: true)
        try stack.shipped("nginx/keyscope.conf", gatewayPort: port).write(
            to: conf.appendingPathComponent("keyscope.conf"), atomically: true, encoding: .utf8)
        try stack.shipped(
            "nginx/site-fingerprints.conf", gatewayPort: port,
            replacing: ["listen 127.0.0.1:8080": "listen 127.0.0.1:\(port)"]
        ).write(to: conf.appendingPathComponent("site.conf"), atomically: true, encoding: .utf8)
        let server = try Self.startNginx(nginx, conf: conf)
        defer { server.stop() }
        #expect(RawHTTP.waitForPort(port), "nginx did not start: \(server.output)")
        try Self.checkIdentityContract(port: port, gateway: "nginx") { ("Authorization", "Bearer \($0)") }
    }

    @Test func caddyEnforcesTheTableByFingerprintAndRoute() throws {
        guard let caddy = try Self.requireTool("caddy") else { return }
        let stack = try Stack(identity: [
            "--key-from", "secret", "--secret-header", "X-API-Key", "--capability-from", "forwarded",
        ])
        defer { stack.stop() }
        try stack.startServe()
        let port = LoopbackHTTPServer.unusedPort()
        let conf = stack.dir.appendingPathComponent("caddy")
        try FileManager.default.createDirectory(at: conf, withIntermediateDirectories: true)
        try stack.shipped("caddy/Caddyfile-fingerprints", gatewayPort: port, replacing: [":8081": ":\(port)"]).write(
            to: conf.appendingPathComponent("Caddyfile"), atomically: true, encoding: .utf8)
        let server = try Self.startCaddy(caddy, conf: conf)
        defer { server.stop() }
        #expect(RawHTTP.waitForPort(port), "caddy did not start: \(server.output)")
        try Self.checkIdentityContract(port: port, gateway: "caddy") { ("X-API-Key", $0) }
    }

    /// nginx with `keyscope.conf` and `site.conf` of `conf`, its files and pid kept there.
    static func startNginx(_ nginx: String, conf: URL) throws -> ServerProcess {
        let temp = conf.path
        try """
        pid \(temp)/nginx.pid;
        error_log \(temp)/error.log warn;
        worker_processes 1;
        events { worker_connections 1024; }
        http {
            access_log off;
            client_body_temp_path \(temp)/body;
            proxy_temp_path \(temp)/proxy;
            fastcgi_temp_path \(temp)/fastcgi;
            uwsgi_temp_path \(temp)/uwsgi;
            scgi_temp_path \(temp)/scgi;
            include \(temp)/keyscope.conf;
            include \(temp)/site.conf;
        }
        """.write(to: conf.appendingPathComponent("nginx.conf"), atomically: true, encoding: .utf8)
        return try ServerProcess(
            nginx, ["-p", temp, "-c", conf.appendingPathComponent("nginx.conf").path, "-g", "daemon off;"], in: conf)
    }

    /// Caddy with the `Caddyfile` of `conf`, its state kept there.
    static func startCaddy(_ caddy: String, conf: URL) throws -> ServerProcess {
        try ServerProcess(
            caddy, ["run", "--config", conf.appendingPathComponent("Caddyfile").path, "--adapter", "caddyfile"],
            in: conf,
            environment: ["HOME": conf.path, "XDG_DATA_HOME": conf.path, "XDG_CONFIG_HOME": conf.path])
    }

    /// A published table is in service at once; keyscope stopped means 503 at the gateway.
    static func checkPropagationAndFailClosed(port: Int, stack: Stack, gateway: String) throws {
        let customers = stack.dir.appendingPathComponent("policies/keys/customers.yaml")
        let text = try String(contentsOf: customers, encoding: .utf8)
        try ExampleEdit.grantingCustomerBOrderLookup(text).write(to: customers, atomically: true, encoding: .utf8)
        try stack.publish()
        var status = 0
        let start = Date()
        while Date().timeIntervalSince(start) < 5 {
            status = RawHTTP.get(port: port, path: "/v1/orders/42", headers: [("X-API-Key", "secret-b")])?.status ?? 0
            if status == 200 { break }
            usleep(5_000)
        }
        #expect(status == 200, "\(gateway): the newly published table grants customer-b order lookup")
        try text.write(to: customers, atomically: true, encoding: .utf8)

        stack.serve?.stop()
        let down = try #require(RawHTTP.get(port: port, path: "/v1/faq", headers: [("X-API-Key", "secret-a")]))
        #expect(down.status == 503, "\(gateway): keyscope stopped must fail closed: \(down)")
        #expect(down.body.contains("authorization-unavailable"), "\(gateway): \(down.body)")
    }
}
