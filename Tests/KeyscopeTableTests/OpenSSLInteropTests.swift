import Foundation
import KeyscopeCompiler
import KeyscopeTable
import KeyscopeTableTools
import KeyscopeTestSupport
import Testing

let hasOpenSSL = TestProcess.run(["openssl", "version"], in: URL(fileURLWithPath: "/")) == 0

/// Skipped only outside CI: with CI=true a missing openssl fails instead (`.ci/run` installs it).
@Suite(.enabled(if: hasOpenSSL || ProcessInfo.processInfo.environment["CI"] == "true", "openssl is not on PATH"))
struct OpenSSLInteropTests {
    @Test func opensslReadsOurKeysAndVerifiesOurSignature() throws {
        let dir = try TestPaths.temporaryDirectory("keyscope-openssl")
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = SigningKey()
        try Data(key.pemRepresentation.utf8).write(to: dir.appendingPathComponent("k.pem"))
        try Data(key.publicKey.pemRepresentation.utf8).write(to: dir.appendingPathComponent("k.pub.pem"))
        #expect(TestProcess.run(["openssl", "pkey", "-in", "k.pem", "-noout"], in: dir) == 0)
        #expect(TestProcess.run(["openssl", "pkey", "-pubin", "-in", "k.pub.pem", "-noout"], in: dir) == 0)
        let result = try validated(try files(in: TestPaths.fixtures.appendingPathComponent("table-vector/policies")))
        let bytes = try compileOne(result, key: key).bytes
        let signedSize = bytes.count - TableFormat.signatureBlockSize
        try Data(bytes[..<signedSize]).write(to: dir.appendingPathComponent("data.bin"))
        try Data(bytes[(bytes.count - 64)...]).write(to: dir.appendingPathComponent("sig.bin"))
        #expect(
            TestProcess.run(
                [
                    "openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "k.pub.pem", "-rawin", "-in", "data.bin",
                    "-sigfile", "sig.bin",
                ], in: dir) == 0)
        var tampered = Array(bytes[..<signedSize])
        tampered[200] ^= 1
        try Data(tampered).write(to: dir.appendingPathComponent("data.bin"))
        #expect(
            TestProcess.run(
                [
                    "openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "k.pub.pem", "-rawin", "-in", "data.bin",
                    "-sigfile", "sig.bin",
                ], in: dir) != 0)
    }

    @Test func weReadOpenSSLKeys() throws {
        let dir = try TestPaths.temporaryDirectory("keyscope-openssl")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(TestProcess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", "o.pem"], in: dir) == 0)
        #expect(TestProcess.run(["openssl", "pkey", "-in", "o.pem", "-pubout", "-out", "o.pub.pem"], in: dir) == 0)
        let key = try SigningKey(
            pem: String(decoding: try Data(contentsOf: dir.appendingPathComponent("o.pem")), as: UTF8.self))
        let trusted = try TrustedKey(
            pem: String(decoding: try Data(contentsOf: dir.appendingPathComponent("o.pub.pem")), as: UTF8.self))
        #expect(key.publicKey == trusted)
    }
}
