import KeyscopeAccess
import Testing

/// SPEC §12 routes: template syntax, matching and specificity.
@Suite struct RouteTests {
    func route(_ text: String) throws -> RouteTemplate { try RouteTemplate(parsing: text) }

    /// The segments of an already normalised path (normalisation is the gateway side's:
    /// `RequestPath` in KeyscopeTable, tested there).
    func segments(_ target: String) throws -> [Substring] {
        target == "/" ? [] : Array(target.dropFirst().split(separator: "/", omittingEmptySubsequences: false))
    }

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
        // Both match a HEAD request; the one naming HEAD wins.
        #expect(RouteTemplate.moreSpecific(try route("HEAD /x"), than: try route("GET /x")))
    }

    @Test func templatesHaveAtMostSixteenSegments() throws {
        let sixteen = "GET " + String(repeating: "/a", count: 16)
        #expect(try route(sixteen).segments.count == 16)
        #expect(throws: RouteTemplate.ParseError.self) { try route(sixteen + "/a") }
    }
}
