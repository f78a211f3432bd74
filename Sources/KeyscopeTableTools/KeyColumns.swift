import Dispatch
import KeyscopeSupport
import KeyscopeTable

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The keys of a table, column by column, in record order: (name hash, name), the order the
/// encoder writes them in.
///
/// Keys, their descriptions and their lists are separate heap objects, laid out roughly in
/// the order they were decoded, close to name order. Walking them in hash order missed the
/// cache on nearly every one. So they are read in name order, on all cores, and their bytes
/// scattered into these columns at their record positions; the encoder then walks the
/// columns front to back.
struct KeyColumns: Sendable {
    /// Index into the contents' keys of the key at each record position.
    var keyIndex: [Int]
    var hashes: [UInt64]
    /// Name bytes; the key at position `r` is `names[nameStarts[r]..<nameStarts[r + 1]]`.
    var names: [UInt8]
    var nameStarts: [UInt32]
    /// Description bytes, like names; `hasDescription` tells an empty one from none.
    var descriptions: [UInt8]
    var descriptionStarts: [UInt32]
    var hasDescription: [Bool]
    var owners: [UInt32]
    var ownerStarts: [UInt32]
    var capabilities: [UInt16]
    var capabilityStarts: [UInt32]
    var unscoped: [Bool]
    var expiresDays: [Int32?]
    var audiences: [UInt8]
    var hasSelectors: [Bool]

    var count: Int { keyIndex.count }

    /// What the first pass learns of a key: where it sorts and how much room it takes.
    private struct Measure {
        var hash: UInt64 = 0
        var nameLength = 0
        var descriptionLength = 0
        var ownerCount = 0
        var capabilityCount = 0
    }

    init(_ keys: [TableKey]) {
        let count = keys.count
        // Pass 1, in name order: hashes and sizes.
        let measures = parallelMap(keys) { key in
            var measure = Measure()
            measure.hash = hashUTF8(key.name)
            measure.nameLength = key.name.utf8.count
            measure.descriptionLength = key.description?.utf8.count ?? 0
            measure.ownerCount = key.owners.count
            measure.capabilityCount = key.capabilities.count
            return measure
        }
        // Sorted as (hash, index) pairs: the comparison reads the pair itself, not two keys.
        var pairs = measures.enumerated().map { (hash: $0.element.hash, index: $0.offset) }
        pairs.sort { a, b in a.hash != b.hash ? a.hash < b.hash : bytewiseLess(keys[a.index].name, keys[b.index].name) }
        let order = pairs.map(\.index)
        var rank = [Int](repeating: 0, count: count)
        var nameStarts = [UInt32](repeating: 0, count: count + 1)
        var descriptionStarts = nameStarts
        var ownerStarts = nameStarts
        var capabilityStarts = nameStarts
        for (position, index) in order.enumerated() {
            rank[index] = position
            let measure = measures[index]
            nameStarts[position + 1] = nameStarts[position] + UInt32(measure.nameLength)
            descriptionStarts[position + 1] = descriptionStarts[position] + UInt32(measure.descriptionLength)
            ownerStarts[position + 1] = ownerStarts[position] + UInt32(measure.ownerCount)
            capabilityStarts[position + 1] = capabilityStarts[position] + UInt32(measure.capabilityCount)
        }
        keyIndex = order
        hashes = order.map { measures[$0].hash }
        self.nameStarts = nameStarts
        self.descriptionStarts = descriptionStarts
        self.ownerStarts = ownerStarts
        self.capabilityStarts = capabilityStarts

        // Pass 2, in name order again: every key's bytes go to its record position.
        let nameColumn = WorkerSlots<UInt8>(count: Int(nameStarts[count]), repeating: 0)
        let descriptionColumn = WorkerSlots<UInt8>(count: Int(descriptionStarts[count]), repeating: 0)
        let ownerColumn = WorkerSlots<UInt32>(count: Int(ownerStarts[count]), repeating: 0)
        let capabilityColumn = WorkerSlots<UInt16>(count: Int(capabilityStarts[count]), repeating: 0)
        let hasDescriptionColumn = WorkerSlots<Bool>(count: count, repeating: false)
        let unscopedColumn = WorkerSlots<Bool>(count: count, repeating: false)
        let expiresColumn = WorkerSlots<Int32?>(count: count, repeating: nil)
        let audienceColumn = WorkerSlots<UInt8>(count: count, repeating: 0)
        let selectorsColumn = WorkerSlots<Bool>(count: count, repeating: false)
        let rankOf = rank
        let (nameAt, descriptionAt, ownerAt, capabilityAt) = (
            nameStarts, descriptionStarts, ownerStarts, capabilityStarts
        )
        concurrentChunks(count) { range in
            keys.withUnsafeBufferPointer { keys in
                for index in range {
                    let key = keys.baseAddress! + index
                    let position = rankOf[index]
                    copyUTF8(key.pointee.name, to: nameColumn.base + Int(nameAt[position]))
                    if let description = key.pointee.description {
                        copyUTF8(description, to: descriptionColumn.base + Int(descriptionAt[position]))
                        hasDescriptionColumn.base[position] = true
                    }
                    var owner = Int(ownerAt[position])
                    for team in key.pointee.owners {
                        ownerColumn.base[owner] = UInt32(team)
                        owner += 1
                    }
                    var capability = Int(capabilityAt[position])
                    for index in key.pointee.capabilities {
                        capabilityColumn.base[capability] = UInt16(truncatingIfNeeded: index)
                        capability += 1
                    }
                    unscopedColumn.base[position] = key.pointee.unscoped
                    expiresColumn.base[position] = key.pointee.expiresDay.map { Int32(clamping: $0) }
                    audienceColumn.base[position] = key.pointee.audience.rawValue
                    selectorsColumn.base[position] = !key.pointee.selectors.isEmpty
                }
            }
        }
        names = nameColumn.array()
        descriptions = descriptionColumn.array()
        owners = ownerColumn.array()
        capabilities = capabilityColumn.array()
        hasDescription = hasDescriptionColumn.array()
        unscoped = unscopedColumn.array()
        expiresDays = expiresColumn.array()
        audiences = audienceColumn.array()
        hasSelectors = selectorsColumn.array()
    }
}

private func hashUTF8(_ string: String) -> UInt64 {
    if let hash = string.utf8.withContiguousStorageIfAvailable({ TableFormat.hash(UnsafeRawBufferPointer($0)) }) {
        return hash
    }
    return Array(string.utf8).withUnsafeBytes { TableFormat.hash($0) }
}

private func copyUTF8(_ string: String, to destination: UnsafeMutablePointer<UInt8>) {
    if string.utf8.withContiguousStorageIfAvailable({ destination.update(from: $0.baseAddress!, count: $0.count) })
        != nil
    {
        return
    }
    for (offset, byte) in string.utf8.enumerated() { destination[offset] = byte }
}
