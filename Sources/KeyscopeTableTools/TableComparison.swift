import KeyscopeAccess
import KeyscopeTable

/// Keys two tables hold alike, found on the bytes of both without decoding either.
///
/// For a diff of two deployed tables: at a 1% change of 100,000 keys, decoding
/// both tables into values and comparing them key by key is nearly all of the
/// work, and 99% of it finds nothing. Records cannot be compared byte for byte
/// (their references into the strings and lists sections differ between two
/// tables), so each field is compared by what it means: descriptions and
/// selectors by their text, owners by team id, scopes by capability id.
public struct IdenticalKeys: Sendable {
    /// One flag per key record of the first table, in storage order.
    public var first: [Bool]
    /// One flag per key record of the second table, in storage order.
    public var second: [Bool]
    /// How many keys are alike (set in both arrays).
    public var count: Int
}

extension ScopeTable {
    /// Which keys this table and `other` hold alike (see `KeyAttribute`): the same name and every
    /// attribute the same, owners compared by team id and scopes by capability id.
    ///
    /// `omittable` sees each such key's audience and unscoped flag and may keep it out of the
    /// result: a key alike in both tables can still gain access through a catalog change
    /// (an unscoped key when capabilities are added), and a caller that reports such gains
    /// must see it. The flags are in storage order, the order of `contents(keysSortedByName: false)`.
    public func identicalKeys(
        in other: ScopeTable, omittable: (_ audience: TableAudience, _ unscoped: Bool) -> Bool = { _, _ in true }
    ) -> IdenticalKeys {
        // This table's capability and team indices, as indices of `other` (-1: it has none by that id).
        let capabilityMap = (0..<header.capabilityCount).map { index in
            withString(u32(capabilities + index * TableFormat.capabilityRecordSize)) { other.findCapability($0) ?? -1 }
        }
        var otherTeams: [[UInt8]: Int] = [:]
        for index in 0..<other.header.teamCount {
            otherTeams[other.withString(other.u32(other.teams + index * TableFormat.teamRecordSize)) { Array($0) }] =
                index
        }
        let teamMap = (0..<header.teamCount).map { index in
            withString(u32(teams + index * TableFormat.teamRecordSize)) { otherTeams[Array($0)] ?? -1 }
        }
        // Positions of `other`'s records, to turn a found record's offset into its flag.
        let otherOffsets = other.recordOffsets()
        // Fingerprints by record offset (empty maps for tables without any, version 1 included).
        let fingerprints = FingerprintPair(mine: decodedFingerprints(), theirs: other.decodedFingerprints())
        var result = IdenticalKeys(
            first: [Bool](repeating: false, count: header.keyCount),
            second: [Bool](repeating: false, count: other.header.keyCount), count: 0)
        var offset = 0
        for position in 0..<header.keyCount {
            let at = keys + offset
            let nameLength = Int(u16(at + 22))
            let name = UnsafeRawBufferPointer(start: base + at + TableFormat.keyNameOffset, count: nameLength)
            if let found = other.findKey(name),
                keyRecord(
                    at: at, equals: other.keys + found, in: other, capabilityMap: capabilityMap, teamMap: teamMap,
                    fingerprints: fingerprints),
                omittable(
                    TableAudience(rawValue: base.load(fromByteOffset: at + 20, as: UInt8.self)) ?? .customer,
                    base.load(fromByteOffset: at + 21, as: UInt8.self) & TableFormat.keyFlagUnscoped != 0),
                let otherPosition = binarySearch(otherOffsets, found)
            {
                result.first[position] = true
                result.second[otherPosition] = true
                result.count += 1
            }
            offset = ScopeTable.recordEnd(base: base, keys: keys, offset: offset, nameLength: nameLength)
        }
        return result
    }

    /// Offsets of every key record within the keys section, ascending (storage order).
    func recordOffsets() -> [Int] {
        var offsets: [Int] = []
        offsets.reserveCapacity(header.keyCount)
        var offset = 0
        for _ in 0..<header.keyCount {
            offsets.append(offset)
            offset = ScopeTable.recordEnd(
                base: base, keys: keys, offset: offset, nameLength: Int(u16(keys + offset + 22)))
        }
        return offsets
    }

