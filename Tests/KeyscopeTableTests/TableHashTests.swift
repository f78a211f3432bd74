import KeyscopeTable
import KeyscopeTableTools
import Testing

/// The check values of the index hash published in docs/table-format.md §3.6.
@Suite struct TableHashTests {
    @Test(arguments: [
        ("", 0x6d03b69a4d0d142d as UInt64),
        ("a", 0x818680b48d06943b as UInt64),
        ("foobar", 0xe5c07215d11844ca as UInt64),
        ("cap_faq", 0x0c7bdf981cb14705 as UInt64),
        ("customer-a", 0x50891e5b3a32dde3 as UInt64),
    ])
    func hashMatchesDocumentation(_ input: String, _ expected: UInt64) {
        let bytes = Array(input.utf8)
        #expect(bytes.withUnsafeBytes { TableFormat.hash($0) } == expected)
    }
}
