/// Parameters of a generated policy repository (SPEC §10).
public struct CorpusParameters: Sendable, Hashable {
    public var productID: String = "bench-product"
    public var capabilities: Int
    public var teams: Int
    public var keys: Int
    public var files: Int
    public var seed: UInt64 = 1
    /// Day the generated expiries are relative to (validate with `--now` set to it): 2026-01-01.
    public var referenceDay: Int = 20_454

    public init(capabilities: Int, teams: Int, keys: Int, files: Int, seed: UInt64 = 1) {
        self.capabilities = capabilities
        self.teams = teams
        self.keys = keys
        self.files = files
        self.seed = seed
    }

    /// 50 capabilities, 5 teams, 1,000 keys, 20 files.
    public static let small = CorpusParameters(capabilities: 50, teams: 5, keys: 1_000, files: 20)
    /// 400 capabilities, 40 teams, 20,000 keys, 400 files.
    public static let medium = CorpusParameters(capabilities: 400, teams: 40, keys: 20_000, files: 400)
    /// The SPEC §10 reference: 2,000 capabilities, 200 teams, 100,000 keys, 2,000 files.
    public static let large = CorpusParameters(capabilities: 2_000, teams: 200, keys: 100_000, files: 2_000)

    public static func preset(_ name: String) -> CorpusParameters? {
        switch name {
        case "small": small
        case "medium": medium
        case "large": large
        default: nil
        }
    }

    /// `2026-01-01`-style text of the reference day.
    public var referenceDate: String { Day(referenceDay).description }
}

/// A generated file: path relative to the policy root, and its text.
public struct CorpusFile: Sendable, Hashable {
    public var path: String
    public var contents: String
}

/// Generates valid, realistic SPEC §2 repositories, deterministically from a seed.
///
/// Shape: scope sizes Zipf-distributed over 1–20 capabilities, about 5% of keys
/// using a `tag:` selector, about 1% unscoped (first-party or internal only,
/// with justification and an expiry within 90 days of the reference day),
/// four audiences, a third of keys with an expiry. `internal`-tagged
/// capabilities never reach customer or partner keys, so the corpus validates
/// without errors at the reference day.
public struct CorpusGenerator: Sendable {
    public var parameters: CorpusParameters

    public init(_ parameters: CorpusParameters) {
        self.parameters = parameters
    }

    struct CapabilityModel {
        var id: String
        var owner: Int
        var tags: [String]
        var deprecated: Bool
    }

    struct KeyModel: Equatable {
        var name: String
        var description: String
        var audience: String
        var owners: [Int]
        var capabilities: [Int]
        var selector: String?
        var unscoped: Bool
        var expires: Int?
    }

    struct Model {
        var capabilities: [CapabilityModel]
        var keys: [KeyModel]
    }

    static let tagNames = [
        "safe", "rate-limited", "billing", "search", "orders", "catalog", "support", "analytics", "beta", "read-only",
        "write", "payments", "reports", "inventory", "messaging", "profile", "shipping", "returns", "pricing",
    ]
    static let audiences = [
        "first-party", "first-party", "first-party", "first-party", "internal", "internal", "customer", "customer",
        "customer", "partner",
    ]

    // MARK: Model

    func model() -> Model {
        var rng = SplitMix64(seed: parameters.seed)
        let p = parameters
        var capabilities: [CapabilityModel] = []
        for index in 0..<p.capabilities {
            var tags: [String] = []
            if rng.chance(0.03) {
                tags = ["internal"]
            } else {
                let count = Int(rng.next(below: 3))
                for _ in 0..<count {
                    let tag = CorpusGenerator.tagNames[Int(rng.next(below: UInt64(CorpusGenerator.tagNames.count)))]
                    if !tags.contains(tag) { tags.append(tag) }
                }
            }
            capabilities.append(
                CapabilityModel(
                    id: "cap_feature_\(pad(index, 5))", owner: Int(rng.next(below: UInt64(p.teams))),
                    tags: tags.sorted(), deprecated: rng.chance(0.005)))
        }
        let external = capabilities.indices.filter {
            !capabilities[$0].tags.contains("internal") && !capabilities[$0].deprecated
        }
        let anyCapability = capabilities.indices.filter { !capabilities[$0].deprecated }
        // Tags usable by external keys: those on no internal or deprecated capability.
        let externalTags = CorpusGenerator.tagNames.filter { tag in
            capabilities.contains { $0.tags.contains(tag) }
                && !capabilities.contains { $0.tags.contains(tag) && ($0.tags.contains("internal") || $0.deprecated) }
        }
        let zipf = Zipf(n: 20, s: 1.1)
        var keys: [KeyModel] = []
        keys.reserveCapacity(p.keys)
        for index in 0..<p.keys {
            keys.append(
                makeKey(
                    index: index, rng: &rng, zipf: zipf, external: external, any: anyCapability,
                    externalTags: externalTags))
        }
        return Model(capabilities: capabilities, keys: keys)
    }

