import KeyscopeAccess
import KeyscopePolicy
import KeyscopeReview
import KeyscopeTable
import KeyscopeTableTools
import KeyscopeYAML

/// The code that reads hostile input, one entry point per reader, for coverage-guided fuzzing
/// (`Fuzz/README.md`) and for replaying the seed corpora and crash fixtures in `swift test`.
///
/// Each target must return normally for every input: an error is an answer, a trap is a bug.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// The strict YAML reader: bytes -> nodes with positions, or problems.
    case yaml
    /// The policy decoder and every rule, then the access state built from the result.
    case policy
    /// The table reader: structure checks at open, every lookup, the contents, the comparison.
    case table
    /// Ed25519 PEM parsing, public and private.
    case pem
    /// The diff state loader: the input split into two tables, diffed as two deployed states.
    case state

    /// Feeds one input to the target.
    public func run(_ bytes: [UInt8]) {
        switch self {
        case .yaml:
            _ = StrictYAMLReader().read(SourceFile(path: "fuzz.yaml", bytes: bytes))
        case .policy:
            let loaded = PolicyLoader().load(files: [SourceFile(path: "fuzz.yaml", bytes: bytes)])
            let result = PolicyValidator.validate(loaded, checkDate: FuzzTarget.checkDate)
            if !result.diagnostics.contains(where: { $0.rule.isReadingFailure }) {
                let state = AccessState(source: "fuzz", validation: result)
                _ = AccessDiff(from: AccessState(source: "empty", products: [:], teams: [:], settings: nil), to: state)
            }
        case .table:
            guard let table = try? ScopeTable.openUnverified(bytes: bytes) else { return }
            FuzzTarget.exercise(table)
        case .pem:
            let text = String(decoding: bytes, as: UTF8.self)
            _ = try? TrustedKey(pem: text)
            _ = try? SigningKey(pem: text)
        case .state:
            // The first two bytes give where the second table starts.
            guard bytes.count > 2 else { return }
            let split = min(bytes.count - 2, Int(bytes[0]) << 8 | Int(bytes[1]))
            let first = Array(bytes[2..<(2 + split)])
            let second = Array(bytes[(2 + split)...])
            guard let a = try? ScopeTable.openUnverified(bytes: first),
                let b = try? ScopeTable.openUnverified(bytes: second)
            else { return }
            let (old, new) = StateLoader.statePair(("a", [a]), ("b", [b]))
            _ = AccessDiff(from: old, to: new)
            _ = AccessDiff(
                from: AccessState(source: "a", tables: [a.contents()]),
                to: AccessState(source: "b", tables: [b.contents()]))
        }
    }

    static let checkDate = CalendarDate(parsing: "2026-11-27")!

    /// Every read a gateway or the tools make of an opened table.
    static func exercise(_ table: ScopeTable) {
        let contents = table.contents()
        let names = contents.keys.prefix(8).map(\.name) + ["", "missing-key"]
        let capabilities = contents.capabilities.prefix(8).map(\.id) + ["", "cap_missing"]
        for name in names {
            for capability in capabilities {
                for now: Int64 in [.min, -1, 0, table.header.issuedAt, .max] {
                    _ = table.decide(key: name, capability: capability, now: now)
                }
            }
        }
        _ = table.decodedCapabilities()
        _ = table.identicalKeys(in: table)
        _ = AccessState(source: "fuzz", tables: [contents])
    }

    /// Runs every target once on an empty input, so that one-time global values (schemas,
    /// registries) are built before a fuzzer starts counting allocations per input.
    public static func warmUp() {
        for target in allCases { target.run([]) }
        FuzzTarget.policy.run(Array("apiVersion: keyscope/v1\nkind: Team\nid: t\nname: T\n".utf8))
    }
}
