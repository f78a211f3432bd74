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

/// Encodes `TableContents` into the unsigned bytes of a format v1 table.
///
/// Deterministic: the output depends only on the contents (which must be
/// sorted), never on dictionary order or the clock. Strings, id lists and
/// scope sets are interned, so keys with equal scopes share one set.
public enum TableEncoder {
    public static func encode(_ contents: TableContents) throws(TableEncodingError) -> [UInt8] {
        try check(contents)
        var strings = InternedStrings()
        var lists = InternedLists()
        strings.offsets.reserveCapacity(2 * contents.keys.count + 4 * contents.capabilities.count + 2 * contents.teams.count + 8)
        strings.writer.bytes.reserveCapacity(32 * contents.keys.count + 48 * contents.capabilities.count)
        // Scope sets are interned, and each is stored right after the record of
        // the first key that uses it: a decision then finds the key and its set
        // in neighbouring cache lines instead of a separate section.
        var scopeOffsets: [[UInt16]: UInt32] = [:]
        scopeOffsets.reserveCapacity(contents.keys.count)

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

        var keys = ByteWriter()
        keys.bytes.reserveCapacity(contents.keys.count * 56)
        // Key records are stored in (hash, name) order and found through buckets of the hash's
        // top bits: a lookup reads a small bucket array (cache-resident) and then one run of
        // neighbouring records, instead of an index slot and a record in two random places.
        let keyNames = contents.keys.map { Array($0.name.utf8) }
        let keyHashes = keyNames.map { name in name.withUnsafeBytes { TableFormat.hash($0) } }
        let recordOrder = contents.keys.indices.sorted { a, b in
            keyHashes[a] != keyHashes[b] ? keyHashes[a] < keyHashes[b] : keyNames[a].lexicographicallyPrecedes(keyNames[b])
        }
        let bucketCount = TableFormat.keyBucketCount(for: contents.keys.count)
        var bucketStarts = [UInt32](repeating: 0, count: bucketCount + 1)
        var nextBucket = 0
        let keyRecords = contents.keys
        keyRecords.withUnsafeBufferPointer { keyRecords in
        for position in recordOrder {
            // Read in place: copying a key would retain each of its strings and arrays.
            let key = UnsafePointer(keyRecords.baseAddress! + position)
            let recordStart = keys.count
            let bucket = TableFormat.bucket(of: keyHashes[position], bucketCount: bucketCount)
            while nextBucket <= bucket {
                bucketStarts[nextBucket] = UInt32(recordStart)
                nextBucket += 1
            }
            let name = keyNames[position]
            let setStart = (recordStart + TableFormat.keyRecordHeaderSize + name.count + 1) & ~1
            var flags: UInt8 = 0
            if key.pointee.unscoped { flags |= TableFormat.keyFlagUnscoped }
            if key.pointee.expiresDay != nil { flags |= TableFormat.keyFlagHasExpiry }
            var scopeRef = TableFormat.none
            var inlineSet: [UInt16]?
            if !key.pointee.unscoped {
                let set = key.pointee.capabilities.map(UInt16.init)
                if let existing = scopeOffsets[set] {
                    scopeRef = existing
                } else {
                    scopeRef = UInt32(setStart)
                    scopeOffsets[set] = scopeRef
                    inlineSet = set
                    flags |= TableFormat.keyFlagScopeFollows
                }
            }
            keys.u32(key.pointee.description.map { strings.ref($0) } ?? TableFormat.none)
            keys.u32(lists.ref(key.pointee.owners.map(UInt32.init)))
            keys.u32(scopeRef)
            keys.u32(key.pointee.selectors.isEmpty ? lists.ref([]) : lists.ref(key.pointee.selectors.map { strings.ref($0) }))
            keys.i32(Int32(clamping: key.pointee.expiresDay ?? 0))
            keys.u8(key.pointee.audience.rawValue)
            keys.u8(flags)
            keys.u16(UInt16(name.count))
            keys.u64(keyHashes[position])
            keys.append(name)
            keys.align(2)
            if let inlineSet {
                keys.u16(UInt16(inlineSet.count))
                for item in inlineSet { keys.u16(item) }
            }
            keys.align(4)
        }
        }
        while nextBucket <= bucketCount {
            bucketStarts[nextBucket] = UInt32(keys.count)
            nextBucket += 1
        }
        var keyBuckets = ByteWriter()
        for start in bucketStarts { keyBuckets.u32(start) }

        let capabilityIndex = buildIndex(contents.capabilities.map { Array($0.id.utf8) }, values: contents.capabilities.indices.map(UInt32.init))

        // Assemble: header, then sections in `TableFormat.Section` order, each 8-aligned.
        var output = ByteWriter()
        let sectionBytes = [strings.writer.bytes, lists.writer.bytes, teams.bytes, capabilities.bytes, keys.bytes, capabilityIndex, keyBuckets.bytes]
        output.bytes.reserveCapacity(TableFormat.headerSize + sectionBytes.reduce(0) { $0 + $1.count + 8 } + TableFormat.signatureBlockSize)
        output.append([UInt8](repeating: 0, count: TableFormat.headerSize))
        var table: [(UInt32, UInt32)] = []
        for section in sectionBytes {
            output.align(8)
            table.append((UInt32(output.count), UInt32(section.count)))
            output.append(section)
        }
        output.align(8)
        guard output.count <= Int(UInt32.max) - TableFormat.signatureBlockSize else { throw TableEncodingError("table larger than 4 GiB") }

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
        header.u32(UInt32(scopeOffsets.count))
        header.u32(UInt32(capabilityIndex.count / TableFormat.indexSlotSize))
        header.u32(UInt32(bucketCount))
        header.u32(0)
        for (offset, length) in table {
            header.u32(offset)
            header.u32(length)
        }
        precondition(header.count == TableFormat.headerSize)
        output.bytes.replaceSubrange(0..<TableFormat.headerSize, with: header.bytes)
        return output.bytes
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
            throw TableEncodingError("\(contents.capabilities.count) capabilities: a table holds at most \(TableFormat.maxCapabilities)")
        }
        func strictlySorted<T>(_ items: [T], _ name: (T) -> String) -> Bool {
            items.indices.dropFirst().allSatisfy { utf8Less(name(items[$0 - 1]), name(items[$0])) }
        }
        guard strictlySorted(contents.teams, \.id) else { throw TableEncodingError("team ids must be unique and sorted") }
        guard strictlySorted(contents.capabilities, \.id) else { throw TableEncodingError("capability ids must be unique and sorted") }
        guard strictlySorted(contents.keys, \.name) else { throw TableEncodingError("key names must be unique and sorted") }
        // The reader accepts string lengths of at most four LEB128 bytes: check every string that goes in.
        func fits(_ string: String?) -> Bool { (string?.utf8.count ?? 0) < 1 << 28 }
        var fitting = fits(contents.metadata.productID) && fits(contents.metadata.productName) && fits(contents.metadata.revision)
        for team in contents.teams { fitting = fitting && fits(team.id) && fits(team.name) && team.reviewers.allSatisfy(fits) }
        for capability in contents.capabilities {
            fitting = fitting && fits(capability.id) && fits(capability.name) && fits(capability.deprecated) && capability.tags.allSatisfy(fits)
        }
        for index in contents.keys.indices {
            fitting = fitting && fits(contents.keys[index].description) && contents.keys[index].selectors.allSatisfy(fits)
        }
        guard fitting else { throw TableEncodingError("a string is longer than 2^28-1 bytes") }
        for capability in contents.capabilities where !contents.teams.indices.contains(capability.owner) {
            throw TableEncodingError("capability \(capability.id) has an owner outside the team list")
        }
        for key in contents.keys {
            guard key.name.utf8.count <= 0xFFFF else { throw TableEncodingError("key name longer than 65535 bytes") }
            guard key.owners.allSatisfy(contents.teams.indices.contains) else { throw TableEncodingError("key \(key.name) has an owner outside the team list") }
            guard key.capabilities.allSatisfy(contents.capabilities.indices.contains), zip(key.capabilities, key.capabilities.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw TableEncodingError("key \(key.name) has capability indices that are out of range or not ascending")
            }
            if let day = key.expiresDay, Int32(exactly: day) == nil { throw TableEncodingError("key \(key.name) has an expiry out of range") }
        }
    }
}

