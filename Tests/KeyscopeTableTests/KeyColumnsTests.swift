import KeyscopeSupport
import KeyscopeTable
import Testing

@testable import KeyscopeTableTools

/// `KeyColumns` is filled by several workers, each scattering its keys to their record
/// positions. These tests build enough keys for the work to be split and compare every
/// column with a plain, sequential construction.
@Suite struct KeyColumnsTests {
    static func keys(_ count: Int) -> [TableKey] {
        (0..<count).map { index in
            TableKey(
                name: "key-\(index)",
                description: index % 7 == 0 ? nil : (index % 11 == 0 ? "" : "described key number \(index)"),
                audience: TableAudience(rawValue: UInt8(index % 4))!, owners: Array(0..<(index % 3)),
                expiresDay: index % 5 == 0 ? nil : 20_000 + index, unscoped: index % 13 == 0,
                capabilities: index % 13 == 0 ? [] : Array(stride(from: index % 17, to: 60, by: 1 + index % 9)),
                selectors: index % 19 == 0 ? ["safe"] : []
            )
        }.sorted { bytewiseLess($0.name, $1.name) }
    }

    @Test(arguments: [0, 1, 3, 20_000])
    func columnsMatchASequentialBuild(count: Int) {
        let keys = Self.keys(count)
        let columns = KeyColumns(keys)
        func hash(_ name: String) -> UInt64 { Array(name.utf8).withUnsafeBytes { TableFormat.hash($0) } }
        let order = keys.indices.sorted { a, b in
            hash(keys[a].name) != hash(keys[b].name)
                ? hash(keys[a].name) < hash(keys[b].name) : bytewiseLess(keys[a].name, keys[b].name)
        }
        #expect(columns.keyIndex == order)
        #expect(columns.hashes == order.map { hash(keys[$0].name) })
        #expect(columns.names == order.flatMap { Array(keys[$0].name.utf8) })
        #expect(columns.descriptions == order.flatMap { Array((keys[$0].description ?? "").utf8) })
        #expect(columns.hasDescription == order.map { keys[$0].description != nil })
        #expect(columns.owners == order.flatMap { keys[$0].owners.map(UInt32.init) })
        #expect(columns.capabilities == order.flatMap { keys[$0].capabilities.map(UInt16.init) })
        #expect(columns.unscoped == order.map { keys[$0].unscoped })
        #expect(columns.expiresDays == order.map { keys[$0].expiresDay.map(Int32.init) })
        #expect(columns.audiences == order.map { keys[$0].audience.rawValue })
        #expect(columns.hasSelectors == order.map { !keys[$0].selectors.isEmpty })
        for (position, index) in order.enumerated() {
            let name = Array(columns.names[Int(columns.nameStarts[position])..<Int(columns.nameStarts[position + 1])])
            if name != Array(keys[index].name.utf8) {
                Issue.record("name at \(position)")
                break
            }
        }
    }
}
