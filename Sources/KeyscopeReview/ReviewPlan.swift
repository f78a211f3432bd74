import Foundation
import KeyscopePolicy
import KeyscopeSupport
import KeyscopeTable
import KeyscopeTableTools

/// The access a product grants, reduced to one digest: what a review approved.
///
/// The digest covers everything of a product that the access diff shows, in a canonical order:
/// its name, every capability (id, name, owner, tags, deprecation, routes) and every key (name,
/// description, audience, owners, expiry, unscoped, capabilities, selectors, fingerprints). It leaves out what
/// changes with every compile and does not change access: serial, issue and expiry times,
/// revision, signature. So a policy state and the table compiled from it have the same digest,
/// and two compiles of the same policy do too.
public enum AccessDigest {
    /// `sha256:<64 hex>` of the product's canonical form.
    public static func of(_ product: ProductState) -> String {
        "sha256:" + Hex.sha256(canonical(product).rendered(pretty: false).utf8)
    }

    static func canonical(_ product: ProductState) -> JSONValue {
        let capabilities = product.capabilities.values.sorted { bytewiseLess($0.id, $1.id) }.map { capability in
            JSONValue.object([
                ("id", .string(capability.id)), ("name", .string(capability.name)),
                ("owner", .string(capability.owner)),
                ("tags", .array(capability.tags.sorted(by: bytewiseLess).map { .string($0) })),
                ("deprecated", .string(capability.deprecated)),
                ("routes", .array(capability.routes.sorted(by: bytewiseLess).map { .string($0) })),
            ])
        }
        let keys = product.keys.values.sorted { bytewiseLess($0.name, $1.name) }.map { key in
            JSONValue.object([
                ("name", .string(key.name)), ("description", .string(key.description)),
                ("audience", .string(key.audience)),
                ("owners", .array(key.owners.sorted(by: bytewiseLess).map { .string($0) })),
                ("expires", .string(key.expires)), ("unscoped", .bool(key.unscoped)),
                ("capabilities", .array(key.capabilities.sorted(by: bytewiseLess).map { .string($0) })),
                ("selectors", .array(key.selectors.sorted(by: bytewiseLess).map { .string($0) })),
                ("fingerprints", .array(key.fingerprints.sorted(by: bytewiseLess).map { .string($0) })),
            ])
        }
        return .object([
            ("id", .string(product.id)), ("name", .string(product.name)), ("capabilities", .array(capabilities)),
            ("keys", .array(keys)),
        ])
    }
}

/// A reviewed change (`keyscope diff --out plan.json`), and the check that what is published is
/// exactly it (`keyscope publish --plan plan.json`): terraform's `plan -out` / `apply PLAN`.
///
/// Per product it records the digest of the base state (what was deployed, or what the change
/// was reviewed against) and of the reviewed state. Publishing then refuses a table whose
/// contents are not the reviewed ones, and a deployed table that is no longer the base: someone
/// published in between, and the approval was for a different change.
public struct ReviewPlan: Sendable, Hashable {
    public struct ProductPlan: Sendable, Hashable {
        public var product: String
        /// Digest of the product in the base state; nil when the base did not have it.
        public var base: String?
        /// Digest of the product in the reviewed state; nil when the change removes it.
        public var reviewed: String?

        public var changes: Bool { base != reviewed }
    }

    public static let schema = "keyscope.plan/v1"

    public var from: String
    public var to: String
    /// Sorted by product id.
    public var products: [ProductPlan]

    /// The plan of a diff between two full states (not the pair with alike keys left out).
    public init(from: AccessState, to: AccessState, product: String? = nil) {
        self.from = from.source
        self.to = to.source
        let ids = Set(from.products.keys).union(to.products.keys).filter { product == nil || $0 == product }
        products = ids.sorted(by: bytewiseLess).map { id in
            ProductPlan(
                product: id, base: from.products[id].map(AccessDigest.of),
                reviewed: to.products[id].map(AccessDigest.of))
        }
    }

