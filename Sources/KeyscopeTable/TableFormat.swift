/// Constants of scope table format v1. `docs/table-format.md` is the
/// normative description; the two must agree (the test vector checks it).
public enum TableFormat {
    /// "KSTB".
    public static let magic: [UInt8] = [0x4B, 0x53, 0x54, 0x42]
    public static let version: UInt16 = 1
    public static let headerSize = 144
    /// "KSIG".
    public static let signatureMagic: [UInt8] = [0x4B, 0x53, 0x49, 0x47]
    public static let signatureBlockSize = 80
    /// Ed25519.
    public static let signatureAlgorithmEd25519: UInt16 = 1
    /// A reference that points nowhere (no description, unscoped, no revision).
    public static let none: UInt32 = 0xFFFF_FFFF
    /// Largest capability count: scope sets store capability indices as u16.
    public static let maxCapabilities = 0xFFFF

    /// Header field offsets.
    enum Header {
        static let magic = 0
        static let version = 4
        static let flags = 6
        static let headerSize = 8
        static let signedSize = 12
        static let serial = 16
        static let issuedAt = 24
        static let expiresAt = 32
        static let productID = 40
        static let productName = 44
        static let revision = 48
        static let capabilityCount = 52
        static let keyCount = 56
        static let teamCount = 60
        static let scopeSetCount = 64
        static let capabilityIndexCapacity = 68
        static let keyIndexCapacity = 72
        static let reserved = 76
        static let sections = 80
    }

    /// Sections in file order; each is (u32 offset, u32 length) at `Header.sections + 8 * rawValue`.
    enum Section: Int, CaseIterable {
        case strings, lists, scopes, teams, capabilities, keys, capabilityIndex, keyIndex
    }

    static let flagHasRevision: UInt16 = 1

    static let teamRecordSize = 12
    static let capabilityRecordSize = 24
    static let keyRecordHeaderSize = 24

    static let keyFlagUnscoped: UInt8 = 1
    static let keyFlagHasExpiry: UInt8 = 2

    /// FNV-1a, 64-bit, over the UTF-8 bytes: the hash of both indexes.
    @inline(__always)
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// Index capacity for `count` entries: the smallest power of two at least twice the count (load ≤ 0.5), at least 8.
    static func indexCapacity(for count: Int) -> Int {
        var capacity = 8
        while capacity < count * 2 { capacity <<= 1 }
        return capacity
    }
}
