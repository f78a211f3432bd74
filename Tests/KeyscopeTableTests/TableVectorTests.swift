import Foundation
import KeyscopeCompiler
import KeyscopePolicy
import KeyscopeTable
import KeyscopeTableTools
import KeyscopeTestSupport
import Testing

@Suite struct TableVectorTests {
    static let directory = TestPaths.fixtures.appendingPathComponent("table-vector")
    /// The version-1 vector, committed before format v2: gateways keep reading it.
    static let version1 = TestPaths.fixtures.appendingPathComponent("table-vector-v1")

    /// Rebuilds the committed vector byte for byte from its inputs.
    @Test func vectorIsReproducible() throws {
        let result = try validated(
            try files(in: Self.directory.appendingPathComponent("policies")).map {
                // Paths do not reach the table, but keep them stable anyway.
                SourceFile(
                    path: String($0.path.split(separator: "/").suffix(2).joined(separator: "/")), bytes: $0.bytes)
            })
        let bytes = try compileOne(result, serial: 7).bytes
        let hexText =
            stride(from: 0, to: bytes.count, by: 32).map { hex(Array(bytes[$0..<min($0 + 32, bytes.count)])) }.joined(
                separator: "\n") + "\n"
        if let failure = Snapshot.compare(hexText, golden: Self.directory.appendingPathComponent("expected.hex")) {
            Issue.record(Comment(rawValue: failure))
        }
        if Snapshot.recording {
            try Data(bytes).write(to: Self.directory.appendingPathComponent("expected.kst"))
            try Data(vectorKey.pemRepresentation.utf8).write(
                to: Self.directory.appendingPathComponent("signing-key.pem"))
            try Data(vectorKey.publicKey.pemRepresentation.utf8).write(
                to: Self.directory.appendingPathComponent("signing-key.pub.pem"))
        }
        let committed = try Data(contentsOf: Self.directory.appendingPathComponent("expected.kst"))
        #expect(Array(committed) == bytes)
        #expect(
            try SigningKey(
                pem: String(
                    decoding: try Data(contentsOf: Self.directory.appendingPathComponent("signing-key.pem")),
                    as: UTF8.self)
            ).publicKey == vectorKey.publicKey)
    }

    /// The decisions listed with the vector in docs/table-format.md, from both versions.
    @Test(arguments: [directory, version1])
    func vectorDecisions(directory: URL) throws {
        let bytes = Array(try Data(contentsOf: directory.appendingPathComponent("expected.kst")))
        let table = try ScopeTable(bytes: bytes, options: trusting(now: 1_767_225_660))
        let now: Int64 = 1_767_225_660
        #expect(table.signer.description == "56475aa75463474c")
        #expect(table.decide(key: "customer-a", capability: "cap_orders", now: now) == .allow)
        #expect(table.decide(key: "customer-a", capability: "cap_admin", now: now) == .deny(.notInScope))
        #expect(table.decide(key: "public", capability: "cap_faq", now: now) == .allow)
        #expect(table.decide(key: "public", capability: "cap_orders", now: now) == .deny(.notInScope))
        #expect(table.decide(key: "ops-console", capability: "cap_admin", now: now) == .allow)
        #expect(table.decide(key: "nobody", capability: "cap_faq", now: now) == .deny(.unknownKey))
        #expect(table.decide(key: "public", capability: "cap_nothing", now: now) == .deny(.unknownCapability))
    }

    /// The fingerprint and route decisions listed with the version-2 vector in docs/table-format.md.
    @Test func vectorRoutedDecisions() throws {
        let bytes = Array(try Data(contentsOf: Self.directory.appendingPathComponent("expected.kst")))
        let table = try ScopeTable(bytes: bytes, options: trusting(now: 1_767_225_660))
        #expect(table.header.formatVersion == 2)
        #expect(table.header.fingerprintCount == 3 && table.header.routeCount == 4)
        func decide(_ secret: String, _ method: String, _ path: String) throws -> String {
            let digest = KeyFingerprint.digest(of: Array(secret.utf8))
            let normalised = try RequestPath.normalise(Substring(path))
            var pathBytes = Array(normalised.utf8)
            let result = digest.withUnsafeBytes { digest in
                pathBytes.withUnsafeMutableBytes { raw in
                    table.decide(
                        fingerprint: digest, method: TableFormat.RouteMethod(text: method),
                        path: UnsafeRawBufferPointer(raw), now: 1_767_225_660)
                }
            }
            let decision = result.decision == .allow ? "allow" : "deny"
            let reason: String
            if case .deny(let why) = result.decision { reason = " " + why.words } else { reason = "" }
            return
                "\(decision)\(reason) \(result.key.map(table.keyName) ?? "-") \(result.capability.map(table.capabilityID) ?? "-")"
        }
        #expect(try decide("ks_vector_customer_a_secret", "GET", "/v1/orders/42") == "allow customer-a cap_orders")
        #expect(try decide("ks_vector_customer_a_secret", "HEAD", "/v1/faq") == "allow customer-a cap_faq")
        #expect(
            try decide("ks_vector_customer_a_secret", "GET", "/v1/orders/../../admin/x")
                == "deny not-in-scope customer-a cap_admin")
        #expect(try decide("ks_vector_public_secret_1", "GET", "/v1/faq") == "allow public cap_faq")
        #expect(try decide("ks_vector_public_secret_2", "POST", "/v1/orders") == "deny not-in-scope public cap_orders")
        #expect(try decide("ks_vector_public_secret_2", "DELETE", "/v1/faq") == "deny unknown-route public -")
        #expect(try decide("ks_vector_unknown_secret_", "GET", "/v1/faq") == "deny unknown-key - -")
    }

    /// A version-1 table reads as the same contents as the version-2 table of the same policy,
    /// less what version 1 cannot hold (fingerprints and routes).
    @Test func version1ReadsAsVersion2WithoutIdentity() throws {
        func contents(_ directory: URL) throws -> TableContents {
            let bytes = Array(try Data(contentsOf: directory.appendingPathComponent("expected.kst")))
            return try ScopeTable(bytes: bytes, options: trusting(now: nil)).contents()
        }
        let old = try contents(Self.version1)
        var new = try contents(Self.directory)
        #expect(
            try ScopeTable(
                bytes: Array(Data(contentsOf: Self.version1.appendingPathComponent("expected.kst"))),
                options: trusting(now: nil)
            ).header.formatVersion == 1)
        #expect(new.keys.contains { !$0.fingerprints.isEmpty } && new.capabilities.contains { !$0.routes.isEmpty })
        for index in new.keys.indices { new.keys[index].fingerprints = [] }
        for index in new.capabilities.indices { new.capabilities[index].routes = [] }
        #expect(old == new)
    }

    /// Each negative vector: a mutation of the committed table and the exact error it must produce.
    @Test(arguments: [directory, version1])
    func negativeVectors(directory: URL) throws {
        let bytes = Array(try Data(contentsOf: directory.appendingPathComponent("expected.kst")))
        let json = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: directory.appendingPathComponent("negative.json"))) as? [[String: Any]])
        #expect(json.count >= 5)
        for vector in json {
            let name = vector["name"] as? String ?? "?"
            var mutated = bytes
            if let flip = vector["flipBit"] as? Int { mutated[flip / 8] ^= UInt8(1) << UInt8(flip % 8) }
            if let truncate = vector["truncateTo"] as? Int { mutated = Array(mutated.prefix(truncate)) }
            if let patch = vector["patchU32"] as? [String: Int] {
                let at = patch["offset"]!
                let value = UInt32(patch["value"]!)
                for index in 0..<4 { mutated[at + index] = UInt8(truncatingIfNeeded: value >> UInt32(8 * index)) }
            }
            if vector["resign"] as? Bool == true {
                let signedSize = mutated.count - TableFormat.signatureBlockSize
                mutated = try TableSigner.sign(Array(mutated[..<signedSize]), with: vectorKey)
            }
            do {
                _ = try ScopeTable(bytes: mutated, options: trusting(now: nil))
                Issue.record("\(name): accepted")
            } catch {
                #expect(String(describing: error) == vector["error"] as? String, "\(name)")
            }
        }
    }
}
