import CYAML
import KeyscopeTable
import KeyscopeYAML
import Synchronization

/// The reference point for parsing: libyaml's event parser alone, events discarded.
enum LibYAMLReference {
    /// Parses every file's bytes with `yaml_parser_parse` until the stream ends; returns the event count.
    static func parse(_ files: [[UInt8]]) -> Int {
        var events = 0
        for bytes in files { events += parse(bytes) }
        return events
    }

    static func parse(_ bytes: [UInt8]) -> Int {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) != 0 else { return 0 }
        defer { yaml_parser_delete(&parser) }
        var events = 0
        bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var event = yaml_event_t()
            while yaml_parser_parse(&parser, &event) != 0 {
                events += 1
                let done = event.type == YAML_STREAM_END_EVENT
                yaml_event_delete(&event)
                if done { break }
            }
        }
        return events
    }
}

/// The reference point for decisions: what a plain Swift implementation would do.
/// Key name -> set of capability indices (unscoped keys hold every index), capability id -> index.
struct DictionaryReference {
    var scopes: [String: Set<Int>]
    var capabilities: [String: Int]

    @inline(never)
    func decide(key: String, capability: String) -> Bool {
        guard let index = capabilities[capability] else { return false }
        return scopes[key]?.contains(index) ?? false
    }
}

/// The store as it was before issue 14: the current table behind a mutex, copied out (a retain
/// on one shared object) for every decision. The reference point for the lock-free store.
final class MutexStore: Sendable {
    private let table: Mutex<ScopeTable?>

    init(_ table: ScopeTable) { self.table = Mutex(table) }

    @inline(__always)
    func decide(key: String, capability: String, now: Int64) -> Decision {
        guard let table = table.withLock({ $0 }) else { return .deny(.tableExpired) }
        return table.decide(key: key, capability: capability, now: now)
    }
}
