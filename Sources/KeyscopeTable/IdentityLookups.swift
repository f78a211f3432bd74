// Lookups of SPEC §12: a key by the fingerprint of its secret, a capability by a request's
// method and path. Like the name lookups, they read the verified bytes in place and allocate
// nothing (see the INVARIANT in `ScopeTable`).

/// A key record of one table, as a lookup found it: only that table's `keyName(_:)` reads it.
public struct KeyRecordRef: Sendable, Hashable {
    /// The record's offset in the keys section.
    package let offset: Int
}

/// A capability of one table, as a route lookup found it: only that table's `capabilityID(_:)`
/// reads it.
public struct CapabilityRef: Sendable, Hashable {
    /// The capability's index.
    package let index: Int
}

/// What a request carrying a secret and an original method and URI is: which key, which
/// capability, and the decision. `key` and `capability` are nil when not found.
public struct RoutedDecision: Sendable, Hashable {
    /// The decision, as `decide` gives it, or `unknownKey` / `unknownRoute`.
    public let decision: Decision
    /// The key, when the fingerprint was found.
    public let key: KeyRecordRef?
    /// The capability, when the route was found.
    public let capability: CapabilityRef?
}

extension ScopeTable {
    /// The key record whose fingerprints include `digest` (32 bytes), or nil.
    ///
    /// Records are sorted by digest. The search orders them by the first eight bytes only and
    /// then compares whole digests in constant time: what the timing of a lookup can tell is
    /// at most where a digest's prefix falls among the table's, which says nothing about any
    /// secret (finding a secret from its SHA-256 is the preimage problem), and no comparison
    /// leaks how many bytes of a stored digest a guess got right.
    public func findKey(fingerprint digest: UnsafeRawBufferPointer) -> KeyRecordRef? {
        guard digest.count == TableFormat.digestSize, fingerprintCount > 0, let query = digest.baseAddress else {
            return nil
        }
        let prefix = UInt64(bigEndian: query.loadUnaligned(as: UInt64.self))
        var low = 0
        var high = fingerprintCount
        while low < high {
            let middle = (low + high) >> 1
            let at = fingerprints + middle * TableFormat.fingerprintRecordSize
            if UInt64(bigEndian: base.loadUnaligned(fromByteOffset: at, as: UInt64.self)) < prefix {
                low = middle + 1
            } else {
                high = middle
            }
        }
        var found: KeyRecordRef?
        var index = low
        while index < fingerprintCount {
            let at = fingerprints + index * TableFormat.fingerprintRecordSize
            guard UInt64(bigEndian: base.loadUnaligned(fromByteOffset: at, as: UInt64.self)) == prefix else { break }
            var difference: UInt64 = 0
            for word in 0..<4 {
                difference |=
                    base.loadUnaligned(fromByteOffset: at + 8 * word, as: UInt64.self)
                    ^ query.loadUnaligned(fromByteOffset: 8 * word, as: UInt64.self)
            }
            if difference == 0 { found = KeyRecordRef(offset: Int(u32(at + TableFormat.digestSize))) }
            index += 1
        }
        return found
    }

    /// The capability index of the most specific route matching a request, or nil.
    ///
    /// `path` is a normalised path (`RequestPath.normalise`); `method` nil is a method no route
    /// names, which only `*` routes match. The tree is walked depth first, at each node the
    /// literal edge before the parameter before the rest, which visits templates in the order
    /// of specificity (literal before parameter before rest, segment by segment; longer before
    /// shorter), and at the node the path ends in, the request's method before GET (for HEAD)
    /// before `*`. A dead end backtracks; the tree is at most `TableFormat.maxRouteSegments`
    /// deep, so the work is bounded whatever the table holds.
    public func findRoute(method: TableFormat.RouteMethod?, path: UnsafeRawBufferPointer) -> CapabilityRef? {
        guard routesLength > 0, path.count > 0, path[0] == UInt8(ascii: "/") else { return nil }
        let endpoint = matchRoute(node: routes, path: path, start: path.count == 1 ? -1 : 1, method: method)
        return endpoint < 0 ? nil : CapabilityRef(index: Int(u16(endpoint + 2)))
    }