    /// Whether the record at absolute offset `at` means the same as `other`'s record at absolute
    /// offset `otherAt` (names already equal): every `KeyAttribute` compared on the bytes.
    private func keyRecord(
        at: Int, equals otherAt: Int, in other: ScopeTable, capabilityMap: [Int], teamMap: [Int],
        fingerprints: FingerprintPair
    ) -> Bool {
        let flags = base.load(fromByteOffset: at + 21, as: UInt8.self)
        let otherFlags = other.base.load(fromByteOffset: otherAt + 21, as: UInt8.self)
        func same(_ attribute: KeyAttribute) -> Bool {
            switch attribute {
            case .fingerprints:
                return fingerprints.mine[at - keys] ?? [] == fingerprints.theirs[otherAt - other.keys] ?? []
            case .audience:
                return base.load(fromByteOffset: at + 20, as: UInt8.self)
                    == other.base.load(fromByteOffset: otherAt + 20, as: UInt8.self)
            case .expiry:
                let hasExpiry = flags & TableFormat.keyFlagHasExpiry
                guard hasExpiry == otherFlags & TableFormat.keyFlagHasExpiry else { return false }
                return hasExpiry == 0 || u32(at + 16) == other.u32(otherAt + 16)
            case .description:
                return optionalStringsEqual(u32(at), other, other.u32(otherAt))
            case .owners:
                return listsEqual(u32(at + 4), other, other.u32(otherAt + 4), map: { teamMap[Int($0)] == Int($1) })
            case .selectors:
                return listsEqual(
                    u32(at + 12), other, other.u32(otherAt + 12),
                    map: { mine, theirs in
                        withString(mine) { other.stringEquals(theirs, $0) }
                    })
            case .scope:
                // The unscoped flag, then the scope set by capability id (not where it is stored).
                let unscoped = flags & TableFormat.keyFlagUnscoped
                guard unscoped == otherFlags & TableFormat.keyFlagUnscoped else { return false }
                if unscoped != 0 { return true }
                let set = keys + Int(u32(at + 8))
                let otherSet = other.keys + Int(other.u32(otherAt + 8))
                let count = Int(u16(set))
                guard count == Int(other.u16(otherSet)) else { return false }
                for index in 0..<count
                where capabilityMap[Int(u16(set + 2 + 2 * index))] != Int(other.u16(otherSet + 2 + 2 * index)) {
                    return false
                }
                return true
            }
        }
        return KeyAttribute.allCases.allSatisfy(same)
    }

    private func optionalStringsEqual(_ ref: UInt32, _ other: ScopeTable, _ otherRef: UInt32) -> Bool {
        if ref == TableFormat.none || otherRef == TableFormat.none { return ref == otherRef }
        return withString(ref) { other.stringEquals(otherRef, $0) }
    }

    private func listsEqual(_ ref: UInt32, _ other: ScopeTable, _ otherRef: UInt32, map equal: (UInt32, UInt32) -> Bool)
        -> Bool
    {
        let list = lists + Int(ref)
        let otherList = other.lists + Int(otherRef)
        let count = Int(u32(list))
        guard count == Int(other.u32(otherList)) else { return false }
        for index in 0..<count where !equal(u32(list + 4 + 4 * index), other.u32(otherList + 4 + 4 * index)) {
            return false
        }
        return true
    }
}

private func binarySearch(_ sorted: [Int], _ value: Int) -> Int? {
    var low = 0
    var high = sorted.count
    while low < high {
        let middle = (low + high) / 2
        if sorted[middle] == value { return middle }
        if sorted[middle] < value { low = middle + 1 } else { high = middle }
    }
    return nil
}

/// The fingerprints of two tables' keys, by key record offset (digests ascending).
struct FingerprintPair {
    var mine: [Int: [[UInt8]]]
    var theirs: [Int: [[UInt8]]]
}
