import Dispatch
import KeyscopeSupport
import KeyscopeTable
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why contents could not be encoded.
public struct TableEncodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Encodes `TableContents` into the unsigned bytes of a format v2 table.
///
/// Deterministic: the output depends only on the contents (which must be
/// sorted), never on dictionary order or the clock. Strings, id lists and
/// scope sets are interned, so keys with equal scopes share one set.
public enum TableEncoder {
    public static func encode(_ contents: TableContents) throws(TableEncodingError) -> [UInt8] {
        try check(contents)
        var strings = InternedStrings()
        var lists = InternedLists()
        strings.writer.bytes.reserveCapacity(48 * contents.capabilities.count)

        let productID = strings.ref(contents.metadata.productID)
        let productName = strings.ref(contents.metadata.productName)
        let revision = contents.metadata.revision.map { strings.ref($0) } ?? TableFormat.none

        var teams = ByteWriter()
        for team in contents.teams {
            teams.u32(strings.ref(team.id))
            teams.u32(strings.ref(team.name))
            teams.u32(lists.ref(team.reviewers.map { strings.ref($0) }))
        }

        var capabilities = ByteWriter()
        for capability in contents.capabilities {
            capabilities.u32(strings.ref(capability.id))
            capabilities.u32(strings.ref(capability.name))
            capabilities.u32(UInt32(capability.owner))
            capabilities.u32(lists.ref(capability.tags.map { strings.ref($0) }))
            capabilities.u32(capability.deprecated.map { strings.ref($0) } ?? TableFormat.none)
            capabilities.u32(0)
        }

        // Key records are stored in (hash, name) order and found through buckets of the hash's
        // top bits: a lookup reads a small bucket array (cache-resident) and then one run of
        // neighbouring records, instead of an index slot and a record in two random places.
        let keyRecords = contents.keys
        let columns = KeyColumns(keyRecords)
        let bucketCount = TableFormat.keyBucketCount(for: contents.keys.count)

        // The strings and lists a key refers to, and the layout of its record, depend on
        // nothing of each other: both walks run side by side, over the compact columns
        // rather than the keys, and the references are filled in afterwards.
        let interning = Mutex<(strings: InternedStrings, lists: InternedLists, references: [KeyReferences])?>(nil)
        let layout = Mutex<KeyLayout?>(nil)
        let (sharedStrings, sharedLists) = (strings, lists)
        DispatchQueue.concurrentPerform(iterations: 2) { part in
            if part == 0 {
                var strings = sharedStrings
                var lists = sharedLists
                let references = internKeyReferences(columns, keys: keyRecords, strings: &strings, lists: &lists)
                interning.withLock { $0 = (strings, lists, references) }
            } else {
                let result = layOutKeyRecords(columns, bucketCount: bucketCount)
                layout.withLock { $0 = result }
            }
        }
        guard let interned = interning.withLock({ $0.take() }), var keyLayout = layout.withLock({ $0.take() }) else {
            throw TableEncodingError("internal error: key encoding did not complete")
        }
        strings = interned.strings
        lists = interned.lists
        var keys = keyLayout.records
        keyLayout.records = ByteWriter()
        for (start, references) in zip(keyLayout.recordStarts, interned.references) {
            keys.setU32(references.description, at: start + 0)
            keys.setU32(references.owners, at: start + 4)
            keys.setU32(references.selectors, at: start + 12)
        }
        let bucketStarts = keyLayout.bucketStarts
        let scopeSetCount = keyLayout.scopeSetCount
        var keyBuckets = ByteWriter()
        for start in bucketStarts { keyBuckets.u32(start) }

        // Version 2: the route tree (its strings after every key's) and the fingerprints, sorted
        // by digest, each naming its key's record.
        let routeTree = try RouteTree(contents.capabilities)
        let routes = routeTree.encode(strings: &strings)
        var recordOfKey = [Int](repeating: 0, count: contents.keys.count)
        for (position, start) in keyLayout.recordStarts.enumerated() { recordOfKey[columns.keyIndex[position]] = start }
        var fingerprintRecords: [(digest: [UInt8], record: Int)] = []
        for (index, key) in contents.keys.enumerated() {
            for digest in key.fingerprints { fingerprintRecords.append((digest, recordOfKey[index])) }
        }
        fingerprintRecords.sort { $0.digest.lexicographicallyPrecedes($1.digest) }
        for index in fingerprintRecords.indices.dropFirst()
        where fingerprintRecords[index - 1].digest == fingerprintRecords[index].digest {
            throw TableEncodingError("one fingerprint is given to two keys, or twice to one key")
        }
        var fingerprints = ByteWriter()
        fingerprints.bytes.reserveCapacity(fingerprintRecords.count * TableFormat.fingerprintRecordSize)
        for record in fingerprintRecords {
            fingerprints.append(record.digest)
            fingerprints.u32(UInt32(record.record))
            fingerprints.u32(0)
        }

        let capabilityIndex = buildIndex(
            contents.capabilities.map { Array($0.id.utf8) }, values: contents.capabilities.indices.map(UInt32.init))

        // Assemble: header, then sections in `TableFormat.Section` order, each 8-aligned.
        var output = ByteWriter()
        // An exhaustive switch: a section added to the format is a compile error here until it is written.
        func bytes(of section: TableFormat.Section) -> [UInt8] {
            switch section {
            case .strings: strings.writer.bytes
            case .lists: lists.writer.bytes
            case .teams: teams.bytes
            case .capabilities: capabilities.bytes
            case .keys: keys.bytes
            case .capabilityIndex: capabilityIndex
            case .keyBuckets: keyBuckets.bytes
            case .fingerprints: fingerprints.bytes
            case .routes: routes
            }
        }
        let sectionSizes = TableFormat.Section.allCases.reduce(0) { $0 + bytes(of: $1).count + 8 }
        output.bytes.reserveCapacity(TableFormat.headerSize + sectionSizes + TableFormat.signatureBlockSize)
        output.append([UInt8](repeating: 0, count: TableFormat.headerSize))
        var table: [(UInt32, UInt32)] = []
        for section in TableFormat.Section.allCases {
            let sectionBytes = bytes(of: section)
            output.align(8)
            table.append((UInt32(output.count), UInt32(sectionBytes.count)))
            output.append(sectionBytes)
        }
        output.align(8)
        guard output.count <= Int(UInt32.max) - TableFormat.signatureBlockSize else {
            throw TableEncodingError("table larger than 4 GiB")
        }

        var header = ByteWriter()
        header.append(TableFormat.magic)
        header.u16(TableFormat.version)
        header.u16(contents.metadata.revision == nil ? 0 : TableFormat.flagHasRevision)
        header.u32(UInt32(TableFormat.headerSize))
        header.u32(UInt32(output.count))
        header.u64(contents.metadata.serial)
        header.i64(contents.metadata.issuedAt)
        header.i64(contents.metadata.expiresAt)
        header.u32(productID)
        header.u32(productName)
        header.u32(revision)
        header.u32(UInt32(contents.capabilities.count))
        header.u32(UInt32(contents.keys.count))
        header.u32(UInt32(contents.teams.count))
        header.u32(UInt32(scopeSetCount))
        header.u32(UInt32(capabilityIndex.count / TableFormat.indexSlotSize))
        header.u32(UInt32(bucketCount))
        header.u32(0)
        for (offset, length) in table {
            header.u32(offset)
            header.u32(length)
        }
        header.u32(UInt32(fingerprintRecords.count))
        header.u32(UInt32(routeTree.endpointCount))
        precondition(header.count == TableFormat.headerSize)
        output.bytes.replaceSubrange(0..<TableFormat.headerSize, with: header.bytes)
        return output.bytes
    }

