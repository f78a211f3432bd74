import Foundation
import KeyscopeCompiler
import KeyscopePolicy
import KeyscopeTable
import KeyscopeTableTools
import KeyscopeTestSupport
import Testing

@Suite struct TableVectorTests {
    static let directory = TestPaths.fixtures.appendingPathComponent("table-vector")

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

    /// The decisions listed with the vector in docs/table-format.md.
    @Test func vectorDecisions() throws {
        let bytes = Array(try Data(contentsOf: Self.directory.appendingPathComponent("expected.kst")))
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

    /// Each negative vector: a mutation of the committed table and the exact error it must produce.
    @Test func negativeVectors() throws {
        let bytes = Array(try Data(contentsOf: Self.directory.appendingPathComponent("expected.kst")))
        let json = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: Self.directory.appendingPathComponent("negative.json"))) as? [[String: Any]])
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
