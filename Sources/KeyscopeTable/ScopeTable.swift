import KeyscopeSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a table must satisfy to be opened.
public struct TableOpenOptions: Sendable {
    /// Keys whose signatures are accepted. Several at once make rotation possible.
    public var trustedKeys: [TrustedKey]
    /// When set, a table for another product is refused.
    public var expectedProduct: String?
    /// Unix seconds; when set, an expired table is refused. Gateways always set it.
    public var now: Int64?
    /// Refuse tables with a lower serial (rollback protection).
    public var minimumSerial: UInt64
    /// Refuse larger files before reading them.
    public var maximumSize: Int

    /// Trust and limits for opening a table; `now: nil` skips the expiry check (inspection only).
    public init(
        trustedKeys: [TrustedKey], expectedProduct: String? = nil, now: Int64?, minimumSerial: UInt64 = 0,
        maximumSize: Int = 256 << 20
    ) {
        self.trustedKeys = trustedKeys
        self.expectedProduct = expectedProduct
        self.now = now
        self.minimumSerial = minimumSerial
        self.maximumSize = maximumSize
    }
}

/// The outcome of a decision.
public enum Decision: Sendable, Hashable {
    case allow
    case deny(DenyReason)

    /// Whether the call may proceed.
    public var isAllowed: Bool { self == .allow }
}

/// Why a call is refused. Deny is the default for anything not explicitly granted.
public enum DenyReason: String, Sendable, Hashable, CaseIterable {
    /// The key exists but its scope does not include the capability (HTTP 403, SPEC §1).
    case notInScope
    /// No key of that name is in the table.
    case unknownKey
    /// No capability of that id is in the table.
    case unknownCapability
    /// The key's `expires` day has passed.
    case keyExpired
    /// The table itself is past its expires-at: it grants nothing any more.
    case tableExpired
    /// No route of the table matches the request's method and path (SPEC §12).
    case unknownRoute

    /// The reason in the words of the docs and of every output a person or a gateway reads
    /// (`not-in-scope`, …): the Swift case names are API for code, not for people.
    public var words: String {
        switch self {
        case .notInScope: "not-in-scope"
        case .unknownKey: "unknown-key"
        case .unknownCapability: "unknown-capability"
        case .keyExpired: "key-expired"
        case .tableExpired: "table-expired"
        case .unknownRoute: "unknown-route"
        }
    }

    /// One line saying what the reason means.
    public var explanation: String {
        switch self {
        case .notInScope: "the key's scope does not include this capability"
        case .unknownKey: "no key of this name is in the table"
        case .unknownCapability: "no capability of this id is in the table"
        case .keyExpired: "the key's expiry date has passed"
        case .tableExpired: "the table is past its expires-at and grants nothing"
        case .unknownRoute: "no route of the table matches the request's method and path"
        }
    }
}

/// A verified, validated scope table, answering decisions straight from its bytes.
///
/// Opening checks, in order: size limit, header, signature (before anything
/// else is read), then every offset and length in the file, then product,
/// expiry and serial. After that, lookups read through offsets known to be in
/// bounds and allocate nothing.
public final class ScopeTable: @unchecked Sendable {
    // INVARIANT (offsets checked): every offset reachable from the header,
    // the index slots, the bucket array and the records was checked against
    // `storage` in `init` (through `TableValidator` and `checkIndexes`); the storage is immutable and lives as long as
    // `self`.
    // That is what makes the unchecked Sendable and the unchecked reads sound.
    let storage: TableStorage
    @usableFromInline package let base: UnsafeRawPointer
    /// The table's length in bytes (the storage's), for bounds assertions in inlined readers.
    @usableFromInline package let size: Int
    /// What the header says, read once at open.
    public let header: TableHeader
    /// The key that signed the table.
    public let signer: KeyID
    /// Size of the whole file, signature block included.
    public var byteCount: Int { size }

