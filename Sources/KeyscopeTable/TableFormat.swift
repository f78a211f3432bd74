/// Constants of scope table format v2 (and of v1, which is still read). `docs/table-format.md`
/// is the normative description; the two must agree (the test vectors check it).
public enum TableFormat {
    /// "KSTB".
    public static let magic: [UInt8] = [0x4B, 0x53, 0x54, 0x42]
    /// The format version the writer writes. The reader also reads `firstVersion`: a fleet
    /// upgrades its gateways before its compilers.
    @inlinable public static var version: UInt16 { 2 }
    /// The oldest version the reader reads: version 1 has no fingerprint or route sections.
    @inlinable public static var firstVersion: UInt16 { 1 }
    /// Bytes of the fixed header of the current version, sections table included.
    @inlinable public static var headerSize: Int { 160 }
    /// Bytes of the fixed header of `version`: 136 for version 1 (seven sections), 160 for
    /// version 2 (nine sections, then the fingerprint and route counts).
    @inlinable public static func headerSize(version: UInt16) -> Int { version == 1 ? 136 : 160 }
    /// The sections a table of `version` has.
    package static func sections(version: UInt16) -> ArraySlice<Section> {
        version == 1 ? Section.allCases[..<7] : Section.allCases[...]
    }
    /// "KSIG".
    public static let signatureMagic: [UInt8] = [0x4B, 0x53, 0x49, 0x47]
    /// Bytes of the trailing signature block.
    @inlinable public static var signatureBlockSize: Int { 80 }
    /// Ed25519.
    @inlinable public static var signatureAlgorithmEd25519: UInt16 { 1 }
    /// A reference that points nowhere (no description, unscoped, no revision).
    @inlinable public static var none: UInt32 { 0xFFFF_FFFF }
    /// Largest capability count: scope sets store capability indices as u16.
    @inlinable public static var maxCapabilities: Int { 0xFFFF }

    /// Header field offsets.
    @usableFromInline package enum Header {
        @inlinable package static var magic: Int { 0 }
        @inlinable package static var version: Int { 4 }
        @inlinable package static var flags: Int { 6 }
        @inlinable package static var headerSize: Int { 8 }
        @inlinable package static var signedSize: Int { 12 }
        @inlinable package static var serial: Int { 16 }
        @inlinable package static var issuedAt: Int { 24 }
        @inlinable package static var expiresAt: Int { 32 }
        @inlinable package static var productID: Int { 40 }
        @inlinable package static var productName: Int { 44 }
        @inlinable package static var revision: Int { 48 }
        @inlinable package static var capabilityCount: Int { 52 }
        @inlinable package static var keyCount: Int { 56 }
        @inlinable package static var teamCount: Int { 60 }
        @inlinable package static var scopeSetCount: Int { 64 }
        @inlinable package static var capabilityIndexCapacity: Int { 68 }
        /// Number of key buckets (a power of two).
        @inlinable package static var keyBucketCount: Int { 72 }
        @inlinable package static var reserved: Int { 76 }
        @inlinable package static var sections: Int { 80 }
        /// Version 2: the number of fingerprint records.
        @inlinable package static var fingerprintCount: Int { 152 }
        /// Version 2: the number of route endpoints (templates) in the route tree.
        @inlinable package static var routeCount: Int { 156 }
    }

    /// Sections in file order; each is (u32 offset, u32 length) at `Header.sections + 8 * rawValue`.
    package enum Section: Int, CaseIterable {
        case strings, lists, teams, capabilities, keys, capabilityIndex, keyBuckets
        /// Version 2: fingerprint records sorted by digest.
        case fingerprints
        /// Version 2: the route tree.
        case routes
    }

    /// A fingerprint record: the 32-byte SHA-256 digest, the u32 key offset, a u32 0.
    @inlinable package static var fingerprintRecordSize: Int { 40 }
    /// Bytes of a SHA-256 digest.
    @inlinable public static var digestSize: Int { 32 }
    /// Fixed part of a route node: u16 literal count, u8 endpoint count, u8 0, u32 parameter
    /// child, u32 rest child.
    @inlinable package static var routeNodeHeaderSize: Int { 12 }
    /// A literal edge: u32 string ref of the segment, u32 node offset.
    @inlinable package static var routeEdgeSize: Int { 8 }
    /// An endpoint: u8 method, u8 0, u16 capability index, u32 string ref of the template.
    @inlinable package static var routeEndpointSize: Int { 8 }
    /// Where a route node's endpoints start, from the node's start: after its fixed part and edges.
    @inlinable package static func routeEndpointsOffset(literalCount: Int) -> Int {
        routeNodeHeaderSize + routeEdgeSize * literalCount
    }
    /// Bytes of a route node with these counts (`12 + 8c + 8e`, docs/table-format.md §3.8).
    @inlinable package static func routeNodeSize(literalCount: Int, endpointCount: Int) -> Int {
        routeEndpointsOffset(literalCount: literalCount) + routeEndpointSize * endpointCount
    }
    /// Most segments a route template may have: the route tree is at most this deep, which
    /// bounds the matcher's backtracking (see `ScopeTable.findRoute`).
    @inlinable public static var maxRouteSegments: Int { 16 }