    /// The description, owners and selectors references of each key, in record order.
    static func internKeyReferences(
        _ columns: KeyColumns, keys: [TableKey], strings: inout InternedStrings, lists: inout InternedLists
    ) -> [KeyReferences] {
        var references: [KeyReferences] = []
        references.reserveCapacity(columns.count)
        strings.writer.bytes.reserveCapacity(strings.writer.count + columns.descriptions.count + 2 * columns.count)
        columns.descriptions.withUnsafeBytes { descriptions in
            columns.owners.withUnsafeBufferPointer { owners in
                for position in 0..<columns.count {
                    let descriptionRange =
                        Int(columns.descriptionStarts[position])..<Int(columns.descriptionStarts[position + 1])
                    let ownerRange = Int(columns.ownerStarts[position])..<Int(columns.ownerStarts[position + 1])
                    references.append(
                        KeyReferences(
                            description: columns.hasDescription[position]
                                ? strings.ref(utf8: UnsafeRawBufferPointer(rebasing: descriptions[descriptionRange]))
                                : TableFormat.none,
                            owners: lists.ref(UnsafeBufferPointer(rebasing: owners[ownerRange])),
                            // Few keys select tags: only theirs are read from the keys themselves.
                            selectors: columns.hasSelectors[position]
                                ? lists.ref(keys[columns.keyIndex[position]].selectors.map { strings.ref($0) })
                                : lists.ref([])
                        ))
                }
            }
        }
        return references
    }