    @usableFromInline package let strings: Int
    @usableFromInline package let lists: Int
    @usableFromInline package let teams: Int
    @usableFromInline package let capabilities: Int
    @usableFromInline package let keys: Int
    @usableFromInline package let keysLength: Int
    @usableFromInline package let capabilityIndex: Int
    @usableFromInline package let keyBuckets: Int
    @usableFromInline package let capabilityMask: Int
    @usableFromInline package let keyBucketCount: Int
    /// The fingerprint records (absolute offset) and how many there are; 0 in version 1.
    @usableFromInline package let fingerprints: Int
    @usableFromInline package let fingerprintCount: Int
    /// The route tree (absolute offset of its root) and its length; length 0 means no routes.
    @usableFromInline package let routes: Int
    @usableFromInline package let routesLength: Int
    /// `header.expiresAt`, kept apart so a decision reads one word, not the header.
    private let expiresAt: Int64

    /// Opens and verifies a table held in memory.
    public convenience init(bytes: [UInt8], options: TableOpenOptions) throws(ScopeTableError) {
        guard bytes.count <= options.maximumSize else { throw .tooLarge(size: bytes.count, limit: options.maximumSize) }
        try self.init(storage: TableStorage(copying: bytes), options: options, verifySignature: true)
    }

    /// Opens and verifies a table file, read into private memory (see `TableStorage.init(reading:)` for why it is not
    /// mapped).
    public convenience init(path: String, options: TableOpenOptions) throws(ScopeTableError) {
        try self.init(
            storage: TableStorage(reading: path, maximumSize: options.maximumSize), options: options,
            verifySignature: true)
    }

    /// Reads a table without checking its signature, for `inspect`/`diff --insecure-skip-verify` only.
    /// Structure is still fully validated. Gateways must never use this.
    package static func openUnverified(bytes: [UInt8]) throws(ScopeTableError) -> ScopeTable {
        try ScopeTable(
            storage: TableStorage(copying: bytes), options: TableOpenOptions(trustedKeys: [], now: nil),
            verifySignature: false)
    }

    /// The same for a file.
    package static func openUnverified(path: String, maximumSize: Int = 256 << 20) throws(ScopeTableError) -> ScopeTable
    {
        try ScopeTable(
            storage: TableStorage(reading: path, maximumSize: maximumSize),
            options: TableOpenOptions(trustedKeys: [], now: nil), verifySignature: false)
    }