/// Strings section: each entry is a LEB128 length and UTF-8 bytes; a reference is the entry's offset.
///
/// Interned by bytes, not by `String` equality: Swift's `==` treats canonically
/// equivalent text as equal, which would store one spelling for another.
struct InternedStrings {
    var writer = ByteWriter()
    var offsets: [ExactString: UInt32] = [:]

    mutating func ref(_ string: String) -> UInt32 {
        let key = ExactString(string)
        if let offset = offsets[key] { return offset }
        let offset = UInt32(writer.count)
        var length = string.utf8.count
        repeat {
            var byte = UInt8(length & 0x7F)
            length >>= 7
            if length > 0 { byte |= 0x80 }
            writer.u8(byte)
        } while length > 0
        writer.append(utf8: string)
        offsets[key] = offset
        return offset
    }
}

/// Lists section: each list is a u32 count and u32 items; a reference is the list's offset.
struct InternedLists {
    var writer = ByteWriter()
    var offsets: [[UInt32]: UInt32] = [:]

    mutating func ref(_ items: [UInt32]) -> UInt32 {
        if let offset = offsets[items] { return offset }
        let offset = UInt32(writer.count)
        writer.u32(UInt32(items.count))
        for item in items { writer.u32(item) }
        offsets[items] = offset
        return offset
    }
}

/// A string compared and hashed by its UTF-8 bytes (not by canonical equivalence, as `String` is).
struct ExactString: Hashable {
    let value: String

    init(_ value: String) { self.value = value }

    func hash(into hasher: inout Hasher) {
        var value = value
        value.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    static func == (lhs: ExactString, rhs: ExactString) -> Bool {
        lhs.value.utf8.elementsEqual(rhs.value.utf8)
    }
}

/// Bytewise UTF-8 order, through memcmp on contiguous storage.
func utf8Less(_ lhs: String, _ rhs: String) -> Bool {
    if let result = lhs.utf8.withContiguousStorageIfAvailable({ a in
        rhs.utf8.withContiguousStorageIfAvailable { b -> Bool in
            let common = min(a.count, b.count)
            if common > 0 {
                let order = memcmp(a.baseAddress!, b.baseAddress!, common)
                if order != 0 { return order < 0 }
            }
            return a.count < b.count
        }
    }), let result {
        return result
    }
    return lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
}
