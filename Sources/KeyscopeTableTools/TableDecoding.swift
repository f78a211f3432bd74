import KeyscopeSupport
import KeyscopeTable

// Whole-table decoding, for inspect, diff and publish. A gateway never needs it: it
// answers decisions from the bytes (`ScopeTable.decide`).
extension ScopeTable {
    // MARK: Contents (for inspect and diff; allocates)

    /// Every record decoded into plain values, keys sorted by name.
    package func contents() -> TableContents {
        contents(keysSortedByName: true)
    }

    /// Every record decoded into plain values. Keys are in storage (hash) order unless
    /// `keysSortedByName`; a caller that indexes them by name anyway can skip the sort.
    package func contents(keysSortedByName: Bool) -> TableContents {
        contents(keysSortedByName: keysSortedByName, omitting: nil)
    }

    /// The same, leaving out the keys whose flag in `omitting` (one per key, storage order) is set.
    package func contents(keysSortedByName: Bool, omitting: [Bool]?) -> TableContents {
        let reader = RawReader(base: base, count: byteCount)
        let string = decodedString
        let list = decodedList
        let teamList = (0..<header.teamCount).map { index -> TableTeam in
            let at = teams + index * TableFormat.teamRecordSize
            return TableTeam(
                id: string(reader.u32(at)), name: string(reader.u32(at + 4)),
                reviewers: list(reader.u32(at + 8)).map(string))
        }
        let capabilityList = decodedCapabilities()
        let fingerprintsOfKey = decodedFingerprints()
        var keyList: [TableKey] = []
        keyList.reserveCapacity(header.keyCount)
        var offset = 0
        for position in 0..<header.keyCount {
            let at = keys + offset
            if let omitting, position < omitting.count, omitting[position] {
                offset = ScopeTable.recordEnd(
                    base: base, keys: keys, offset: offset, nameLength: Int(reader.u16(at + 22)))
                continue
            }
            let description = reader.u32(at)
            let scope = reader.u32(at + 8)
            let flags = reader.u8(at + 21)
            let nameLength = Int(reader.u16(at + 22))
            var capabilitiesOfKey: [Int] = []
            if scope != TableFormat.none {
                let set = keys + Int(scope)
                capabilitiesOfKey = (0..<Int(reader.u16(set))).map { Int(reader.u16(set + 2 + 2 * $0)) }
            }
            keyList.append(
                TableKey(
                    name: String(
                        decoding: UnsafeRawBufferPointer(
                            start: base + at + TableFormat.keyNameOffset, count: nameLength), as: UTF8.self),
                    description: description == TableFormat.none ? nil : string(description),
                    audience: TableAudience(rawValue: reader.u8(at + 20)) ?? .customer,
                    owners: list(reader.u32(at + 4)).map { Int($0) },
                    expiresDay: flags & TableFormat.keyFlagHasExpiry != 0 ? Int(reader.i32(at + 16)) : nil,
                    unscoped: flags & TableFormat.keyFlagUnscoped != 0,
                    capabilities: capabilitiesOfKey,
                    selectors: list(reader.u32(at + 12)).map(string),
                    fingerprints: fingerprintsOfKey[offset] ?? []
                ))
            offset = ScopeTable.recordEnd(base: base, keys: keys, offset: offset, nameLength: nameLength)
        }
        // Records are stored in hash order; contents are listed by name when asked.
        if keysSortedByName { keyList.sort { bytewiseLess($0.name, $1.name) } }
        let metadata = TableMetadata(
            productID: header.productID, productName: header.productName, serial: header.serial,
            issuedAt: header.issuedAt, expiresAt: header.expiresAt, revision: header.revision
        )
        return TableContents(metadata: metadata, teams: teamList, capabilities: capabilityList, keys: keyList)
    }
}

extension ScopeTable {
    /// The capability records decoded into values, in index order (the catalog without the keys).
    package func decodedCapabilities() -> [TableCapability] {
        let routesOfCapability = decodedRoutes()
        return (0..<header.capabilityCount).map { index -> TableCapability in
            let at = capabilities + index * TableFormat.capabilityRecordSize
            let deprecated = u32(at + 16)
            return TableCapability(
                id: decodedString(u32(at)), name: decodedString(u32(at + 4)), owner: Int(u32(at + 8)),
                tags: decodedList(u32(at + 12)).map(decodedString),
                deprecated: deprecated == TableFormat.none ? nil : decodedString(deprecated),
                routes: (routesOfCapability[index] ?? []).sorted { bytewiseLess($0, $1) }
            )
        }
    }

    /// The digests of each key's fingerprints, by key record offset, ascending.
    package func decodedFingerprints() -> [Int: [[UInt8]]] {
        var result: [Int: [[UInt8]]] = [:]
        for index in 0..<fingerprintCount {
            let at = fingerprints + index * TableFormat.fingerprintRecordSize
            let digest = Array(UnsafeRawBufferPointer(start: base + at, count: TableFormat.digestSize))
            result[Int(u32(at + TableFormat.digestSize)), default: []].append(digest)
        }
        return result
    }

    /// The route templates of each capability, by index, from the endpoints of the route tree
    /// (the nodes lie back to back, so every endpoint is found without walking the edges).
    package func decodedRoutes() -> [Int: [String]] {
        var result: [Int: [String]] = [:]
        var offset = 0
        while offset < routesLength {
            let node = routes + offset
            let literalCount = Int(u16(node))
            let endpointCount = Int(base.load(fromByteOffset: node + 2, as: UInt8.self))
            let first = node + TableFormat.routeEndpointsOffset(literalCount: literalCount)
            for index in 0..<endpointCount {
                let at = first + TableFormat.routeEndpointSize * index
                result[Int(u16(at + 2)), default: []].append(decodedString(u32(at + 4)))
            }
            offset += TableFormat.routeNodeSize(literalCount: literalCount, endpointCount: endpointCount)
        }
        return result
    }
}