    private init(storage: TableStorage, options: TableOpenOptions, verifySignature: Bool) throws(ScopeTableError) {
        self.storage = storage
        base = storage.base
        size = storage.count
        let count = storage.count
        let reader = RawReader(base: storage.base, count: count)
        // The shortest table is a version-1 header and a signature block.
        guard count >= TableFormat.headerSize(version: 1) + TableFormat.signatureBlockSize else {
            throw .malformed(offset: count, reason: .truncated)
        }
        guard (0..<4).allSatisfy({ reader.u8($0) == TableFormat.magic[$0] }) else {
            throw .malformed(offset: 0, reason: .badMagic)
        }
        let version = reader.u16(TableFormat.Header.version)
        guard (TableFormat.firstVersion...TableFormat.version).contains(version) else {
            throw .unsupportedVersion(version)
        }
        let headerSize = TableFormat.headerSize(version: version)
        guard count >= headerSize + TableFormat.signatureBlockSize else {
            throw .malformed(offset: count, reason: .truncated)
        }
        guard reader.u32(TableFormat.Header.headerSize) == UInt32(headerSize) else {
            throw .malformed(offset: TableFormat.Header.headerSize, reason: .badHeader)
        }
        let signedSize = Int(reader.u32(TableFormat.Header.signedSize))
        guard signedSize >= headerSize, signedSize + TableFormat.signatureBlockSize == count else {
            throw .malformed(offset: TableFormat.Header.signedSize, reason: .sizeMismatch)
        }

        // Signature first: nothing past the header is interpreted before it verifies.
        guard (0..<4).allSatisfy({ reader.u8(signedSize + $0) == TableFormat.signatureMagic[$0] }),
            reader.u16(signedSize + 4) == 1, reader.u16(signedSize + 6) == TableFormat.signatureAlgorithmEd25519
        else {
            throw .malformed(offset: signedSize, reason: .badSignatureBlock)
        }
        let keyID = KeyID(bytes: (0..<8).map { reader.u8(signedSize + 8 + $0) })
        signer = keyID
        if verifySignature {
            guard !options.trustedKeys.isEmpty else { throw .noTrustedKeys }
            guard let key = options.trustedKeys.first(where: { $0.id == keyID }) else {
                throw .untrustedSigner(keyID: keyID.description)
            }
            let signature = UnsafeRawBufferPointer(start: base + signedSize + 16, count: 64)
            guard key.isValidSignature(signature, for: UnsafeRawBufferPointer(start: base, count: signedSize)) else {
                throw .badSignature(keyID: keyID.description)
            }
        }

        // Sections: in order, 8-aligned, inside the signed bytes, not overlapping.
        var sections = SectionBounds()
        var end = headerSize
        for section in TableFormat.sections(version: version) {
            let field = TableFormat.Header.sections + 8 * section.rawValue
            let offset = Int(reader.u32(field))
            let length = Int(reader.u32(field + 4))
            guard offset % 8 == 0, offset >= end, offset <= signedSize, length <= signedSize - offset else {
                throw .malformed(offset: field, reason: .badSection)
            }
            sections[section] = (offset, length)
            end = offset + length
        }
        strings = sections[.strings].offset
        lists = sections[.lists].offset
        teams = sections[.teams].offset
        capabilities = sections[.capabilities].offset
        keys = sections[.keys].offset
        keysLength = sections[.keys].length
        capabilityIndex = sections[.capabilityIndex].offset
        keyBuckets = sections[.keyBuckets].offset
        fingerprints = sections[.fingerprints].offset
        routes = sections[.routes].offset
        routesLength = sections[.routes].length
        let fingerprintTotal = version == 1 ? 0 : Int(reader.u32(TableFormat.Header.fingerprintCount))
        let routeCount = version == 1 ? 0 : Int(reader.u32(TableFormat.Header.routeCount))
        fingerprintCount = fingerprintTotal

        let flags = reader.u16(TableFormat.Header.flags)
        guard flags & ~TableFormat.flagHasRevision == 0, reader.u32(TableFormat.Header.reserved) == 0 else {
            throw .malformed(offset: TableFormat.Header.flags, reason: .badHeader)
        }
        let capabilityCount = Int(reader.u32(TableFormat.Header.capabilityCount))
        let keyCount = Int(reader.u32(TableFormat.Header.keyCount))
        let teamCount = Int(reader.u32(TableFormat.Header.teamCount))
        let capabilityCapacity = Int(reader.u32(TableFormat.Header.capabilityIndexCapacity))
        let bucketCount = Int(reader.u32(TableFormat.Header.keyBucketCount))
        func validCapacity(_ capacity: Int, _ count: Int) -> Bool {
            capacity >= 8 && capacity & (capacity - 1) == 0 && capacity >= 2 * count
        }
        guard capabilityCount <= TableFormat.maxCapabilities,
            sections[.teams].length == teamCount * TableFormat.teamRecordSize,
            sections[.capabilities].length == capabilityCount * TableFormat.capabilityRecordSize,
            validCapacity(capabilityCapacity, capabilityCount),
            sections[.capabilityIndex].length == capabilityCapacity * TableFormat.indexSlotSize,
            bucketCount >= 1, bucketCount & (bucketCount - 1) == 0, bucketCount <= max(1, keyCount),
            sections[.keyBuckets].length == (bucketCount + 1) * 4,
            sections[.lists].length % 4 == 0,
            sections[.fingerprints].length == fingerprintTotal * TableFormat.fingerprintRecordSize
        else {
            throw .malformed(offset: TableFormat.Header.capabilityCount, reason: .badHeader)
        }
        capabilityMask = capabilityCapacity - 1
        keyBucketCount = bucketCount

        var validator = TableValidator(
            reader: reader, strings: sections[.strings], lists: sections[.lists],
            teamCount: teamCount, capabilityCount: capabilityCount
        )
        let productRef = reader.u32(TableFormat.Header.productID)
        let nameRef = reader.u32(TableFormat.Header.productName)
        let revisionRef = reader.u32(TableFormat.Header.revision)
        try validator.string(productRef, at: TableFormat.Header.productID)
        try validator.string(nameRef, at: TableFormat.Header.productName)
        if flags & TableFormat.flagHasRevision != 0 {
            try validator.string(revisionRef, at: TableFormat.Header.revision)
        } else if revisionRef != TableFormat.none {
            throw .malformed(offset: TableFormat.Header.revision, reason: .badHeader)
        }
        try validator.records(
            teams: sections[.teams], capabilities: sections[.capabilities], keys: sections[.keys], teamCount: teamCount,
            capabilityCount: capabilityCount, keyCount: keyCount,
            scopeSetCount: Int(reader.u32(TableFormat.Header.scopeSetCount)), bucketCount: bucketCount,
            keepRecordStarts: fingerprintTotal > 0)
        try validator.fingerprints(sections[.fingerprints], count: fingerprintTotal)
        try validator.routes(sections[.routes], endpointCount: routeCount)

        expiresAt = reader.i64(TableFormat.Header.expiresAt)
        header = TableHeader(
            productID: validator.stringValue(productRef),
            productName: validator.stringValue(nameRef),
            serial: reader.u64(TableFormat.Header.serial),
            issuedAt: reader.i64(TableFormat.Header.issuedAt),
            expiresAt: reader.i64(TableFormat.Header.expiresAt),
            revision: flags & TableFormat.flagHasRevision != 0 ? validator.stringValue(revisionRef) : nil,
            formatVersion: version,
            capabilityCount: capabilityCount,
            keyCount: keyCount,
            teamCount: teamCount,
            scopeSetCount: Int(reader.u32(TableFormat.Header.scopeSetCount)),
            fingerprintCount: fingerprintTotal,
            routeCount: routeCount
        )

        // Indexes: every slot empty or naming a record, each record once, each reachable by its own lookup.
        try checkIndexes(
            reader: reader, validator: validator, capabilityCount: capabilityCount, bucketStarts: validator.bucketStarts
        )

        if let expected = options.expectedProduct, expected != header.productID {
            throw .wrongProduct(expected: expected, found: header.productID)
        }
        if let now = options.now, now > header.expiresAt {
            throw .expired(expiresAt: header.expiresAt, now: now)
        }
        if header.serial < options.minimumSerial {
            throw .serialBelowMinimum(serial: header.serial, minimum: options.minimumSerial)
        }
    }

