import Crypto

/// Lowercase hex: the one spelling of key ids, fingerprints and digests in every output.
public enum Hex {
    /// Two lowercase hex digits per byte.
    public static func lowercase<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// The lowercase hex of the SHA-256 of `bytes` (64 digits).
    public static func sha256<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        lowercase(SHA256.hash(data: Array(bytes)))
    }
}
