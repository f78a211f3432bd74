import Crypto
import KeyscopeTable

/// An Ed25519 private key that signs tables. Its bytes are never printed or logged.
public struct SigningKey: Sendable, CustomStringConvertible {
    private let key: Curve25519.Signing.PrivateKey

    /// A new random key.
    public init() { key = Curve25519.Signing.PrivateKey() }

    /// A key from its 32-byte seed (test vectors use a fixed one).
    public init(seed: [UInt8]) throws(KeyFormatError) {
        guard seed.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else {
            throw KeyFormatError.wrongLength
        }
        self.key = key
    }

    /// Reads a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), as `openssl genpkey -algorithm ed25519` writes.
    public init(pem: String) throws(KeyFormatError) {
        guard let der = PEM.decode(pem, label: "PRIVATE KEY") else { throw KeyFormatError.notPEM("PRIVATE KEY") }
        guard der.count == PEM.pkcs8Prefix.count + 32, Array(der.prefix(PEM.pkcs8Prefix.count)) == PEM.pkcs8Prefix
        else { throw KeyFormatError.notEd25519 }
        try self.init(seed: Array(der.suffix(32)))
    }

    /// PKCS#8 PEM. Write it with mode 0600.
    public var pemRepresentation: String {
        PEM.encode(PEM.pkcs8Prefix + Array(key.rawRepresentation), label: "PRIVATE KEY")
    }

    public var publicKey: TrustedKey { TrustedKey(key.publicKey) }

    /// Never the key material.
    public var description: String { "SigningKey(id: \(publicKey.id))" }

    public func signature(for bytes: [UInt8]) throws -> [UInt8] {
        Array(try key.signature(for: bytes))
    }
}

/// Signs encoded tables: appends the 80-byte signature block.
public enum TableSigner {
    /// `unsigned` followed by the signature block over every byte of `unsigned`.
    public static func sign(_ unsigned: [UInt8], with key: SigningKey) throws -> [UInt8] {
        let signature = try key.signature(for: unsigned)
        var block = ByteWriter()
        block.append(TableFormat.signatureMagic)
        block.u16(1)
        block.u16(TableFormat.signatureAlgorithmEd25519)
        block.append(key.publicKey.id.bytes)
        block.append(signature)
        precondition(block.count == TableFormat.signatureBlockSize)
        var signed = unsigned
        signed.append(contentsOf: block.bytes)
        return signed
    }
}