    private func checkIndexes(reader: RawReader, validator: TableValidator, capabilityCount: Int, bucketStarts: [Int])
        throws(ScopeTableError)
    {
        var seenCapabilities = 0
        for slot in 0...capabilityMask {
            let at = capabilityIndex + TableFormat.indexSlotSize * slot
            let value = reader.u32(at)
            if value == TableFormat.none {
                guard reader.u32(at + 4) == 0 else { throw .malformed(offset: at + 4, reason: .badIndex) }
                continue
            }
            guard Int(value) < capabilityCount else { throw .malformed(offset: at, reason: .badIndex) }
            seenCapabilities += 1
        }
        guard seenCapabilities == capabilityCount else { throw .malformed(offset: capabilityIndex, reason: .badIndex) }
        // Each capability must be found by a lookup of its own id (so none is unreachable or listed twice).
        for index in 0..<capabilityCount {
            let ref = reader.u32(capabilities + index * TableFormat.capabilityRecordSize)
            let (start, length) = validator.stringSpan(ref)
            guard findCapability(UnsafeRawBufferPointer(start: base + start, count: length)) == index else {
                throw .malformed(offset: capabilities + index * TableFormat.capabilityRecordSize, reason: .badIndex)
            }
        }
        // The bucket array must be exactly where the records of each bucket start
        // (the validator derived `bucketStarts`, one per bucket plus the end, from the records).
        for (bucket, start) in bucketStarts.enumerated() where Int(reader.u32(keyBuckets + 4 * bucket)) != start {
            throw .malformed(offset: keyBuckets + 4 * bucket, reason: .badIndex)
        }
    }

    // MARK: Lookups (no allocation, no bounds failures: see INVARIANT above)

