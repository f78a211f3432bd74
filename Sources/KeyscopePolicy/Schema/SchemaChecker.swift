/// Checks YAML nodes against a schema and reports `schema` diagnostics.
///
/// It never throws: every mismatch is reported and checking goes on, so one
/// run shows every problem of a document.
struct SchemaChecker {
    var diagnostics: [Diagnostic] = []

    /// Checks `node` against `schema`; returns the mapping when the node is one.
    mutating func check(_ node: YAMLNode, object schema: ObjectSchema) -> YAMLMapping? {
        guard case .mapping(let mapping) = node else {
            report("expected \(schema.name), found \(node.kindName)", at: node.location)
            return nil
        }
        // Required fields are ticked off while walking the entries (no second search).
        var seen: UInt64 = 0
        var hint = 0
        for index in mapping.entries.indices {
            let key = mapping.entries[index].key.value
            guard let position = schema.position(of: key, hint: hint) else {
                let help =
                    Suggestions.didYouMean(key, among: schema.fieldNames)
                    ?? "known fields: \(schema.fieldNames.joined(separator: ", "))"
                report(
                    "unknown field \(Quote.quoted(key)) in \(schema.name)", at: mapping.entries[index].key.location,
                    help: help)
                continue
            }
            hint = position + 1
            if position < 64 { seen |= 1 << UInt64(position) }
            check(mapping.entries[index].value, type: schema.fields[position].type, field: schema.fieldNames[position])
        }
        for (position, field) in schema.fields.enumerated()
        where field.required && (position >= 64 ? mapping[field.name] == nil : seen & (1 << UInt64(position)) == 0) {
            report("missing required field \(Quote.quoted(field.name)) in \(schema.name)", at: mapping.location)
        }
        return mapping
    }

    mutating func check(_ node: YAMLNode, type: FieldType, field: String) {
        switch type {
        case .object(let schema):
            _ = check(node, object: schema)
        case .list(let element):
            guard case .sequence(let sequence) = node else {
                report("expected a list for \(Quote.quoted(field)), found \(node.kindName)", at: node.location)
                return
            }
            for index in sequence.items.indices {
                check(sequence.items[index], type: element, field: field)
            }
        case .dictionary(let keys, let value):
            guard case .mapping(let mapping) = node else {
                report("expected a mapping for \(Quote.quoted(field)), found \(node.kindName)", at: node.location)
                return
            }
            for entry in mapping.entries {
                if !keys.contains(entry.key.value) {
                    report(
                        "unknown key \(Quote.quoted(entry.key.value)) in \(Quote.quoted(field))",
                        at: entry.key.location, help: Suggestions.didYouMean(entry.key.value, among: keys))
                    continue
                }
                check(entry.value, type: value, field: entry.key.value)
            }
        default:
            guard case .scalar(let scalar) = node, !scalar.isNull || isText(type) && scalar.style != .plain else {
                let found = node.kindName
                report("expected \(expectation(type)) for \(Quote.quoted(field)), found \(found)", at: node.location)
                return
            }
            checkScalar(scalar, type: type, field: field)
        }
    }

    private func isText(_ type: FieldType) -> Bool {
        if case .string = type { return true }
        return false
    }

    mutating func checkScalar(_ scalar: YAMLScalar, type: FieldType, field: String) {
        let value = scalar.value
        switch type {
        case .string(let format):
            if !format.accepts(value) {
                report(
                    "invalid \(format.name) \(Quote.quoted(value)) for \(Quote.quoted(field))", at: scalar.location,
                    help: "expected \(format.expectation)")
            }
        case .oneOf(let words):
            if !words.contains(value) {
                report(
                    "invalid value \(Quote.quoted(value)) for \(Quote.quoted(field))", at: scalar.location,
                    help: Suggestions.didYouMean(value, among: words)
                        ?? "expected one of: \(words.joined(separator: ", "))")
            }
        case .constant(let expected):
            if value != expected {
                report(
                    "unsupported \(Quote.quoted(field)) \(Quote.quoted(value))", at: scalar.location,
                    help: "expected \(Quote.quoted(expected))")
            }
        case .boolean:
            if scalar.style != .plain || (value != "true" && value != "false") {
                report(
                    "\(Quote.quoted(value)) is not a boolean for \(Quote.quoted(field))", at: scalar.location,
                    help: "write `true` or `false`; `yes`, `no`, `on` and `off` are not booleans here")
            }
        case .integer(let range):
            if scalar.style != .plain || SchemaValues.integer(value).map({ !range.contains($0) }) ?? true {
                report(
                    "\(Quote.quoted(value)) is not a whole number from \(range.lowerBound) to \(range.upperBound) for \(Quote.quoted(field))",
                    at: scalar.location)
            }
        case .date:
            if CalendarDate(parsing: value) == nil {
                report(
                    "\(Quote.quoted(value)) is not a date for \(Quote.quoted(field))", at: scalar.location,
                    help: "write a date that exists as YYYY-MM-DD")
            }
        case .list, .object, .dictionary:
            report("expected \(expectation(type)) for \(Quote.quoted(field)), found a scalar", at: scalar.location)
        }
    }

    func expectation(_ type: FieldType) -> String {
        switch type {
        case .string(let format): "a \(format.name)"
        case .oneOf: "one of a set of words"
        case .constant(let value): Quote.quoted(value)
        case .boolean: "a boolean"
        case .integer: "a whole number"
        case .date: "a date"
        case .list: "a list"
        case .object(let schema): schema.name
        case .dictionary: "a mapping"
        }
    }

    mutating func report(_ message: String, at location: SourceLocation, help: String? = nil) {
        diagnostics.append(Diagnostic(.error, SchemaMismatch.id, message, at: location, help: help))
    }
}

/// Typed reads of scalars that the checker has already accepted.
enum SchemaValues {
    /// A decimal integer without sign or leading zeros (`0755` is not a number).
    static func integer(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 9, bytes.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        if bytes.count > 1 && bytes[0] == 48 { return nil }
        return Int(text)
    }
}