    func makeKey(index: Int, rng: inout SplitMix64, zipf: Zipf, external: [Int], any: [Int], externalTags: [String])
        -> KeyModel
    {
        let p = parameters
        var audience = CorpusGenerator.audiences[Int(rng.next(below: UInt64(CorpusGenerator.audiences.count)))]
        let unscoped = rng.chance(0.01)
        if unscoped && (audience == "customer" || audience == "partner") { audience = "internal" }
        let isExternal = audience == "customer" || audience == "partner"
        let pool = isExternal ? external : any
        var scope: [Int] = []
        var selector: String?
        if !unscoped {
            let size = min(zipf.sample(&rng), pool.count)
            var chosen = Set<Int>()
            while chosen.count < size {
                chosen.insert(pool[Int(rng.next(below: UInt64(pool.count)))])
            }
            scope = chosen.sorted()
            if rng.chance(0.05) {
                let tags = isExternal ? externalTags : CorpusGenerator.tagNames
                if !tags.isEmpty { selector = tags[Int(rng.next(below: UInt64(tags.count)))] }
            }
        }
        var expires: Int?
        if unscoped {
            expires = p.referenceDay + 30 + Int(rng.next(below: 50))
        } else if rng.chance(0.33) {
            expires = p.referenceDay + 100 + Int(rng.next(below: 600))
        }
        var owners = [Int(rng.next(below: UInt64(p.teams)))]
        if rng.chance(0.1) {
            let second = Int(rng.next(below: UInt64(p.teams)))
            if second != owners[0] { owners.append(second) }
        }
        return KeyModel(
            name: "key-\(pad(index, 7))", description: "\(audience) integration \(index)", audience: audience,
            owners: owners, capabilities: scope, selector: selector, unscoped: unscoped, expires: expires
        )
    }

    // MARK: Files

    /// The repository's files, in a fixed order.
    public func files() -> [CorpusFile] {
        render(model())
    }

    /// A copy of the repository with `percent`% of keys changed: a fifth each widened,
    /// narrowed, re-owned, removed, and replaced by new keys (for diff benchmarks).
    public func changedFiles(percent: Double, seed: UInt64 = 99) -> [CorpusFile] {
        var model = model()
        var rng = SplitMix64(seed: seed ^ parameters.seed)
        let count = Int((Double(model.keys.count) * percent / 100).rounded())
        var touched = Set<Int>()
        while touched.count < min(count, model.keys.count) {
            touched.insert(Int(rng.next(below: UInt64(model.keys.count))))
        }
        let external = model.capabilities.indices.filter {
            !model.capabilities[$0].tags.contains("internal") && !model.capabilities[$0].deprecated
        }
        var removed = Set<Int>()
        var added: [KeyModel] = []
        let zipf = Zipf(n: 20, s: 1.1)
        for (position, index) in touched.sorted().enumerated() {
            switch position % 5 {
            case 0:
                var key = model.keys[index]
                if !key.unscoped {
                    let extra = external[Int(rng.next(below: UInt64(external.count)))]
                    key.capabilities = Array(Set(key.capabilities + [extra])).sorted()
                }
                model.keys[index] = key
            case 1:
                if model.keys[index].capabilities.count > 1 {
                    model.keys[index].capabilities.removeLast()
                } else {
                    model.keys[index].description += " (narrowed)"
                }
            case 2:
                model.keys[index].owners = [(model.keys[index].owners[0] + 1) % parameters.teams]
            case 3:
                removed.insert(index)
            default:
                var key = makeKey(
                    index: parameters.keys + position, rng: &rng, zipf: zipf, external: external, any: external,
                    externalTags: [])
                key.name = "key-new-\(pad(position, 6))"
                added.append(key)
            }
        }
        model.keys = model.keys.enumerated().filter { !removed.contains($0.offset) }.map(\.element) + added
        return render(model)
    }