    @inline(__always)
    @inlinable package func u32(_ offset: Int) -> UInt32 {
        UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
    @inline(__always)
    @inlinable package func u16(_ offset: Int) -> UInt16 {
        UInt16(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inline(__always)
    @inlinable package func stringEquals(_ ref: UInt32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        // On the decision path: kept free of closures.
        let (start, length) = RawReader(base: base, count: size).stringSpan(section: strings, ref: ref)
        return length == bytes.count && ScopeTable.bytesEqual(base + start, bytes.baseAddress, length)
    }

    /// Compares `count` bytes a word at a time: names are short, and a call to memcmp costs more than the comparison.
    @inline(__always)
    @inlinable package static func bytesEqual(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer?, _ count: Int) -> Bool {
        guard count > 0, let b else { return true }
        var index = 0
        while index + 8 <= count {
            if a.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                != b.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            {
                return false
            }
            index += 8
        }
        while index < count {
            if a.load(fromByteOffset: index, as: UInt8.self) != b.load(fromByteOffset: index, as: UInt8.self) {
                return false
            }
            index += 1
        }
        return true
    }

    /// The index of a capability by id, or nil.
    @inline(__always)
    package func findCapability(_ id: UnsafeRawBufferPointer) -> Int? {
        let hash = TableFormat.hash(id)
        let tag = UInt32(truncatingIfNeeded: hash >> 32)
        var slot = Int(hash & UInt64(capabilityMask))
        while true {
            let entry = UInt64(
                littleEndian: base.loadUnaligned(fromByteOffset: capabilityIndex + 8 * slot, as: UInt64.self))
            let value = UInt32(truncatingIfNeeded: entry)
            if value == TableFormat.none { return nil }
            if UInt32(truncatingIfNeeded: entry >> 32) == tag,
                stringEquals(u32(capabilities + Int(value) * TableFormat.capabilityRecordSize), id)
            {
                return Int(value)
            }
            slot = (slot + 1) & capabilityMask
        }
    }

    /// The offset of a key record (within the keys section) by name, or nil.
    ///
    /// The bucket array is small enough to stay in cache; the bucket's records
    /// are contiguous and sorted by hash, so a lookup reads one run of memory
    /// and stops at the first record with a larger hash.
    @inline(__always)
    package func findKey(_ name: UnsafeRawBufferPointer) -> Int? {
        let hash = TableFormat.hash(name)
        let bucket = TableFormat.bucket(of: hash, bucketCount: keyBucketCount)
        var offset = Int(u32(keyBuckets + 4 * bucket))
        let end = Int(u32(keyBuckets + 4 * bucket + 4))
        while offset < end {
            let record = keys + offset
            let recordHash = UInt64(
                littleEndian: base.loadUnaligned(fromByteOffset: record + TableFormat.keyHashOffset, as: UInt64.self))
            let nameLength = Int(u16(record + 22))
            if recordHash == hash {
                if nameLength == name.count
                    && ScopeTable.bytesEqual(base + record + TableFormat.keyNameOffset, name.baseAddress, nameLength)
                {
                    return offset
                }
            } else if recordHash > hash {
                return nil
            }
            offset = ScopeTable.recordEnd(base: base, keys: keys, offset: offset, nameLength: nameLength)
        }
        return nil
    }

    /// Offset (within the keys section) just past the record at `offset`, padding included.
    @inline(__always)
    @inlinable package static func recordEnd(base: UnsafeRawPointer, keys: Int, offset: Int, nameLength: Int) -> Int {
        var end = (offset + TableFormat.keyRecordHeaderSize + nameLength + 1) & ~1
        if base.load(fromByteOffset: keys + offset + 21, as: UInt8.self) & TableFormat.keyFlagScopeFollows != 0 {
            end += 2 + 2 * Int(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: keys + end, as: UInt16.self)))
        }
        return (end + 3) & ~3
    }

    /// Decides a call from UTF-8 bytes. `now` is Unix seconds (see `CoarseClock` for a clock without a system call per
    /// decision).
    public func decide(
        keyUTF8 key: UnsafeRawBufferPointer, capabilityUTF8 capability: UnsafeRawBufferPointer, now: Int64
    ) -> Decision {
        if now > expiresAt { return .deny(.tableExpired) }
        guard let record = findKey(key) else { return .deny(.unknownKey) }
        if isExpired(keyRecord: keys + record, now: now) { return .deny(.keyExpired) }
        guard let index = findCapability(capability) else { return .deny(.unknownCapability) }
        return decideScope(keyRecord: keys + record, capability: index)
    }

    /// Whether the key record at absolute offset `at` is past its last day.
    @inline(__always)
    package func isExpired(keyRecord at: Int, now: Int64) -> Bool {
        guard base.load(fromByteOffset: at + 21, as: UInt8.self) & TableFormat.keyFlagHasExpiry != 0 else {
            return false
        }
        let lastDay = Int64(Int32(bitPattern: u32(at + 16)))
        // Floor division without `now - 86_399`, which overflows at Int64.min.
        let today = now / 86_400 - (now % 86_400 < 0 ? 1 : 0)
        return today > lastDay
    }

    /// Whether the scope of the key record at absolute offset `at` includes capability `index`.
    @inline(__always)
    package func decideScope(keyRecord at: Int, capability index: Int) -> Decision {
        if base.load(fromByteOffset: at + 21, as: UInt8.self) & TableFormat.keyFlagUnscoped != 0 { return .allow }
        // Scope sets are ascending u16 capability indices, in the keys section: binary search.
        let set = keys + Int(u32(at + 8))
        var low = 0
        var high = Int(u16(set))
        let target = UInt16(index)
        while low < high {
            let middle = (low + high) >> 1
            let value = u16(set + 2 + 2 * middle)
            if value == target { return .allow }
            if value < target { low = middle + 1 } else { high = middle }
        }
        return .deny(.notInScope)
    }

    /// Decides a call. Native Swift strings are contiguous UTF-8, so this neither copies nor allocates.
    @inline(__always)
    public func decide(key: String, capability: String, now: Int64) -> Decision {
        if let decision = key.utf8.withContiguousStorageIfAvailable({ keyBytes in
            capability.utf8.withContiguousStorageIfAvailable { capabilityBytes in
                decide(
                    keyUTF8: UnsafeRawBufferPointer(keyBytes), capabilityUTF8: UnsafeRawBufferPointer(capabilityBytes),
                    now: now)
            }
        }), let decision {
            return decision
        }
        // Bridged or otherwise non-contiguous strings: copy once.
        var key = key
        var capability = capability
        return key.withUTF8 { keyBytes in
            capability.withUTF8 { capabilityBytes in
                decide(
                    keyUTF8: UnsafeRawBufferPointer(keyBytes), capabilityUTF8: UnsafeRawBufferPointer(capabilityBytes),
                    now: now)
            }
        }
    }
}

extension ScopeTable {
    /// The bytes of the string entry at `ref` (already validated).
    @inlinable package func withString<Result>(_ ref: UInt32, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        let (start, length) = RawReader(base: base, count: size).stringSpan(section: strings, ref: ref)
        return body(UnsafeRawBufferPointer(start: base + start, count: length))
    }

