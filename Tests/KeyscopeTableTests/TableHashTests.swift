import KeyscopeTable
import KeyscopeTableTools
import Testing

/// The check values of the index hash published in docs/table-format.md §3.6.
@Suite struct TableHashTests {
    @Test(arguments: [
        ("", 0x6d03_b69a_4d0d_142d as UInt64),
        ("a", 0x8186_80b4_8d06_943b as UInt64),
        ("foobar", 0xe5c0_7215_d118_44ca as UInt64),
        ("cap_faq", 0x0c7b_df98_1cb1_4705 as UInt64),
        ("customer-a", 0x5089_1e5b_3a32_dde3 as UInt64),
    ])
    func hashMatchesDocumentation(_ input: String, _ expected: UInt64) {
        let bytes = Array(input.utf8)
        #expect(bytes.withUnsafeBytes { TableFormat.hash($0) } == expected)
    }
}
