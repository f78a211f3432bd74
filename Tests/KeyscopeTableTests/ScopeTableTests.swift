import Foundation
import KeyscopeCompiler
import KeyscopeCorpus
import KeyscopePolicy
import KeyscopeRuntime
import KeyscopeTable
import KeyscopeTableTools
import KeyscopeTestSupport
import Testing

/// What the policy model says a decision must be.
func expectedDecision(_ product: ResolvedProduct, key: ResolvedKey, capability: Int, now: Int64) -> Decision {
    if let expires = key.expires, now / 86_400 > Int64(expires.daysSinceEpoch) { return .deny(.keyExpired) }
    if key.unscoped || key.capabilities.contains(capability) { return .allow }
    return .deny(.notInScope)
}

@Suite struct ScopeTableTests {
    @Test func exampleRoundTripsEveryDecision() throws {
        let result = try validated(try files(in: TestPaths.fixtures.appendingPathComponent("example")))
        let compiled = try compileOne(result)
        let table = try ScopeTable(bytes: compiled.bytes, options: trusting())
        let product = result.resolved.products[0]
        for key in product.keys {
            for (index, capability) in product.capabilities.enumerated() {
                #expect(
                    table.decide(key: key.name, capability: capability.id, now: issuedAt)
                        == expectedDecision(product, key: key, capability: index, now: issuedAt),
                    "\(key.name) \(capability.id)")
            }
        }
        #expect(table.decide(key: "nobody", capability: "cap_faq", now: issuedAt) == .deny(.unknownKey))
        #expect(table.decide(key: "customer-a", capability: "cap_nothing", now: issuedAt) == .deny(.unknownCapability))
        #expect(table.decide(key: "", capability: "", now: issuedAt) == .deny(.unknownKey))
        // Examples of SPEC's use cases.
        #expect(table.decide(key: "customer-a", capability: "cap_order_lookup", now: issuedAt) == .allow)
        #expect(table.decide(key: "customer-b", capability: "cap_order_lookup", now: issuedAt) == .deny(.notInScope))
        #expect(table.decide(key: "public-api", capability: "cap_store_hours", now: issuedAt) == .allow)
        #expect(table.decide(key: "public-api", capability: "cap_refund_request", now: issuedAt) == .deny(.notInScope))
        #expect(table.decide(key: "mobile-app", capability: "cap_refund_request", now: issuedAt) == .allow)
    }

    @Test func generatedCorpusDecidesExactlyAsTheModel() throws {
        let parameters = CorpusParameters(capabilities: 150, teams: 12, keys: 3_000, files: 30)
        let date = CalendarDate(daysSinceEpoch: parameters.referenceDay)
        let result = try validated(corpusFiles(parameters), date: date)
        let compiled = try compileOne(result, validFor: 1_000 * 86_400)
        let now = date.unixSeconds + 3_600
        let table = try ScopeTable(bytes: compiled.bytes, options: trusting(now: nil))
        let product = result.resolved.products[0]
        var mismatches = 0
        var allowed = 0
        for key in product.keys {
            for (index, capability) in product.capabilities.enumerated() {
                let decision = table.decide(key: key.name, capability: capability.id, now: now)
                if decision != expectedDecision(product, key: key, capability: index, now: now) { mismatches += 1 }
                if decision == .allow { allowed += 1 }
            }
        }
        #expect(mismatches == 0)
        #expect(allowed > 0)
        // Later, keys with an expiry stop working.
        let late = Int64(parameters.referenceDay + 800) * 86_400
        let expiring = try #require(product.keys.first { $0.expires != nil && !$0.unscoped })
        #expect(
            table.decide(key: expiring.name, capability: product.capabilities[expiring.capabilities[0]].id, now: late)
                == .deny(.keyExpired))
    }

    @Test func contentsRoundTrip() throws {
        let parameters = CorpusParameters(capabilities: 60, teams: 6, keys: 800, files: 8)
        let result = try validated(corpusFiles(parameters), date: CalendarDate(daysSinceEpoch: parameters.referenceDay))
        let compiled = try compileOne(result)
        let table = try ScopeTable(bytes: compiled.bytes, options: trusting(now: nil))
        #expect(table.contents() == compiled.contents)
        #expect(table.header.keyCount == 800)
        #expect(table.header.scopeSetCount < 800, "equal scopes are interned")
    }

    /// Pins the encoder's output for a generated repository, so a faster encoder cannot change
    /// a byte unnoticed: interning order, shared scope sets, record order. The fingerprint
    /// changes only with the format (then `docs/table-format.md` and the vector change too).
    @Test func encoderOutputIsPinned() throws {
        let parameters = CorpusParameters(capabilities: 120, teams: 10, keys: 2_000, files: 12)
        let compiled = try compileOne(
            try validated(corpusFiles(parameters), date: CalendarDate(daysSinceEpoch: parameters.referenceDay)))
        let fingerprint = compiled.bytes.withUnsafeBytes { TableFormat.hash($0) }
        #expect(compiled.bytes.count == PinnedEncoding.size)
        #expect(String(fingerprint, radix: 16) == PinnedEncoding.fingerprint)
        let table = try ScopeTable(bytes: compiled.bytes, options: trusting(now: nil))
        #expect(table.header.scopeSetCount == PinnedEncoding.scopeSets, "equal scopes share one stored set")
    }

    /// Every shape of key the encoder's columns must keep apart: no description and an empty
    /// one, selectors, unscoped, with and without expiry, equal scope sets, no owners.
    @Test func handMadeContentsRoundTrip() throws {
        let metadata = TableMetadata(
            productID: "p", productName: "P", serial: 3, issuedAt: issuedAt, expiresAt: issuedAt + 86_400,
            revision: "abc")
        let teams = [TableTeam(id: "a", name: "A", reviewers: ["@x/a"]), TableTeam(id: "b", name: "B", reviewers: [])]
        let capabilities = [
            TableCapability(id: "cap_a", name: "A", owner: 0, tags: ["safe"], deprecated: nil),
            TableCapability(id: "cap_b", name: "B", owner: 1, tags: [], deprecated: "use cap_a"),
            TableCapability(id: "cap_c", name: "C", owner: 1, tags: ["safe", "x"], deprecated: nil),
        ]
        let keys = [
            TableKey(
                name: "k1", description: nil, audience: .customer, owners: [0], expiresDay: nil, unscoped: false,
                capabilities: [0, 2], selectors: ["safe"]),
            TableKey(
                name: "k2", description: "", audience: .partner, owners: [], expiresDay: 30_000, unscoped: false,
                capabilities: [0, 2], selectors: []),
            TableKey(
                name: "k3", description: "the third", audience: .internal, owners: [0, 1], expiresDay: -5,
                unscoped: true, capabilities: [], selectors: []),
            TableKey(
                name: "k4", description: "the third", audience: .firstParty, owners: [1], expiresDay: nil,
                unscoped: false, capabilities: [], selectors: ["x", "safe"].sorted()),
        ]
        let contents = TableContents(metadata: metadata, teams: teams, capabilities: capabilities, keys: keys)
        let signed = try TableSigner.sign(try TableEncoder.encode(contents), with: vectorKey)
        let table = try ScopeTable(bytes: signed, options: trusting(now: issuedAt))
        #expect(table.contents() == contents)
        #expect(table.header.scopeSetCount == 2, "k1 and k2 share one set; k4's empty set is the other")
        #expect(table.decide(key: "k2", capability: "cap_c", now: issuedAt) == .allow)
        #expect(table.decide(key: "k2", capability: "cap_b", now: issuedAt) == .deny(.notInScope))
        #expect(table.decide(key: "k3", capability: "cap_b", now: issuedAt) == .deny(.keyExpired))
        // The ends of the clock decide without trapping (issue 11.12: Int64.min overflowed).
        #expect(table.decide(key: "k2", capability: "cap_c", now: .min) == .allow)
        #expect(table.decide(key: "k2", capability: "cap_b", now: .min) == .deny(.notInScope))
        #expect(table.decide(key: "k2", capability: "cap_c", now: .max) == .deny(.tableExpired))
        #expect(table.decide(key: "k3", capability: "cap_b", now: -1) == .deny(.keyExpired))
        #expect(table.decide(key: "k3", capability: "cap_b", now: -5 * 86_400) == .allow)
        #expect(table.decide(key: "k3", capability: "cap_b", now: -4 * 86_400 - 1) == .allow)
        #expect(table.decide(key: "k3", capability: "cap_b", now: -4 * 86_400) == .deny(.keyExpired))
    }

    @Test func compilationIsDeterministicAcrossFileOrder() throws {
        let sources = corpusFiles(CorpusParameters(capabilities: 40, teams: 4, keys: 500, files: 10))
        let date = CalendarDate(daysSinceEpoch: CorpusParameters.small.referenceDay)
        let a = try compileOne(try validated(sources, date: date))
        let b = try compileOne(try validated(sources.reversed(), date: date))
        #expect(a.bytes == b.bytes)
    }

    @Test func refusals() throws {
        let result = try validated(try files(in: TestPaths.fixtures.appendingPathComponent("table-vector/policies")))
        let bytes = try compileOne(result, serial: 10, validFor: 3_600).bytes
        let other = SigningKey()
        #expect(throws: ScopeTableError.untrustedSigner(keyID: vectorKey.publicKey.id.description)) {
            try ScopeTable(bytes: bytes, options: trusting(other))
        }
        #expect(throws: ScopeTableError.noTrustedKeys) {
            try ScopeTable(bytes: bytes, options: TableOpenOptions(trustedKeys: [], now: nil))
        }
        #expect(throws: ScopeTableError.wrongProduct(expected: "shop", found: "demo")) {
            try ScopeTable(bytes: bytes, options: trusting(product: "shop"))
        }
        #expect(throws: ScopeTableError.expired(expiresAt: issuedAt + 3_600, now: issuedAt + 3_601)) {
            try ScopeTable(bytes: bytes, options: trusting(now: issuedAt + 3_601))
        }
        #expect(throws: ScopeTableError.serialBelowMinimum(serial: 10, minimum: 11)) {
            try ScopeTable(bytes: bytes, options: trusting(minimumSerial: 11))
        }
        #expect(throws: ScopeTableError.tooLarge(size: bytes.count, limit: 100)) {
            try ScopeTable(
                bytes: bytes, options: TableOpenOptions(trustedKeys: [vectorKey.publicKey], now: nil, maximumSize: 100))
        }
        // Several trusted keys: rotation.
        let rotated = TableOpenOptions(trustedKeys: [other.publicKey, vectorKey.publicKey], now: issuedAt)
        #expect(try ScopeTable(bytes: bytes, options: rotated).header.serial == 10)
        var wrongVersion = bytes
        wrongVersion[4] = 3
        #expect(throws: ScopeTableError.unsupportedVersion(3)) {
            try ScopeTable(bytes: wrongVersion, options: trusting())
        }
    }

    @Test func tableHeldPastExpiryDeniesEverything() throws {
        let result = try validated(try files(in: TestPaths.fixtures.appendingPathComponent("table-vector/policies")))
        let table = try ScopeTable(bytes: try compileOne(result, validFor: 3_600).bytes, options: trusting())
        #expect(table.decide(key: "ops-console", capability: "cap_admin", now: issuedAt + 3_600) == .allow)
        #expect(
            table.decide(key: "ops-console", capability: "cap_admin", now: issuedAt + 3_601) == .deny(.tableExpired))
    }

    @Test func everySingleBitFlipIsRejected() throws {
        let result = try validated(try files(in: TestPaths.fixtures.appendingPathComponent("table-vector/policies")))
        let bytes = try compileOne(result).bytes
        var accepted = 0
        for bit in 0..<(bytes.count * 8) {
            var mutated = bytes
            mutated[bit / 8] ^= UInt8(1) << UInt8(bit % 8)
            if (try? ScopeTable(bytes: mutated, options: trusting())) != nil { accepted += 1 }
        }
        #expect(accepted == 0)
    }

    @Test func sampledBitFlipsOfALargeTableAreRejected() throws {
        let parameters = CorpusParameters(capabilities: 200, teams: 20, keys: 5_000, files: 20)
        let result = try validated(corpusFiles(parameters), date: CalendarDate(daysSinceEpoch: parameters.referenceDay))
        let bytes = try compileOne(result).bytes
        var rng = SplitMix64(seed: 42)
        var accepted = 0
        for _ in 0..<10_000 {
            let bit = Int(rng.next(below: UInt64(bytes.count * 8)))
            var mutated = bytes
            mutated[bit / 8] ^= UInt8(1) << UInt8(bit % 8)
            if (try? ScopeTable(bytes: mutated, options: trusting(now: nil))) != nil { accepted += 1 }
        }
        #expect(accepted == 0)
    }

    @Test func everyTruncationIsRejected() throws {
        let result = try validated(try files(in: TestPaths.fixtures.appendingPathComponent("table-vector/policies")))
        let bytes = try compileOne(result).bytes
        for length in 0..<bytes.count {
            #expect(
                (try? ScopeTable(bytes: Array(bytes[..<length]), options: trusting())) == nil,
                "accepted \(length) bytes")
            #expect((try? ScopeTable.openUnverified(bytes: Array(bytes[..<length]))) == nil)
        }
        #expect(throws: ScopeTableError.malformed(offset: 0, reason: .truncated)) {
            try ScopeTable(bytes: [], options: trusting())
        }
    }

    /// Random and mutated inputs never crash the structural reader (signature checking skipped to reach it).
    @Test func fuzzedBytesNeverCrashTheReader() throws {
        let result = try validated(try files(in: TestPaths.fixtures.appendingPathComponent("example")))
        let bytes = try compileOne(result).bytes
        var rng = SplitMix64(seed: 7)
        var openedMutants = 0
        for iteration in 0..<20_000 {
            var mutated = bytes
            switch iteration % 4 {
            case 0:
                // Overwrite a u32 with a random or boundary value: most likely to hit offsets and counts.
                let at = Int(rng.next(below: UInt64(mutated.count - 4)))
                let values: [UInt32] = [
                    0, 1, 0xFFFF_FFFF, 0x7FFF_FFFF, UInt32(mutated.count), UInt32(truncatingIfNeeded: rng.next()),
                ]
                let value = values[Int(rng.next(below: UInt64(values.count)))]
                for index in 0..<4 { mutated[at + index] = UInt8(truncatingIfNeeded: value >> UInt32(8 * index)) }
            case 1:
                for _ in 0..<Int(1 + rng.next(below: 8)) {
                    mutated[Int(rng.next(below: UInt64(mutated.count)))] = UInt8(truncatingIfNeeded: rng.next())
                }
            case 2:
                mutated = (0..<Int(rng.next(below: 600))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                if mutated.count >= 4 { mutated.replaceSubrange(0..<4, with: TableFormat.magic) }
            default:
                let cut = Int(rng.next(below: UInt64(mutated.count)))
                mutated.insert(
                    contentsOf: (0..<Int(rng.next(below: 16))).map { _ in UInt8(truncatingIfNeeded: rng.next()) },
                    at: cut)
            }
            if let table = try? ScopeTable.openUnverified(bytes: mutated) {
                openedMutants += 1
                // A structurally valid mutant must still answer and decode without crashing.
                _ = table.decide(key: "customer-a", capability: "cap_faq", now: issuedAt)
                _ = table.contents()
            }
        }
        #expect(openedMutants < 20_000)
    }

    @Test func keyFilesRoundTrip() throws {
        let key = SigningKey()
        let reread = try SigningKey(pem: key.pemRepresentation)
        #expect(reread.publicKey == key.publicKey)
        #expect(try TrustedKey(pem: key.publicKey.pemRepresentation) == key.publicKey)
        #expect(
            !key.description.contains(String(key.pemRepresentation.dropFirst(28).prefix(20))),
            "description never shows key material")
        #expect(throws: KeyFormatError.self) { try SigningKey(pem: key.publicKey.pemRepresentation) }
        #expect(throws: KeyFormatError.self) {
            try TrustedKey(pem: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
        }
    }

    @Test func forbiddenBodyIsExact() {
        #expect(
            ForbiddenResponse.body(capabilityID: "cap_faq")
                == #"{"error": "API key does not have permission to access this capability", "capabilityId": "cap_faq"}"#
        )
    }
}

/// Output of the encoder for `encoderOutputIsPinned`, recorded when the encoder was rewritten
/// (checked byte for byte against the previous encoder on the 100,000-key preset as well).
enum PinnedEncoding {
    static let size = 177_392
    static let fingerprint = "ffc45b6d4cd1b309"
    static let scopeSets = 1_453
}