    /// The keys section with zeros for the references `internKeyReferences` finds, the bucket array,
    /// and where each record starts.
    ///
    /// Scope sets are interned, and each is stored right after the record of
    /// the first key that uses it: a decision then finds the key and its set
    /// in neighbouring cache lines instead of a separate section.
    static func layOutKeyRecords(_ columns: KeyColumns, bucketCount: Int) -> KeyLayout {
        var records = ByteWriter()
        records.bytes.reserveCapacity(columns.names.count + columns.capabilities.count * 2 + columns.count * 40)
        var recordStarts: [Int] = []
        recordStarts.reserveCapacity(columns.count)
        var bucketStarts = [UInt32](repeating: 0, count: bucketCount + 1)
        var nextBucket = 0
        var scopeSets = EntryIndex()
        var scopeSetCount = 0
        columns.names.withUnsafeBytes { names in
            columns.capabilities.withUnsafeBufferPointer { capabilities in
                for position in 0..<columns.count {
                    let recordStart = records.count
                    recordStarts.append(recordStart)
                    let hash = columns.hashes[position]
                    let bucket = TableFormat.bucket(of: hash, bucketCount: bucketCount)
                    while nextBucket <= bucket {
                        bucketStarts[nextBucket] = UInt32(recordStart)
                        nextBucket += 1
                    }
                    let name = UnsafeRawBufferPointer(
                        rebasing: names[Int(columns.nameStarts[position])..<Int(columns.nameStarts[position + 1])])
                    let setStart = (recordStart + TableFormat.keyRecordHeaderSize + name.count + 1) & ~1
                    let scoped = !columns.unscoped[position]
                    let expiresDay = columns.expiresDays[position]
                    var flags: UInt8 = 0
                    if !scoped { flags |= TableFormat.keyFlagUnscoped }
                    if expiresDay != nil { flags |= TableFormat.keyFlagHasExpiry }
                    // A scoped key's set is written after its record, and dropped again when an earlier key stored the
                    // same set.
                    if scoped { flags |= TableFormat.keyFlagScopeFollows }
                    records.u32(0)
                    records.u32(0)
                    records.u32(scoped ? UInt32(setStart) : TableFormat.none)
                    records.u32(0)
                    records.i32(expiresDay ?? 0)
                    records.u8(columns.audiences[position])
                    records.u8(flags)
                    records.u16(UInt16(name.count))
                    records.u64(hash)
                    records.bytes.append(contentsOf: name)
                    records.align(2)
                    if scoped {
                        let set = capabilities[
                            Int(columns.capabilityStarts[position])..<Int(columns.capabilityStarts[position + 1])]
                        records.u16(UInt16(set.count))
                        for item in set { records.u16(item) }
                        let scopeRef = scopeSets.intern(entryFrom: setStart, in: &records)
                        if scopeRef == UInt32(setStart) {
                            scopeSetCount += 1
                        } else {
                            records.setU32(scopeRef, at: recordStart + 8)
                            records.bytes[recordStart + 21] = flags & ~TableFormat.keyFlagScopeFollows
                        }
                    }
                    records.align(4)
                }
            }
        }
        while nextBucket <= bucketCount {
            bucketStarts[nextBucket] = UInt32(records.count)
            nextBucket += 1
        }
        return KeyLayout(
            records: records, recordStarts: recordStarts, bucketStarts: bucketStarts, scopeSetCount: scopeSetCount)
    }