    /// The string entry at `ref` (already validated), as a `String`.
    @inlinable package func decodedString(_ ref: UInt32) -> String {
        withString(ref) { String(decoding: $0, as: UTF8.self) }
    }

    /// The items of the list entry at `ref` (already validated).
    @inlinable package func decodedList(_ ref: UInt32) -> [UInt32] {
        let list = lists + Int(ref)
        return (0..<Int(u32(list))).map { u32(list + 4 + 4 * $0) }
    }
}

/// The header of an opened table.
public struct TableHeader: Sendable, Hashable {
    /// The product this table is for (its publish directory name).
    public var productID: String
    /// The product's display name.
    public var productName: String
    /// Increases with every table of the product; a gateway never goes back to a lower one.
    public var serial: UInt64
    /// Unix seconds at compile time.
    public var issuedAt: Int64
    /// Unix seconds after which every decision is `deny(.tableExpired)`.
    public var expiresAt: Int64
    /// The policy revision compiled (a git commit), if recorded.
    public var revision: String?
    /// The table format version (`TableFormat.version`).
    public var formatVersion: UInt16
    /// How many capabilities the product declares.
    public var capabilityCount: Int
    /// How many keys the table holds.
    public var keyCount: Int
    /// How many teams the table references.
    public var teamCount: Int
    /// Distinct scope sets (keys with equal scopes share one).
    public var scopeSetCount: Int
    /// Fingerprints of key secrets the table identifies keys by (0 in version 1).
    public var fingerprintCount: Int
    /// Route templates the table maps requests to capabilities by (0 in version 1).
    public var routeCount: Int
}

/// Little-endian reads at offsets the caller has already validated against `count` (the open
/// sequence checks the header, then the sections, then each reference, before reading
/// through it). Debug builds assert the bounds; release builds do not pay for a second check.
@frozen @usableFromInline package struct RawReader {
    @usableFromInline package let base: UnsafeRawPointer
    @usableFromInline package let count: Int

    @inlinable package init(base: UnsafeRawPointer, count: Int) {
        self.base = base
        self.count = count
    }

    @inlinable package func u8(_ offset: Int) -> UInt8 {
        assert(offset >= 0 && offset < count, "table read at \(offset) past \(count) bytes")
        return base.load(fromByteOffset: offset, as: UInt8.self)
    }
    @inlinable package func u16(_ offset: Int) -> UInt16 {
        assert(offset >= 0 && offset + 2 <= count, "table read at \(offset) past \(count) bytes")
        return UInt16(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }
    @inlinable package func u32(_ offset: Int) -> UInt32 {
        assert(offset >= 0 && offset + 4 <= count, "table read at \(offset) past \(count) bytes")
        return UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
    @inlinable package func i32(_ offset: Int) -> Int32 { Int32(bitPattern: u32(offset)) }
    @inlinable package func u64(_ offset: Int) -> UInt64 {
        assert(offset >= 0 && offset + 8 <= count, "table read at \(offset) past \(count) bytes")
        return UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
    @inlinable package func i64(_ offset: Int) -> Int64 { Int64(bitPattern: u64(offset)) }

    /// Start (absolute) and length of the string entry at `ref` in the strings section at `section`:
    /// a LEB128 length, then the bytes. Only for references already validated.
    @inlinable package func stringSpan(section: Int, ref: UInt32) -> (start: Int, length: Int) {
        var offset = section + Int(ref)
        var length = 0
        var shift = 0
        while true {
            let byte = u8(offset)
            offset += 1
            length |= Int(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        return (offset, length)
    }
}

/// Offset and length of each section, by name: a section added to `TableFormat.Section` takes
/// its own slot and shifts nothing.
struct SectionBounds {
    private var bounds = [(offset: Int, length: Int)](repeating: (0, 0), count: TableFormat.Section.allCases.count)

    subscript(_ section: TableFormat.Section) -> (offset: Int, length: Int) {
        get { bounds[section.rawValue] }
        set { bounds[section.rawValue] = newValue }
    }
}

/// The bytes behind a table: always a private copy that nothing else can change.
final class TableStorage: @unchecked Sendable {
    let base: UnsafeRawPointer
    let count: Int
    private let release: @Sendable (UnsafeRawPointer, Int) -> Void

    init(copying bytes: [UInt8]) {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        bytes.withUnsafeBytes { memory.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        base = UnsafeRawPointer(memory)
        count = bytes.count
        release = { pointer, _ in UnsafeMutableRawPointer(mutating: pointer).deallocate() }
    }

    /// Reads a file into private memory. The size limit is checked before anything is read.
    ///
    /// Not a shared mapping, on purpose: with `mmap` (even `MAP_PRIVATE`) a later
    /// in-place write to the file by anyone who can write it would show through
    /// into a table that was verified at open, and a truncation would turn reads
    /// into SIGBUS. Verifying a private copy is the only way "verify, then use"
    /// holds; copying 10 MB costs a few milliseconds, once per table.
    init(reading path: String, maximumSize: Int) throws(ScopeTableError) {
        let (memory, total): (UnsafeMutableRawPointer, Int)
        do {
            (memory, total) = try BoundedRead.alignedBytes(path, limit: maximumSize)
        } catch {
            switch error {
            case .tooLarge(let size, let limit): throw .tooLarge(size: size, limit: limit)
            case .missing, .notRegularFile, .failed: throw .unreadable(path: path, reason: error.description)
            }
        }
        guard total > 0 else {
            memory.deallocate()
            throw .malformed(offset: 0, reason: .truncated)
        }
        base = UnsafeRawPointer(memory)
        // A file that shrank while being read is refused as truncated by the size checks.
        count = total
        release = { pointer, _ in UnsafeMutableRawPointer(mutating: pointer).deallocate() }
    }

    deinit { release(base, count) }
}