    func render(_ model: Model) -> [CorpusFile] {
        let p = parameters
        var files: [CorpusFile] = []
        var teams = ""
        for team in 0..<p.teams {
            if team > 0 { teams += "---\n" }
            teams +=
                "apiVersion: keyscope/v1\nkind: Team\nid: \(teamID(team))\nname: Team \(team)\nreviewers: [\"@bench/\(teamID(team))\"]\n"
        }
        files.append(CorpusFile(path: "teams.yaml", contents: teams))
        var product =
            "apiVersion: keyscope/v1\nkind: Product\nid: \(p.productID)\nname: Benchmark product\ncapabilities:\n"
        for capability in model.capabilities {
            product +=
                "  - id: \(capability.id)\n    name: Feature \(capability.id.dropFirst(12))\n    owner: \(teamID(capability.owner))\n"
            if !capability.tags.isEmpty { product += "    tags: [\(capability.tags.joined(separator: ", "))]\n" }
            if capability.deprecated { product += "    deprecated: \"superseded by a newer version\"\n" }
        }
        files.append(CorpusFile(path: "product.yaml", contents: product))
        let fileCount = max(1, p.files)
        let perFile = (model.keys.count + fileCount - 1) / fileCount
        var start = 0
        var fileIndex = 0
        while start < model.keys.count || fileIndex == 0 {
            let chunk = model.keys[start..<min(start + perFile, model.keys.count)]
            let owner = chunk.first?.owners[0] ?? 0
            var text =
                "apiVersion: keyscope/v1\nkind: KeySet\nproduct: \(p.productID)\nowners: [\(teamID(owner))]\nkeys:\n"
            for key in chunk {
                text += "  - name: \(key.name)\n    description: \(key.description)\n    audience: \(key.audience)\n"
                if key.owners != [owner] { text += "    owners: [\(key.owners.map(teamID).joined(separator: ", "))]\n" }
                if key.unscoped {
                    text += "    unscoped: true\n    justification: Break-glass access for incident response\n"
                } else {
                    text += "    capabilities:\n"
                    for capability in key.capabilities { text += "      - \(model.capabilities[capability].id)\n" }
                    if let selector = key.selector { text += "      - \"tag:\(selector)\"\n" }
                }
                if let expires = key.expires { text += "    expires: \(Day(expires))\n" }
            }
            files.append(CorpusFile(path: "keys/keys-\(pad(fileIndex, 5)).yaml", contents: text))
            start += perFile
            fileIndex += 1
            if chunk.isEmpty { break }
        }
        return files
    }

    func teamID(_ index: Int) -> String { "team-\(pad(index, 4))" }
}

func pad(_ value: Int, _ width: Int) -> String {
    let text = String(value)
    return String(repeating: "0", count: max(0, width - text.count)) + text
}

/// A day number rendered as YYYY-MM-DD (the corpus module needs no policy types).
struct Day: CustomStringConvertible {
    var days: Int
    init(_ days: Int) { self.days = days }
    var description: String {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }
}

/// SplitMix64: small, fast, and the same sequence on every platform.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// A uniform value below `bound` (bound > 0); modulo bias is irrelevant for a corpus.
    public mutating func next(below bound: UInt64) -> UInt64 { next() % bound }
    mutating func chance(_ probability: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < probability }
}

/// Zipf distribution over 1...n by inverse CDF.
struct Zipf {
    var cumulative: [Double]
    init(n: Int, s: Double) {
        var total = 0.0
        var values: [Double] = []
        for k in 1...n {
            var power = 1.0
            // k^s without Foundation: exp(s * log k) is not available, so use repeated multiplication for the integer
            // part.
            power = Zipf.pow(Double(k), s)
            total += 1 / power
            values.append(total)
        }
        cumulative = values.map { $0 / total }
    }
    func sample(_ rng: inout SplitMix64) -> Int {
        let u = Double(rng.next() >> 11) / Double(1 << 53)
        for (index, value) in cumulative.enumerated() where u <= value { return index + 1 }
        return cumulative.count
    }
    /// x^y for x >= 1 via the standard library's floating-point functions.
    static func pow(_ x: Double, _ y: Double) -> Double {
        // x^y = 2^(y * log2 x); log2 via Double.exponent/significand and a series is overkill: use the stdlib's
        // `.squareRoot` free path.
        var result = 1.0
        var exponent = y
        while exponent >= 1 {
            result *= x
            exponent -= 1
        }
        if exponent > 0 {
            // Fractional part by binary expansion of the exponent with square roots.
            var root = x
            var fraction = exponent
            for _ in 0..<20 {
                root = root.squareRoot()
                fraction *= 2
                if fraction >= 1 {
                    result *= root
                    fraction -= 1
                }
            }
        }
        return result
    }
}