    /// Open addressing with linear probing. A slot is (value, hash tag); empty slots are (`TableFormat.none`, 0).
    static func buildIndex(_ names: [[UInt8]], values: [UInt32]) -> [UInt8] {
        let capacity = TableFormat.indexCapacity(for: names.count)
        var slots = [(value: UInt32, tag: UInt32)](repeating: (TableFormat.none, 0), count: capacity)
        let mask = UInt64(capacity - 1)
        for (name, value) in zip(names, values) {
            let hash = name.withUnsafeBytes { TableFormat.hash($0) }
            var slot = Int(hash & mask)
            while slots[slot].value != TableFormat.none { slot = (slot + 1) & Int(mask) }
            slots[slot] = (value, UInt32(truncatingIfNeeded: hash >> 32))
        }
        var writer = ByteWriter()
        writer.bytes.reserveCapacity(capacity * TableFormat.indexSlotSize)
        for slot in slots {
            writer.u32(slot.value)
            writer.u32(slot.tag)
        }
        return writer.bytes
    }

    static func check(_ contents: TableContents) throws(TableEncodingError) {
        guard contents.capabilities.count <= TableFormat.maxCapabilities else {
            throw TableEncodingError(
                "\(contents.capabilities.count) capabilities: a table holds at most \(TableFormat.maxCapabilities)")
        }
        func strictlySorted<T>(_ items: [T], _ name: (T) -> String) -> Bool {
            items.indices.dropFirst().allSatisfy { bytewiseLess(name(items[$0 - 1]), name(items[$0])) }
        }
        guard strictlySorted(contents.teams, \.id) else {
            throw TableEncodingError("team ids must be unique and sorted")
        }
        guard strictlySorted(contents.capabilities, \.id) else {
            throw TableEncodingError("capability ids must be unique and sorted")
        }
        guard strictlySorted(contents.keys, \.name) else {
            throw TableEncodingError("key names must be unique and sorted")
        }
        // The reader accepts string lengths of at most four LEB128 bytes: check every string that goes in.
        func fits(_ string: String?) -> Bool { (string?.utf8.count ?? 0) < 1 << 28 }
        var fitting =
            fits(contents.metadata.productID) && fits(contents.metadata.productName) && fits(contents.metadata.revision)
        for team in contents.teams {
            fitting = fitting && fits(team.id) && fits(team.name) && team.reviewers.allSatisfy(fits)
        }
        for capability in contents.capabilities {
            fitting =
                fitting && fits(capability.id) && fits(capability.name) && fits(capability.deprecated)
                && capability.tags.allSatisfy(fits)
        }
        guard fitting else { throw TableEncodingError("a string is longer than 2^28-1 bytes") }
        for capability in contents.capabilities where !contents.teams.indices.contains(capability.owner) {
            throw TableEncodingError("capability \(capability.id) has an owner outside the team list")
        }
        // Keys are read in place: copying each one would retain all of its strings and arrays.
        let teamCount = contents.teams.count
        let capabilityCount = contents.capabilities.count
        let problem: String? = contents.keys.withUnsafeBufferPointer { keys in
            for index in keys.indices {
                let key = keys.baseAddress! + index
                guard fits(key.pointee.description), key.pointee.selectors.allSatisfy(fits) else {
                    return "a string is longer than 2^28-1 bytes"
                }
                guard key.pointee.name.utf8.count <= 0xFFFF else { return "key name longer than 65535 bytes" }
                guard key.pointee.owners.allSatisfy({ (0..<teamCount).contains($0) }) else {
                    return "key \(key.pointee.name) has an owner outside the team list"
                }
                var previous = -1
                for capability in key.pointee.capabilities {
                    guard capability > previous, capability < capabilityCount else {
                        return "key \(key.pointee.name) has capability indices that are out of range or not ascending"
                    }
                    previous = capability
                }
                if let day = key.pointee.expiresDay, Int32(exactly: day) == nil {
                    return "key \(key.pointee.name) has an expiry out of range"
                }
                guard key.pointee.fingerprints.allSatisfy({ $0.count == TableFormat.digestSize }) else {
                    return "key \(key.pointee.name) has a fingerprint that is not a 32-byte SHA-256 digest"
                }
            }
            return nil
        }
        if let problem { throw TableEncodingError(problem) }
    }
}

/// What a key record refers to in the strings and lists sections.
struct KeyReferences: Sendable {
    var description: UInt32
    var owners: UInt32
    var selectors: UInt32
}

/// The keys section before `KeyReferences` are filled in.
struct KeyLayout: Sendable {
    var records: ByteWriter
    var recordStarts: [Int]
    var bucketStarts: [UInt32]
    var scopeSetCount: Int
}

