import KeyscopeAccess
import Testing

/// SPEC §12 routes: template syntax, matching, specificity, and request-path normalisation
/// (the hostile cases: dot segments, encoded dots, repeated slashes, trailing slashes, case,
/// encoded separators).
@Suite struct RouteTests {
    func route(_ text: String) throws -> RouteTemplate { try RouteTemplate(parsing: text) }

    func segments(_ target: String) throws -> [Substring] { try RoutePath.normalise(target) }

    @Test func templatesParse() throws {
        #expect(try route("GET /v1/orders/{id}").segments == [.literal("v1"), .literal("orders"), .parameter("id")])
        #expect(try route("* /files/{path...}").segments == [.literal("files"), .rest("path")])
        #expect(try route("GET /").segments == [])
        #expect(try route("GET /v1/faq/").segments == [.literal("v1"), .literal("faq"), .literal("")])
        #expect(try route("GET /v1/orders/{id}").shape == (try route("GET /v1/orders/{order}")).shape)
    }

    @Test(arguments: [
        "GET", "get /v1", "GET  /v1", "FETCH /v1", "GET v1", "GET /v1//x", "GET /v1/{id", "GET /v1/{Id}",
        "GET /v1/{rest...}/x", "GET /v1/../x", "GET /v1/%2e", "GET /v1/a?b", "GET /v1/{}",
    ])
    func malformedTemplatesAreRefused(text: String) {
        #expect(throws: RouteTemplate.ParseError.self) { try RouteTemplate(parsing: text) }
    }

    @Test func matching() throws {
        let order = try route("GET /v1/orders/{id}")
        #expect(order.matches(method: "GET", segments: try segments("/v1/orders/42")))
        #expect(order.matches(method: "HEAD", segments: try segments("/v1/orders/42")), "HEAD follows GET")
        #expect(!order.matches(method: "POST", segments: try segments("/v1/orders/42")))
        #expect(!order.matches(method: "GET", segments: try segments("/v1/orders")))
        #expect(!order.matches(method: "GET", segments: try segments("/v1/orders/42/items")))
        #expect(!order.matches(method: "GET", segments: try segments("/v1/orders/")), "a parameter is never empty")
        #expect(!order.matches(method: "GET", segments: try segments("/V1/orders/42")), "paths are case-sensitive")
        let files = try route("* /files/{path...}")
        #expect(files.matches(method: "DELETE", segments: try segments("/files/a/b/c")))
        #expect(!files.matches(method: "GET", segments: try segments("/files")), "a rest is one segment or more")
        #expect(!files.matches(method: "GET", segments: try segments("/files/")))
        let faq = try route("GET /v1/faq")
        #expect(!faq.matches(method: "GET", segments: try segments("/v1/faq/")), "a trailing slash is a different path")
    }

    @Test func mostSpecificFirst() throws {
        let routes = try ["GET /v1/orders/{id}", "* /v1/{rest...}", "GET /v1/orders/export", "* /v1/orders/export"]
            .map(route)
        let sorted = routes.sorted(by: RouteTemplate.moreSpecific)
        #expect(
            sorted.map(\.description) == [
                "GET /v1/orders/export", "* /v1/orders/export", "GET /v1/orders/{id}", "* /v1/{rest...}",
            ])
    }

    @Test func normalisationMatchesWhatTheGatewayRoutes() throws {
        #expect(try segments("/v1/orders/../admin") == ["v1", "admin"])
        #expect(try segments("/v1/orders/%2e%2e/admin") == ["v1", "admin"], "encoded dots are dots")
        #expect(try segments("/v1/orders/%2E%2E/admin") == ["v1", "admin"])
        #expect(try segments("/v1//orders///42") == ["v1", "orders", "42"], "repeated slashes merge")
        #expect(try segments("/v1/./faq") == ["v1", "faq"])
        #expect(try segments("/v1/faq/") == ["v1", "faq", ""], "a trailing slash is kept")
        #expect(try segments("/v1/faq?x=/../admin") == ["v1", "faq"], "the query is not the path")
        #expect(try segments("/v1/f%61q") == ["v1", "faq"], "unreserved escapes decode")
        #expect(try segments("/v1/a%3ab") == ["v1", "a%3Ab"], "reserved escapes stay, upper-cased")
        #expect(try segments("/") == [])
        #expect(throws: RoutePath.Refusal.aboveRoot) { try RoutePath.normalise("/../etc/passwd") }
        #expect(throws: RoutePath.Refusal.aboveRoot) { try RoutePath.normalise("/v1/%2e%2e/%2e%2e/x") }
        #expect(throws: RoutePath.Refusal.encodedSeparator) { try RoutePath.normalise("/v1/faq%2F..%2Fadmin") }
        #expect(throws: RoutePath.Refusal.encodedSeparator) { try RoutePath.normalise("/v1/faq%5c..%5cadmin") }
        #expect(throws: RoutePath.Refusal.badEscape) { try RoutePath.normalise("/v1/%zz") }
        #expect(throws: RoutePath.Refusal.badEscape) { try RoutePath.normalise("/v1/%00") }
        #expect(throws: RoutePath.Refusal.notAbsolute) { try RoutePath.normalise("http://x/v1") }
    }
}