    /// The methods of route endpoints, by code. `any` is `*`.
    public enum RouteMethod: UInt8, Sendable, CaseIterable {
        /// `*`: any method.
        case any = 0
        /// The HTTP methods a route may name.
        case get, head, post, put, patch, delete, options

        /// The method as written in a route and in an HTTP request line.
        public var text: String {
            switch self {
            case .any: "*"
            case .get: "GET"
            case .head: "HEAD"
            case .post: "POST"
            case .put: "PUT"
            case .patch: "PATCH"
            case .delete: "DELETE"
            case .options: "OPTIONS"
            }
        }

        /// The method of a route or request (`GET`, …, `*`); nil for any other method, which no
        /// route names (a request with it matches only `*` routes).
        public init?(text: String) {
            guard let match = Self.allCases.first(where: { $0.text == text }) else { return nil }
            self = match
        }
    }

    @inlinable package static var flagHasRevision: UInt16 { 1 }

    /// Capability index slots: u32 capability index (NONE when empty) and u32 hash tag (bits 32-63 of the hash; 0 when
    /// empty).
    @inlinable package static var indexSlotSize: Int { 8 }

    @inlinable package static var teamRecordSize: Int { 12 }
    @inlinable package static var capabilityRecordSize: Int { 24 }
    @inlinable package static var keyRecordHeaderSize: Int { 32 }
    /// Offset of the u64 name hash in a key record.
    @inlinable package static var keyHashOffset: Int { 24 }
    /// Offset of the name bytes in a key record.
    @inlinable package static var keyNameOffset: Int { 32 }

    @inlinable package static var keyFlagUnscoped: UInt8 { 1 }
    @inlinable package static var keyFlagHasExpiry: UInt8 { 2 }
    /// The key's scope set is stored right after its record (its first user).
    @inlinable package static var keyFlagScopeFollows: UInt8 { 4 }

    /// The hash of the capability index and the key buckets, over the UTF-8 bytes of a name.
    ///
    /// Eight bytes per step (little-endian words, the last one zero-padded),
    /// seeded with the length, then a final avalanche: ids are 10 to 30 bytes,
    /// so this is 2 to 4 multiplications where a byte-wise hash needs 30.
    ///
    ///     h = 0x9E3779B97F4A7C15 ^ length
    ///     for each 8-byte word w: h = (h ^ w) * 0xBF58476D1CE4E5B9; h ^= h >> 31
    ///     h ^= h >> 32; h *= 0x94D049BB133111EB; h ^= h >> 29
    @inline(__always)
    @inlinable public static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var index = 0
        let count = bytes.count
        while index + 8 <= count {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            hash = (hash ^ word) &* 0xBF58_476D_1CE4_E5B9
            hash ^= hash >> 31
            index += 8
        }
        if index < count {
            var word: UInt64 = 0
            var shift: UInt64 = 0
            while index < count {
                word |= UInt64(bytes[index]) << shift
                shift += 8
                index += 1
            }
            hash = (hash ^ word) &* 0xBF58_476D_1CE4_E5B9
            hash ^= hash >> 31
        }
        hash ^= hash >> 32
        hash = hash &* 0x94D0_49BB_1331_11EB
        hash ^= hash >> 29
        return hash
    }

    /// Key buckets for `count` keys: the smallest power of two at least count / 4 (about four keys a bucket), at least
    /// 1.
    @inlinable package static func keyBucketCount(for count: Int) -> Int {
        var buckets = 1
        while buckets * 4 < count { buckets <<= 1 }
        return buckets
    }

    /// The bucket of a name hash: its top bits, so that records sorted by hash are sorted by bucket.
    @inline(__always)
    @inlinable package static func bucket(of hash: UInt64, bucketCount: Int) -> Int {
        bucketCount <= 1 ? 0 : Int(hash >> UInt64(64 - bucketCount.trailingZeroBitCount))
    }

    /// Index capacity for `count` entries: the smallest power of two at least twice the count (load ≤ 0.5), at least 8.
    @inlinable package static func indexCapacity(for count: Int) -> Int {
        var capacity = 8
        while capacity < count * 2 { capacity <<= 1 }
        return capacity
    }
}
