/// Checks every reference in a table once, at open, so that lookups never need to.
struct TableValidator {
    let reader: RawReader
    let strings: (offset: Int, length: Int)
    let lists: (offset: Int, length: Int)
    let teamCount: Int
    let capabilityCount: Int
    /// Where each bucket's records start (within the keys section), as the records say; filled by `records`.
    private(set) var bucketStarts: [Int] = []
    /// Where each key record starts (within the keys section), ascending; filled by `records` when
    /// asked for, to check the key offsets of fingerprint records.
    private(set) var recordStarts: [Int] = []

    init(reader: RawReader, strings: (Int, Int), lists: (Int, Int), teamCount: Int, capabilityCount: Int) {
        self.reader = reader
        self.strings = strings
        self.lists = lists
        self.teamCount = teamCount
        self.capabilityCount = capabilityCount
    }

    /// Start (absolute) and length of a string known to be valid.
    func stringSpan(_ ref: UInt32) -> (Int, Int) {
        reader.stringSpan(section: strings.offset, ref: ref)
    }

    func stringValue(_ ref: UInt32) -> String {
        let (start, length) = stringSpan(ref)
        return String(decoding: UnsafeRawBufferPointer(start: reader.base + start, count: length), as: UTF8.self)
    }

    /// A string reference: a LEB128 length (at most 4 bytes) and that many UTF-8 bytes, inside the strings section.
    func string(_ ref: UInt32, at field: Int) throws(ScopeTableError) {
        var offset = Int(ref)
        var length = 0
        var shift = 0
        while true {
            guard offset < strings.length, shift <= 21 else { throw .malformed(offset: field, reason: .badString) }
            let byte = reader.u8(strings.offset + offset)
            offset += 1
            length |= Int(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        guard length <= strings.length - offset else { throw .malformed(offset: field, reason: .badString) }
        guard
            TableValidator.isValidUTF8(
                UnsafeRawBufferPointer(start: reader.base + strings.offset + offset, count: length))
        else {
            throw .malformed(offset: field, reason: .badString)
        }
    }

    /// A list reference; returns its items' absolute offset and count.
    func list(_ ref: UInt32, at field: Int) throws(ScopeTableError) -> (Int, Int) {
        let offset = Int(ref)
        guard offset % 4 == 0, offset <= lists.length - 4 else { throw .malformed(offset: field, reason: .badList) }
        let count = Int(reader.u32(lists.offset + offset))
        guard count <= (lists.length - offset - 4) / 4 else { throw .malformed(offset: field, reason: .badList) }
        return (lists.offset + offset + 4, count)
    }

    func stringList(_ ref: UInt32, at field: Int) throws(ScopeTableError) {
        let (start, count) = try list(ref, at: field)
        for index in 0..<count { try string(reader.u32(start + 4 * index), at: field) }
    }

    func teamList(_ ref: UInt32, at field: Int) throws(ScopeTableError) {
        let (start, count) = try list(ref, at: field)
        for index in 0..<count where Int(reader.u32(start + 4 * index)) >= teamCount {
            throw .malformed(offset: field, reason: .badList)
        }
    }

    /// A scope set inside the keys section: u16 count, then that many strictly ascending
    /// capability indices, ending at or before `limit`. Returns where it ends.
    func scopeSet(at offset: Int, keys: (offset: Int, length: Int), limit: Int, field: Int) throws(ScopeTableError)
        -> Int
    {
        guard offset % 2 == 0, offset + 2 <= limit else { throw .malformed(offset: field, reason: .badScopeSet) }
        let count = Int(reader.u16(keys.offset + offset))
        guard count <= (limit - offset - 2) / 2 else { throw .malformed(offset: field, reason: .badScopeSet) }
        var previous = -1
        for index in 0..<count {
            let value = Int(reader.u16(keys.offset + offset + 2 + 2 * index))
            guard value > previous, value < capabilityCount else {
                throw .malformed(offset: field, reason: .badScopeSet)
            }
            previous = value
        }
        return offset + 2 + 2 * count
    }

    mutating func records(
        teams: (offset: Int, length: Int), capabilities: (offset: Int, length: Int), keys: (offset: Int, length: Int),
        teamCount: Int, capabilityCount: Int, keyCount: Int, scopeSetCount: Int, bucketCount: Int,
        keepRecordStarts: Bool = false
    ) throws(ScopeTableError) {
        for index in 0..<teamCount {
            let at = teams.offset + index * TableFormat.teamRecordSize
            try string(reader.u32(at), at: at)
            try string(reader.u32(at + 4), at: at + 4)
            try stringList(reader.u32(at + 8), at: at + 8)
        }
        for index in 0..<capabilityCount {
            let at = capabilities.offset + index * TableFormat.capabilityRecordSize
            try string(reader.u32(at), at: at)
            try string(reader.u32(at + 4), at: at + 4)
            guard Int(reader.u32(at + 8)) < teamCount, reader.u32(at + 20) == 0 else {
                throw .malformed(offset: at, reason: .badCapability)
            }
            try stringList(reader.u32(at + 12), at: at + 12)
            let deprecated = reader.u32(at + 16)
            if deprecated != TableFormat.none { try string(deprecated, at: at + 16) }
        }
        var offset = 0
        var previous: (hash: UInt64, name: UnsafeRawBufferPointer)?
        bucketStarts = []
        bucketStarts.reserveCapacity(min(bucketCount, keys.length / TableFormat.keyRecordHeaderSize) + 1)
        // Offsets of the scope sets stored so far; a key may only point back at one.
        var scopeSets = Set<Int>()
        // Header counts are not trusted for sizing: a stored set needs a key record of at least 32 bytes.
        scopeSets.reserveCapacity(min(scopeSetCount, keyCount, keys.length / TableFormat.keyRecordHeaderSize))
        for _ in 0..<keyCount {
            let at = keys.offset + offset
            guard offset <= keys.length - TableFormat.keyRecordHeaderSize else {
                throw .malformed(offset: at, reason: .badKey)
            }
            let description = reader.u32(at)
            if description != TableFormat.none { try string(description, at: at) }
            try teamList(reader.u32(at + 4), at: at + 4)
            let flags = reader.u8(at + 21)
            let knownFlags =
                TableFormat.keyFlagUnscoped | TableFormat.keyFlagHasExpiry | TableFormat.keyFlagScopeFollows
            guard flags & ~knownFlags == 0, reader.u8(at + 20) <= 3 else {
                throw .malformed(offset: at + 20, reason: .badKey)
            }
            try stringList(reader.u32(at + 12), at: at + 12)
            if flags & TableFormat.keyFlagHasExpiry == 0, reader.u32(at + 16) != 0 {
                throw .malformed(offset: at + 16, reason: .badKey)
            }
            let nameLength = Int(reader.u16(at + 22))
            let nameEnd = offset + TableFormat.keyRecordHeaderSize + nameLength
            guard nameEnd <= keys.length else { throw .malformed(offset: at, reason: .badKey) }
            let name = UnsafeRawBufferPointer(start: reader.base + at + TableFormat.keyNameOffset, count: nameLength)
            guard TableValidator.isValidUTF8(name) else {
                throw .malformed(offset: at + TableFormat.keyNameOffset, reason: .badKey)
            }
            // The stored hash is the name's; records are in strictly ascending (hash, name) order,
            // which makes names unique and lets a lookup stop at the first larger hash.
            let hash = reader.u64(at + TableFormat.keyHashOffset)
            guard hash == TableFormat.hash(name) else {
                throw .malformed(offset: at + TableFormat.keyHashOffset, reason: .badIndex)
            }
            if let previous,
                !(previous.hash < hash || (previous.hash == hash && previous.name.lexicographicallyPrecedes(name)))
            {
                throw .malformed(offset: at + TableFormat.keyHashOffset, reason: .badKey)
            }
            let bucket = TableFormat.bucket(of: hash, bucketCount: bucketCount)
            while bucketStarts.count <= bucket { bucketStarts.append(offset) }
            if keepRecordStarts { recordStarts.append(offset) }
            var end = (nameEnd + 1) & ~1
            let scope = reader.u32(at + 8)
            if flags & TableFormat.keyFlagUnscoped != 0 {
                guard scope == TableFormat.none, flags & TableFormat.keyFlagScopeFollows == 0 else {
                    throw .malformed(offset: at + 8, reason: .badKey)
                }
            } else if flags & TableFormat.keyFlagScopeFollows != 0 {
                guard Int(scope) == end else { throw .malformed(offset: at + 8, reason: .badScopeSet) }
                end = try scopeSet(at: end, keys: keys, limit: keys.length, field: at + 8)
                scopeSets.insert(Int(scope))
            } else {
                guard scopeSets.contains(Int(scope)) else { throw .malformed(offset: at + 8, reason: .badScopeSet) }
            }
            let next = (end + 3) & ~3
            guard next <= keys.length else { throw .malformed(offset: at, reason: .badKey) }
            for pad in nameEnd..<next where pad >= end || pad < (nameEnd + 1) & ~1 {
                guard reader.u8(keys.offset + pad) == 0 else {
                    throw .malformed(offset: keys.offset + pad, reason: .badKey)
                }
            }
            previous = (hash, name)
            offset = next
        }
        while bucketStarts.count <= bucketCount { bucketStarts.append(offset) }
        guard scopeSets.count == scopeSetCount else {
            throw .malformed(offset: TableFormat.Header.scopeSetCount, reason: .badHeader)
        }
        guard offset == keys.length else { throw .malformed(offset: keys.offset + offset, reason: .badKey) }
    }

    /// Fingerprint records: digests strictly ascending (so each secret names one key), each naming
    /// the start of a key record, the reserved word 0.
    func fingerprints(_ section: (offset: Int, length: Int), count: Int) throws(ScopeTableError) {
        for index in 0..<count {
            let at = section.offset + index * TableFormat.fingerprintRecordSize
            if index > 0 {
                let previous = UnsafeRawBufferPointer(
                    start: reader.base + at - TableFormat.fingerprintRecordSize, count: TableFormat.digestSize)
                let digest = UnsafeRawBufferPointer(start: reader.base + at, count: TableFormat.digestSize)
                guard previous.lexicographicallyPrecedes(digest) else {
                    throw .malformed(offset: at, reason: .badFingerprint)
                }
            }
            let key = Int(reader.u32(at + TableFormat.digestSize))
            guard TableValidator.contains(recordStarts, key), reader.u32(at + TableFormat.digestSize + 4) == 0 else {
                throw .malformed(offset: at + TableFormat.digestSize, reason: .badFingerprint)
            }
        }
    }

    /// The route tree: nodes back to back from offset 0 (the root), each child a later node with
    /// exactly one parent (so the tree is walked in one pass and every match terminates), at most
    /// `TableFormat.maxRouteSegments` deep; literal edges strictly ascending by segment bytes;
    /// endpoints strictly ascending by method, each naming a capability and its template.
    func routes(_ section: (offset: Int, length: Int), endpointCount: Int) throws(ScopeTableError) {
        var starts: [Int] = []
        var offset = 0
        while offset < section.length {
            let at = section.offset + offset
            guard offset <= section.length - TableFormat.routeNodeHeaderSize, reader.u8(at + 3) == 0 else {
                throw .malformed(offset: at, reason: .badRoute)
            }
            let size = TableFormat.routeNodeSize(
                literalCount: Int(reader.u16(at)), endpointCount: Int(reader.u8(at + 2)))
            guard size <= section.length - offset else { throw .malformed(offset: at, reason: .badRoute) }
            starts.append(offset)
            offset += size
        }
        var parents = [Int](repeating: 0, count: starts.count)
        var depths = [Int](repeating: 0, count: starts.count)
        var isRest = [Bool](repeating: false, count: starts.count)
        var endpoints = 0
        for (node, start) in starts.enumerated() {
            let at = section.offset + start
            let literalCount = Int(reader.u16(at))
            let endpointTotal = Int(reader.u8(at + 2))
            // A child is a later node, reached from here only, one level deeper.
            func child(_ target: Int, field: Int, rest: Bool = false) throws(ScopeTableError) {
                guard target > start, let index = TableValidator.position(of: target, in: starts),
                    depths[node] < TableFormat.maxRouteSegments
                else { throw .malformed(offset: field, reason: .badRoute) }
                parents[index] += 1
                depths[index] = depths[node] + 1
                isRest[index] = rest
            }
            guard parents[node] == (node == 0 ? 0 : 1) else { throw .malformed(offset: at, reason: .badRoute) }
            let parameter = reader.u32(at + 4)
            let rest = reader.u32(at + 8)
            if isRest[node] {
                // A rest takes the remainder of the path: nothing can follow it.
                guard literalCount == 0, parameter == TableFormat.none, rest == TableFormat.none else {
                    throw .malformed(offset: at, reason: .badRoute)
                }
            }
            if parameter != TableFormat.none { try child(Int(parameter), field: at + 4) }
            if rest != TableFormat.none { try child(Int(rest), field: at + 8, rest: true) }
            var previous: UnsafeRawBufferPointer?
            for edge in 0..<literalCount {
                let field = at + TableFormat.routeNodeHeaderSize + TableFormat.routeEdgeSize * edge
                let ref = reader.u32(field)
                try string(ref, at: field)
                let (textStart, textLength) = stringSpan(ref)
                let text = UnsafeRawBufferPointer(start: reader.base + textStart, count: textLength)
                if let previous, !previous.lexicographicallyPrecedes(text) {
                    throw .malformed(offset: field, reason: .badRoute)
                }
                previous = text
                try child(Int(reader.u32(field + 4)), field: field + 4)
            }
            var previousMethod = -1
            for endpoint in 0..<endpointTotal {
                let field =
                    at + TableFormat.routeEndpointsOffset(literalCount: literalCount)
                    + TableFormat.routeEndpointSize * endpoint
                let method = Int(reader.u8(field))
                guard method > previousMethod, TableFormat.RouteMethod(rawValue: UInt8(method)) != nil,
                    reader.u8(field + 1) == 0, Int(reader.u16(field + 2)) < capabilityCount
                else { throw .malformed(offset: field, reason: .badRoute) }
                previousMethod = method
                try string(reader.u32(field + 4), at: field + 4)
            }
            endpoints += endpointTotal
        }
        guard endpoints == endpointCount else {
            throw .malformed(offset: TableFormat.Header.routeCount, reason: .badHeader)
        }
    }

    /// Whether ascending `values` holds `value`.
    static func contains(_ values: [Int], _ value: Int) -> Bool { position(of: value, in: values) != nil }

    /// The index of `value` in ascending `values`, by binary search.
    static func position(of value: Int, in values: [Int]) -> Int? {
        var low = 0
        var high = values.count
        while low < high {
            let middle = (low + high) / 2
            if values[middle] == value { return middle }
            if values[middle] < value { low = middle + 1 } else { high = middle }
        }
        return nil
    }

    package static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        let count = bytes.count
        while index < count {
            let b0 = bytes[index]
            if b0 < 0x80 {
                index += 1
                continue
            }
            func cont(_ offset: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> Bool {
                index + offset < count && bytes[index + offset] >= low && bytes[index + offset] <= high
            }
            let length: Int
            switch b0 {
            case 0xC2...0xDF: length = cont(1) ? 2 : 0
            case 0xE0: length = cont(1, 0xA0) && cont(2) ? 3 : 0
            case 0xE1...0xEC, 0xEE...0xEF: length = cont(1) && cont(2) ? 3 : 0
            case 0xED: length = cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0
            case 0xF0: length = cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0
            case 0xF1...0xF3: length = cont(1) && cont(2) && cont(3) ? 4 : 0
            case 0xF4: length = cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0
            default: length = 0
            }
            if length == 0 { return false }
            index += length
        }
        return true
    }
}