/// Strings section: each entry is a LEB128 length and UTF-8 bytes; a reference is the entry's offset.
///
/// Interned by bytes, not by `String` equality: Swift's `==` treats canonically
/// equivalent text as equal, which would store one spelling for another.
struct InternedStrings {
    var writer = ByteWriter()
    var index = EntryIndex()

    mutating func ref(_ string: String) -> UInt32 {
        if let offset = string.utf8.withContiguousStorageIfAvailable({ ref(utf8: UnsafeRawBufferPointer($0)) }) {
            return offset
        }
        var string = string
        return string.withUTF8 { ref(utf8: UnsafeRawBufferPointer($0)) }
    }

    /// The same for UTF-8 bytes (read from a column, or out of a `String`).
    mutating func ref(utf8 bytes: UnsafeRawBufferPointer) -> UInt32 {
        let start = writer.count
        var length = bytes.count
        repeat {
            var byte = UInt8(length & 0x7F)
            length >>= 7
            if length > 0 { byte |= 0x80 }
            writer.u8(byte)
        } while length > 0
        writer.bytes.append(contentsOf: bytes)
        return index.intern(entryFrom: start, in: &writer)
    }
}

/// Lists section: each list is a u32 count and u32 items; a reference is the list's offset.
struct InternedLists {
    var writer = ByteWriter()
    var index = EntryIndex()
    /// The empty list, written on first use (most keys select no tags).
    private var emptyList: UInt32?

    mutating func ref(_ items: [UInt32]) -> UInt32 {
        items.withUnsafeBufferPointer { ref($0) }
    }

    /// The same for items read from a column.
    mutating func ref(_ items: UnsafeBufferPointer<UInt32>) -> UInt32 {
        if items.isEmpty, let emptyList { return emptyList }
        let start = writer.count
        writer.u32(UInt32(items.count))
        for item in items { writer.u32(item) }
        let offset = index.intern(entryFrom: start, in: &writer)
        if items.isEmpty { emptyList = offset }
        return offset
    }
}

/// Finds an earlier, byte-identical copy of an entry just written to a section.
///
/// Entries begin with their own length or count, so equal leading bytes mean
/// equal entries. The index holds only offsets and hash tags: the section's
/// bytes are the keys, and interning allocates nothing per entry (a
/// `[String: UInt32]` spent most of the encoder's time hashing and allocating).
struct EntryIndex {
    /// 0 for an empty slot, else the entry's hash tag (high half) and offset + 1 (low half).
    private var slots = [UInt64](repeating: 0, count: 256)
    private var count = 0

    /// Keeps the entry at `start..<writer.count` when it is new and returns its offset,
    /// or removes it again and returns the offset of the earlier copy.
    mutating func intern(entryFrom start: Int, in writer: inout ByteWriter) -> UInt32 {
        let end = writer.count
        let (found, hash): (Int?, UInt64) = writer.bytes.withUnsafeBytes { section in
            let entry = UnsafeRawBufferPointer(rebasing: section[start..<end])
            let hash = TableFormat.hash(entry)
            let tag = UInt32(truncatingIfNeeded: hash)
            var slot = Int(tag) & (slots.count - 1)
            while slots[slot] != 0 {
                let candidate = Int(truncatingIfNeeded: slots[slot] & 0xFFFF_FFFF) - 1
                if UInt32(truncatingIfNeeded: slots[slot] >> 32) == tag, candidate + entry.count <= start,
                    memcmp(section.baseAddress! + candidate, entry.baseAddress!, entry.count) == 0
                {
                    return (candidate, hash)
                }
                slot = (slot + 1) & (slots.count - 1)
            }
            return (nil, hash)
        }
        if let found {
            writer.bytes.removeSubrange(start..<end)
            return UInt32(found)
        }
        insert(tag: UInt32(truncatingIfNeeded: hash), offset: start)
        return UInt32(start)
    }

    private mutating func insert(tag: UInt32, offset: Int) {
        if (count + 1) * 2 > slots.count { grow() }
        var slot = Int(tag) & (slots.count - 1)
        while slots[slot] != 0 { slot = (slot + 1) & (slots.count - 1) }
        slots[slot] = UInt64(tag) << 32 | UInt64(offset + 1)
        count += 1
    }

    private mutating func grow() {
        let old = slots
        slots = [UInt64](repeating: 0, count: old.count * 2)
        count = 0
        for entry in old where entry != 0 {
            insert(
                tag: UInt32(truncatingIfNeeded: entry >> 32), offset: Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1)
        }
    }
}
