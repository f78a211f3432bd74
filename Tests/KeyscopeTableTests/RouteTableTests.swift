import KeyscopeAccess
import KeyscopeTable
import KeyscopeTableTools
import Testing

/// SPEC §12 on the gateway side: request paths normalised as the gateway routes them, the
/// table's route tree (against the reference matcher of `RouteTemplate`), and keys found by
/// the fingerprint of their secret.
@Suite struct RouteTableTests {
    func normalised(_ target: String) throws -> [Substring] {
        RequestPath.segments(of: try RequestPath.normalise(Substring(target)))
    }

    @Test func normalisationMatchesWhatTheGatewayRoutes() throws {
        #expect(try normalised("/v1/orders/../admin") == ["v1", "admin"])
        #expect(try normalised("/v1/orders/%2e%2e/admin") == ["v1", "admin"], "encoded dots are dots")
        #expect(try normalised("/v1/orders/%2E%2E/admin") == ["v1", "admin"])
        #expect(try normalised("/v1/orders/.%2e/admin") == ["v1", "admin"])
        #expect(try normalised("/v1//orders///42") == ["v1", "orders", "42"], "repeated slashes merge")
        #expect(try normalised("/v1/./faq") == ["v1", "faq"])
        #expect(try normalised("/v1/faq/.") == ["v1", "faq", ""])
        #expect(try normalised("/v1/faq/") == ["v1", "faq", ""], "a trailing slash is kept")
        #expect(try normalised("/v1/faq?x=/../admin") == ["v1", "faq"], "the query is not the path")
        #expect(try normalised("/v1/faq#/../admin") == ["v1", "faq"])
        #expect(try normalised("/v1/f%61q") == ["v1", "faq"], "unreserved escapes decode")
        #expect(try normalised("/v1/a%3ab") == ["v1", "a%3Ab"], "reserved escapes stay, upper-cased")
        #expect(try normalised("/V1/FAQ") == ["V1", "FAQ"], "case is kept")
        #expect(try normalised("/v1/...") == ["v1", "..."], "three dots are a name")
        #expect(try normalised("/v1/.well-known") == ["v1", ".well-known"])
        #expect(try normalised("/") == [])
        #expect(throws: RequestPath.Refusal.aboveRoot) { try RequestPath.normalise("/../etc/passwd") }
        #expect(throws: RequestPath.Refusal.aboveRoot) { try RequestPath.normalise("/v1/%2e%2e/%2e%2e/x") }
        #expect(throws: RequestPath.Refusal.encodedSeparator) { try RequestPath.normalise("/v1/faq%2F..%2Fadmin") }
        #expect(throws: RequestPath.Refusal.encodedSeparator) { try RequestPath.normalise("/v1/faq%5c..%5cadmin") }
        #expect(throws: RequestPath.Refusal.badEscape) { try RequestPath.normalise("/v1/%zz") }
        #expect(throws: RequestPath.Refusal.badEscape) { try RequestPath.normalise("/v1/%2") }
        #expect(throws: RequestPath.Refusal.badEscape) { try RequestPath.normalise("/v1/%00") }
        #expect(throws: RequestPath.Refusal.notAbsolute) { try RequestPath.normalise("http://x/v1") }
        #expect(throws: RequestPath.Refusal.notAbsolute) { try RequestPath.normalise("*") }
    }

    @Test func aNormalPathIsItsOwnNormalForm() throws {
        for path in ["/", "/v1/orders/42", "/v1/faq/", "/a.b/c..d/...", "/.x"] {
            let target = Substring(path)
            let result = try RequestPath.normalise(target)
            #expect(result == target)
            #expect(result.startIndex == target.startIndex && result.endIndex == target.endIndex, "a slice, not a copy")
        }
    }

    static let catalog: [(id: String, routes: [String])] = [
        ("cap_admin", ["* /v1/admin/{rest...}", "GET /v1/admin"]),
        ("cap_export", ["GET /v1/orders/export", "HEAD /v1/orders/export"]),
        ("cap_faq", ["GET /v1/faq", "GET /v1/faq/", "GET /"]),
        ("cap_files", ["* /files/{path...}", "PUT /files/{dir}/upload"]),
        ("cap_order_lookup", ["GET /v1/orders/{id}", "GET /v1/orders/{id}/items/{item}"]),
        ("cap_orders_write", ["POST /v1/orders", "PATCH /v1/orders/{id}", "DELETE /v1/orders/{id}"]),
        ("cap_wild", ["* /v1/{section}/{id}/notes"]),
    ]

    func table(fingerprints: [[[UInt8]]] = []) throws -> ScopeTable {
        let capabilities = Self.catalog.map {
            TableCapability(id: $0.id, name: $0.id, owner: 0, tags: [], deprecated: nil, routes: $0.routes.sorted())
        }
        let keys = ["alpha", "beta", "gamma"].enumerated().map { index, name in
            TableKey(
                name: name, description: nil, audience: .customer, owners: [0], expiresDay: name == "gamma" ? 1 : nil,
                unscoped: name == "alpha", capabilities: name == "beta" ? [2, 4] : [],
                selectors: [], fingerprints: index < fingerprints.count ? fingerprints[index] : [])
        }
        let contents = TableContents(
            metadata: TableMetadata(
                productID: "p", productName: "P", serial: 1, issuedAt: 0, expiresAt: 4_000_000_000, revision: nil),
            teams: [TableTeam(id: "t", name: "T", reviewers: [])], capabilities: capabilities, keys: keys)
        let bytes = try TableSigner.sign(try TableEncoder.encode(contents), with: vectorKey)
        let table = try ScopeTable(bytes: bytes, options: trusting(now: 1_767_225_660))
        #expect(table.contents().capabilities.map(\.routes) == capabilities.map(\.routes), "routes decode back")
        return table
    }

