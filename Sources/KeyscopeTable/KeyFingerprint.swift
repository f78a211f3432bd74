import Crypto

/// The fingerprint of an API key's secret (SPEC §12): `sha256:` and 64 lowercase hex digits.
///
/// Policies and tables hold fingerprints only, never secrets; a gateway hashes the secret a
/// caller presents and looks the digest up.
public enum KeyFingerprint {
    /// Secrets shorter than this are refused: a fingerprint of a guessable secret reveals it.
    public static let minimumSecretLength = 16

    /// The SHA-256 digest of `secret`.
    public static func digest<Bytes: Sequence<UInt8>>(of secret: Bytes) -> [UInt8] {
        Array(SHA256.hash(data: Array(secret)))
    }

    /// `sha256:<hex>` of `secret`.
    public static func text<Bytes: Sequence<UInt8>>(of secret: Bytes) -> String {
        text(digest: digest(of: secret))
    }

    /// The policy's spelling of a 32-byte digest: `sha256:` and lowercase hex.
    public static func text(digest: [UInt8]) -> String {
        "sha256:" + Hex.lowercase(digest)
    }

    /// The 32 bytes of `sha256:<64 lowercase hex>`, or nil for any other spelling.
    public static func digest(parsing text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        let prefix = Array("sha256:".utf8)
        guard utf8.count == prefix.count + 64, utf8.starts(with: prefix) else { return nil }
        var digest: [UInt8] = []
        digest.reserveCapacity(32)
        for index in stride(from: prefix.count, to: utf8.count, by: 2) {
            guard let high = lowercaseHexValue(utf8[index]), let low = lowercaseHexValue(utf8[index + 1]) else {
                return nil
            }
            digest.append(high << 4 | low)
        }
        return digest
    }

    static func lowercaseHexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: byte - 48
        case 97...102: byte - 87
        default: nil
        }
    }
}