    /// The plan file: the digests, and the diff that was reviewed, for people reading it later.
    public func rendered(diff: AccessDiff) -> String {
        let diffValue = DiffRenderer.jsonValue(diff)
        return JSONValue.object([
            ("schema", .string(Self.schema)), ("from", .string(from)), ("to", .string(to)),
            (
                "products",
                .array(
                    products.map {
                        .object([
                            ("product", .string($0.product)), ("base", .string($0.base)),
                            ("reviewed", .string($0.reviewed)),
                        ])
                    })
            ),
            ("diff", diffValue),
        ]).rendered() + "\n"
    }

    /// Reads a plan file's digests (the diff in it is for people and is not read back).
    public init(json bytes: [UInt8]) throws(PlanError) {
        struct File: Decodable {
            struct Product: Decodable {
                var product: String
                var base: String?
                var reviewed: String?
            }
            var schema: String
            var from: String
            var to: String
            var products: [Product]
        }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: Data(bytes))
        } catch {
            throw PlanError("not a keyscope plan (\(Self.schema)): \(error)")
        }
        guard file.schema == Self.schema else {
            throw PlanError("plan schema is \(Quote.quoted(file.schema)), expected \(Self.schema)")
        }
        for product in file.products {
            for digest in [product.base, product.reviewed].compactMap({ $0 }) where !Self.isDigest(digest) {
                throw PlanError("plan digest \(Quote.quoted(digest)) is not sha256:<64 hex>")
            }
        }
        from = file.from
        to = file.to
        products = file.products.map { ProductPlan(product: $0.product, base: $0.base, reviewed: $0.reviewed) }
    }

    static func isDigest(_ text: String) -> Bool {
        text.hasPrefix("sha256:") && text.utf8.count == 71
            && text.utf8.dropFirst(7).allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// Checks the tables about to be published against the plan: each must be a product of the
    /// plan with exactly the reviewed contents, and every product the plan changes (and does not
    /// remove) must be among them.
    public func checkTables(_ tables: [TableContents]) throws(PlanError) {
        let byProduct = Dictionary(products.map { ($0.product, $0) }, uniquingKeysWith: { first, _ in first })
        for contents in tables {
            let id = contents.metadata.productID
            guard let planned = byProduct[id] else {
                throw PlanError("product \(Quote.quoted(id)) is not in the plan: it was not reviewed")
            }
            let digest = Self.digest(of: contents)
            guard let reviewed = planned.reviewed else {
                throw PlanError("the plan removes product \(Quote.quoted(id)); a table for it was not reviewed")
            }
            guard digest == reviewed else {
                throw PlanError(
                    "the table for \(Quote.quoted(id)) is not what was reviewed (reviewed \(reviewed), table \(digest)): compile the reviewed revision, or review this change"
                )
            }
        }
        let given = Set(tables.map(\.metadata.productID))
        for planned in products where planned.changes && planned.reviewed != nil && !given.contains(planned.product) {
            throw PlanError(
                "the plan also changes product \(Quote.quoted(planned.product)); publish its table in the same command")
        }
    }

    /// Checks what is deployed now (under the publish lock) against the plan's base.
    public func checkDeployed(product id: String, current: TableContents?) throws(PlanError) {
        guard let planned = products.first(where: { $0.product == id }) else { return }
        let deployed = current.map(Self.digest(of:))
        guard deployed == planned.base else {
            throw PlanError(
                "what is deployed for \(Quote.quoted(id)) is not the plan's base (plan base \(planned.base ?? "none"), deployed \(deployed ?? "none")): it changed since the review; diff against what is deployed and review again"
            )
        }
    }

    /// The digest of a table's contents, as a state of one product.
    public static func digest(of contents: TableContents) -> String {
        let state = AccessState(source: "table", tables: [contents])
        return state.products[contents.metadata.productID].map(AccessDigest.of) ?? ""
    }
}

/// Why a plan cannot be used, or does not match.
public struct PlanError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