    func tableMatch(_ table: ScopeTable, _ method: String, _ target: String) throws -> String? {
        let path = try RequestPath.normalise(Substring(target))
        var bytes = Array(path.utf8)
        return bytes.withUnsafeMutableBytes { raw in
            table.findRoute(method: TableFormat.RouteMethod(text: method), path: UnsafeRawBufferPointer(raw))
        }.map(table.capabilityID)
    }

    /// The reference: every template of the catalog, most specific first, the first that matches.
    func referenceMatch(_ method: String, _ target: String) throws -> String? {
        let templates = try Self.catalog.flatMap { entry in
            try entry.routes.map { (id: entry.id, template: try RouteTemplate(parsing: $0)) }
        }.sorted { RouteTemplate.moreSpecific($0.template, than: $1.template) }
        let segments = try normalised(target)
        return templates.first { $0.template.matches(method: method, segments: segments) }?.id
    }

    @Test func theRouteTreeAgreesWithTheReferenceMatcher() throws {
        let table = try table()
        let methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]
        let paths = [
            "/", "/v1", "/v1/", "/v1/faq", "/v1/faq/", "/v1/faq/x", "/v1/admin", "/v1/admin/", "/v1/admin/users",
            "/v1/admin/users/7", "/v1/orders", "/v1/orders/", "/v1/orders/42", "/v1/orders/export",
            "/v1/orders/42/items", "/v1/orders/42/items/9", "/v1/orders/42/notes", "/v1/x/y/notes",
            "/v1/orders/export/notes", "/files", "/files/", "/files/a", "/files/a/upload", "/files/a/b/upload",
            "/v1/orders/../admin/x", "/v1/orders/%2e%2e/admin", "/v1//orders//42", "/V1/FAQ",
        ]
        var matched = 0
        for method in methods {
            for path in paths {
                let expected = try referenceMatch(method, path)
                #expect(try tableMatch(table, method, path) == expected, "\(method) \(path)")
                if expected != nil { matched += 1 }
            }
        }
        #expect(matched > 60, "the comparison exercised matches, not only misses")
        #expect(try tableMatch(table, "HEAD", "/v1/orders/export") == "cap_export")
        #expect(try tableMatch(table, "GET", "/v1/orders/export") == "cap_export")
        #expect(try tableMatch(table, "GET", "/v1/orders/42") == "cap_order_lookup")
        #expect(try tableMatch(table, "GET", "/v1/orders/../admin/x") == "cap_admin", "the path the gateway serves")
        #expect(try tableMatch(table, "PUT", "/files/a/upload") == "cap_files")
        #expect(try tableMatch(table, "GET", "/v1/orders") == nil)
    }

    @Test func fingerprintsFindTheirKey() throws {
        let secrets = ["ks_alpha_secret_0001", "ks_beta_secret_00001", "ks_beta_secret_00002"]
        let digests = secrets.map { KeyFingerprint.digest(of: Array($0.utf8)) }
        let table = try table(fingerprints: [
            [digests[0]], [digests[1], digests[2]].sorted { $0.lexicographicallyPrecedes($1) },
        ])
        #expect(table.header.fingerprintCount == 3)
        #expect(table.header.formatVersion == 2)
        for (secret, key) in zip(secrets, ["alpha", "beta", "beta"]) {
            let digest = KeyFingerprint.digest(of: Array(secret.utf8))
            #expect(digest.withUnsafeBytes { table.findKey(fingerprint: $0) }.map(table.keyName) == key)
        }
        var other = digests[0]
        other[31] ^= 1
        #expect(other.withUnsafeBytes { table.findKey(fingerprint: $0) } == nil, "one bit off is no key")
        #expect([UInt8](repeating: 0, count: 31).withUnsafeBytes { table.findKey(fingerprint: $0) } == nil)
        let decoded = table.contents().keys
        #expect(decoded.first { $0.name == "beta" }?.fingerprints.count == 2)
        #expect(decoded.first { $0.name == "gamma" }?.fingerprints == [])
    }

    @Test func routedDecisions() throws {
        let digests = ["ks_alpha_secret_0001", "ks_beta_secret_00001", "ks_gamma_secret_0001"].map {
            KeyFingerprint.digest(of: Array($0.utf8))
        }
        let table = try table(fingerprints: digests.map { [$0] })
        func decide(_ secret: Int, _ method: String, _ path: String) -> (Decision, String?, String?) {
            var pathBytes = Array(path.utf8)
            let result = digests[secret].withUnsafeBytes { digest in
                pathBytes.withUnsafeMutableBytes { raw in
                    table.decide(
                        fingerprint: digest, method: TableFormat.RouteMethod(text: method),
                        path: UnsafeRawBufferPointer(raw), now: 1_767_225_660)
                }
            }
            return (result.decision, result.key.map(table.keyName), result.capability.map(table.capabilityID))
        }
        #expect(decide(0, "DELETE", "/v1/admin/users") == (.allow, "alpha", "cap_admin"), "unscoped")
        #expect(decide(1, "GET", "/v1/orders/42") == (.allow, "beta", "cap_order_lookup"))
        #expect(decide(1, "POST", "/v1/orders") == (.deny(.notInScope), "beta", "cap_orders_write"))
        #expect(decide(1, "GET", "/nowhere") == (.deny(.unknownRoute), "beta", nil))
        #expect(decide(2, "GET", "/v1/faq") == (.deny(.keyExpired), "gamma", nil))
    }
}
