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
        "sha256:" + Hex.lowercase(digest(of: secret))
    }
}
