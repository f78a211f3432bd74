import Crypto

/// A key that tables are checked against: an Ed25519 public key and its id.
public struct TrustedKey: Sendable, Hashable {
    /// The 32 bytes of the Ed25519 public key.
    public let rawRepresentation: [UInt8]
    /// First 8 bytes of SHA-256 of the raw public key; stored in each table's signature block.
    public let id: KeyID

    /// A key from its 32 raw bytes; any other length is refused.
    public init(rawRepresentation: [UInt8]) throws(KeyFormatError) {
        guard rawRepresentation.count == 32 else { throw KeyFormatError.wrongLength }
        self.rawRepresentation = rawRepresentation
        self.id = KeyID(publicKey: rawRepresentation)
    }

    /// The public half of a signing key: always 32 bytes, so this cannot fail.
    package init(_ publicKey: Curve25519.Signing.PublicKey) {
        rawRepresentation = Array(publicKey.rawRepresentation)
        id = KeyID(publicKey: rawRepresentation)
    }

    /// Reads a SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`), as `openssl pkey -pubout` writes.
    public init(pem: String) throws(KeyFormatError) {
        guard let der = PEM.decode(pem, label: "PUBLIC KEY") else { throw KeyFormatError.notPEM("PUBLIC KEY") }
        guard der.count == PEM.spkiPrefix.count + 32, Array(der.prefix(PEM.spkiPrefix.count)) == PEM.spkiPrefix else {
            throw KeyFormatError.notEd25519
        }
        try self.init(rawRepresentation: Array(der.suffix(32)))
    }

    /// The key as SubjectPublicKeyInfo PEM, as `openssl pkey -pubout` writes it.
    public var pemRepresentation: String { PEM.encode(PEM.spkiPrefix + rawRepresentation, label: "PUBLIC KEY") }

    func isValidSignature(_ signature: UnsafeRawBufferPointer, for data: UnsafeRawBufferPointer) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: rawRepresentation) else { return false }
        return key.isValidSignature(signature, for: data)
    }
}

/// The 8-byte id of a signing key, shown as 16 hex digits.
public struct KeyID: Sendable, Hashable, CustomStringConvertible {
    /// The 8 bytes, as stored in a table's signature block.
    public let bytes: [UInt8]

    /// The id of a raw 32-byte public key.
    public init(publicKey: [UInt8]) {
        bytes = Array(SHA256.hash(data: publicKey).prefix(8))
    }

    package init(bytes: [UInt8]) { self.bytes = bytes }

    /// The 16 lowercase hex digits.
    public var description: String {
        Hex.lowercase(bytes)
    }
}

/// Why a key file could not be used.
public enum KeyFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    case notPEM(String)
    case notEd25519
    case wrongLength

    /// One line saying what is wrong with the key file.
    public var description: String {
        switch self {
        case .notPEM(let label): "not a PEM file holding exactly one \(label) block and nothing else"
        case .notEd25519: "not an Ed25519 key (expected RFC 8410 PKCS#8 or SubjectPublicKeyInfo)"
        case .wrongLength: "an Ed25519 key is 32 bytes"
        }
    }
}