    /// The endpoint (absolute offset) matching the path from segment `start` on (-1: no segment
    /// left), or -1.
    private func matchRoute(node: Int, path: UnsafeRawBufferPointer, start: Int, method: TableFormat.RouteMethod?)
        -> Int
    {
        let literalCount = Int(u16(node))
        if start < 0 { return routeEndpoint(node: node, literalCount: literalCount, method: method) }
        var end = start
        while end < path.count && path[end] != UInt8(ascii: "/") { end += 1 }
        let next = end == path.count ? -1 : end + 1
        // The literal edge equal to the segment: binary search by bytes.
        var low = 0
        var high = literalCount
        let segment = UnsafeRawBufferPointer(rebasing: path[start..<end])
        while low < high {
            let middle = (low + high) >> 1
            let edge = node + TableFormat.routeNodeHeaderSize + TableFormat.routeEdgeSize * middle
            let order = withString(u32(edge)) { ScopeTable.compareBytes($0, segment) }
            if order == 0 {
                let found = matchRoute(node: routes + Int(u32(edge + 4)), path: path, start: next, method: method)
                if found >= 0 { return found }
                break
            }
            if order < 0 { low = middle + 1 } else { high = middle }
        }
        let parameter = u32(node + 4)
        if parameter != TableFormat.none && end > start {
            let found = matchRoute(node: routes + Int(parameter), path: path, start: next, method: method)
            if found >= 0 { return found }
        }
        let rest = u32(node + 8)
        // A rest is one segment or more, and not a lone trailing slash.
        if rest != TableFormat.none && !(end == start && next < 0) {
            let restNode = routes + Int(rest)
            return routeEndpoint(node: restNode, literalCount: Int(u16(restNode)), method: method)
        }
        return -1
    }

    /// The endpoint of a node for `method`: the method itself, GET for HEAD, then `*`; or -1.
    private func routeEndpoint(node: Int, literalCount: Int, method: TableFormat.RouteMethod?) -> Int {
        let first = node + TableFormat.routeEndpointsOffset(literalCount: literalCount)
        let count = Int(base.load(fromByteOffset: node + 2, as: UInt8.self))
        var any = -1
        var get = -1
        for index in 0..<count {
            let at = first + TableFormat.routeEndpointSize * index
            let code = base.load(fromByteOffset: at, as: UInt8.self)
            if let method, code == method.rawValue { return at }
            if code == TableFormat.RouteMethod.any.rawValue { any = at }
            if code == TableFormat.RouteMethod.get.rawValue { get = at }
        }
        return method == .head && get >= 0 ? get : any
    }

    /// Bytewise order: negative, zero or positive.
    static func compareBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        for index in 0..<min(a.count, b.count) where a[index] != b[index] {
            return Int(a[index]) - Int(b[index])
        }
        return a.count - b.count
    }

    /// Decides a call identified by the SHA-256 `digest` of its secret and its method and
    /// normalised path, in the order of §7 with the two lookups in front: table expiry, key by
    /// fingerprint (`unknownKey`), key expiry, route (`unknownRoute`), scope.
    public func decide(
        fingerprint digest: UnsafeRawBufferPointer, method: TableFormat.RouteMethod?, path: UnsafeRawBufferPointer,
        now: Int64
    ) -> RoutedDecision {
        if now > header.expiresAt { return RoutedDecision(decision: .deny(.tableExpired), key: nil, capability: nil) }
        let key = findKey(fingerprint: digest)
        return decide(
            key: key, capability: key == nil ? nil : findRoute(method: method, path: path), notFound: .unknownRoute,
            now: now)
    }

    /// The key record of a key name, or nil.
    public func findKey(name: UnsafeRawBufferPointer) -> KeyRecordRef? {
        findKey(name).map { KeyRecordRef(offset: $0) }
    }

    /// The capability of an id, or nil.
    public func findCapability(id: UnsafeRawBufferPointer) -> CapabilityRef? {
        findCapability(id).map { CapabilityRef(index: $0) }
    }

    /// Decides a call whose key and capability were looked up (by name or fingerprint, by id or
    /// route), in the order of §7: table expiry, unknown key, key expiry, the capability not found
    /// (`notFound`: `unknownCapability` or `unknownRoute`), scope.
    public func decide(key: KeyRecordRef?, capability: CapabilityRef?, notFound: DenyReason, now: Int64)
        -> RoutedDecision
    {
        if now > header.expiresAt { return RoutedDecision(decision: .deny(.tableExpired), key: nil, capability: nil) }
        guard let key else { return RoutedDecision(decision: .deny(.unknownKey), key: nil, capability: nil) }
        if isExpired(keyRecord: keys + key.offset, now: now) {
            return RoutedDecision(decision: .deny(.keyExpired), key: key, capability: nil)
        }
        guard let capability else { return RoutedDecision(decision: .deny(notFound), key: key, capability: nil) }
        return RoutedDecision(
            decision: decideScope(keyRecord: keys + key.offset, capability: capability.index), key: key,
            capability: capability)
    }

    /// The name of a key this table's lookup found.
    public func keyName(_ key: KeyRecordRef) -> String {
        let at = keys + key.offset
        return String(
            decoding: UnsafeRawBufferPointer(start: base + at + TableFormat.keyNameOffset, count: Int(u16(at + 22))),
            as: UTF8.self)
    }

    /// The id of a capability this table's lookup found.
    public func capabilityID(_ capability: CapabilityRef) -> String {
        decodedString(u32(capabilities + capability.index * TableFormat.capabilityRecordSize))
    }
}
