/// The keys of a table, column by column, in name order: what the encoder's two walks in
/// hash order read instead of the keys themselves.
///
/// Keys, their descriptions and their lists are separate heap objects, laid out roughly in
/// the order they were decoded, which is close to name order. Walking them in hash order
/// missed the cache on nearly every one; copying them out in one pass in name order, then
/// reading these few megabytes in hash order, keeps the random reads in the cache.
struct KeyColumns: Sendable {
    /// Name bytes; key `i` is `names[nameStarts[i]..<nameStarts[i + 1]]`.
    var names: [UInt8] = []
    var nameStarts: [UInt32] = [0]
    var hashes: [UInt64] = []
    /// Description bytes, like names; `hasDescription` tells an empty one from none.
    var descriptions: [UInt8] = []
    var descriptionStarts: [UInt32] = [0]
    var hasDescription: [Bool] = []
    var owners: [UInt32] = []
    var ownerStarts: [UInt32] = [0]
    var capabilities: [UInt16] = []
    var capabilityStarts: [UInt32] = [0]
    var unscoped: [Bool] = []
    var expiresDays: [Int32?] = []
    var audiences: [UInt8] = []
    var hasSelectors: [Bool] = []

    init(_ keys: [TableKey]) {
        let count = keys.count
        nameStarts.reserveCapacity(count + 1)
        hashes.reserveCapacity(count)
        descriptionStarts.reserveCapacity(count + 1)
        hasDescription.reserveCapacity(count)
        ownerStarts.reserveCapacity(count + 1)
        capabilityStarts.reserveCapacity(count + 1)
        unscoped.reserveCapacity(count)
        expiresDays.reserveCapacity(count)
        audiences.reserveCapacity(count)
        hasSelectors.reserveCapacity(count)
        names.reserveCapacity(16 * count)
        descriptions.reserveCapacity(32 * count)
        owners.reserveCapacity(2 * count)
        keys.withUnsafeBufferPointer { keys in
            for index in keys.indices {
                let key = keys.baseAddress! + index
                let nameStart = names.count
                appendUTF8(key.pointee.name, to: &names)
                hashes.append(names.withUnsafeBytes { TableFormat.hash(UnsafeRawBufferPointer(rebasing: $0[nameStart...])) })
                nameStarts.append(UInt32(names.count))
                if let description = key.pointee.description { appendUTF8(description, to: &descriptions) }
                descriptionStarts.append(UInt32(descriptions.count))
                hasDescription.append(key.pointee.description != nil)
                for owner in key.pointee.owners { owners.append(UInt32(owner)) }
                ownerStarts.append(UInt32(owners.count))
                for capability in key.pointee.capabilities { capabilities.append(UInt16(truncatingIfNeeded: capability)) }
                capabilityStarts.append(UInt32(capabilities.count))
                unscoped.append(key.pointee.unscoped)
                expiresDays.append(key.pointee.expiresDay.map { Int32(clamping: $0) })
                audiences.append(key.pointee.audience.rawValue)
                hasSelectors.append(!key.pointee.selectors.isEmpty)
            }
        }
    }

    /// Bytewise order of two keys' names.
    func nameLess(_ a: Int, _ b: Int) -> Bool {
        names.withUnsafeBytes { names in
            let left = names[Int(nameStarts[a])..<Int(nameStarts[a + 1])]
            let right = names[Int(nameStarts[b])..<Int(nameStarts[b + 1])]
            return left.lexicographicallyPrecedes(right)
        }
    }
}

private func appendUTF8(_ string: String, to bytes: inout [UInt8]) {
    if let done: Void = string.utf8.withContiguousStorageIfAvailable({ bytes.append(contentsOf: $0) }) { return done }
    bytes.append(contentsOf: string.utf8)
}
