/// Generates JSON Schema (2020-12) files from `PolicySchema`, for editors
/// such as yaml-language-server. `schemas/` holds the committed output; a test
/// fails when it differs from what this generates.
public enum JSONSchemaGenerator {
    public static let baseURI = "https://keyscope.dev/schemas/v1/"

    /// File name -> contents, for every kind plus `keyscope.schema.json` that accepts any kind.
    public static func files() -> [(name: String, contents: String)] {
        var files: [(String, String)] = []
        for (kind, schema) in PolicySchema.kinds {
            files.append(
                (
                    "\(kind.lowercased()).schema.json",
                    document(schema, id: "\(kind.lowercased()).schema.json").rendered() + "\n"
                ))
        }
        let any = JSONValue.object([
            ("$schema", .string("https://json-schema.org/draft/2020-12/schema")),
            ("$id", .string(baseURI + "keyscope.schema.json")),
            ("title", .string("keyscope policy document")),
            ("description", .string("Any keyscope/v1 document; the `kind` field selects the schema.")),
            ("type", .string("object")),
            ("required", .array([.string("apiVersion"), .string("kind")])),
            (
                "properties",
                .object([("kind", .object([("enum", .array(PolicySchema.kinds.map { .string($0.kind) }))]))])
            ),
            (
                "allOf",
                .array(
                    PolicySchema.kinds.map { kind, _ in
                        .object([
                            ("if", .object([("properties", .object([("kind", .object([("const", .string(kind))]))]))])),
                            ("then", .object([("$ref", .string("\(kind.lowercased()).schema.json"))])),
                        ])
                    })
            ),
        ])
        files.append(("keyscope.schema.json", any.rendered() + "\n"))
        return files
    }

    static func document(_ schema: ObjectSchema, id: String) -> JSONValue {
        guard case .object(let members) = object(schema) else { return .null }
        return .object(
            [
                ("$schema", .string("https://json-schema.org/draft/2020-12/schema")),
                ("$id", .string(baseURI + id)),
            ] + members)
    }

    static func object(_ schema: ObjectSchema) -> JSONValue {
        .object([
            ("title", .string(schema.title)),
            ("description", .string(schema.documentation)),
            ("type", .string("object")),
            ("additionalProperties", .bool(false)),
            ("required", .array(schema.fields.filter(\.required).map { .string($0.name) })),
            (
                "properties",
                .object(
                    schema.fields.map { field in
                        guard case .object(var members) = type(field.type) else { return (field.name, .null) }
                        members.insert(("description", .string(field.documentation)), at: 0)
                        return (field.name, .object(members))
                    })
            ),
        ])
    }

    static func type(_ type: FieldType) -> JSONValue {
        switch type {
        case .string(let format):
            var members: [(String, JSONValue)] = [("type", .string("string"))]
            if let pattern = format.pattern { members.append(("pattern", .string(pattern))) }
            return .object(members)
        case .oneOf(let words):
            return .object([("type", .string("string")), ("enum", .array(words.map { .string($0) }))])
        case .constant(let value):
            return .object([("const", .string(value))])
        case .boolean:
            return .object([("type", .string("boolean"))])
        case .integer(let range):
            return .object([
                ("type", .string("integer")), ("minimum", .int(range.lowerBound)), ("maximum", .int(range.upperBound)),
            ])
        case .date:
            return .object([
                ("type", .string("string")), ("format", .string("date")),
                ("pattern", .string("^[0-9]{4}-[0-9]{2}-[0-9]{2}$")),
            ])
        case .list(let element):
            return .object([("type", .string("array")), ("items", self.type(element))])
        case .object(let schema):
            return object(schema)
        case .dictionary(let keys, let value):
            return .object([
                ("type", .string("object")),
                ("additionalProperties", .bool(false)),
                ("properties", .object(keys.map { ($0, self.type(value)) })),
            ])
        }
    }
}
