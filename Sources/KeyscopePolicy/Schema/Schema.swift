/// A small schema language for policy documents.
///
/// The same definitions drive the strict decoder (`SchemaChecker`) and the
/// JSON Schema files in `schemas/` (`JSONSchemaGenerator`), so editors and the
/// compiler cannot disagree about what a field accepts.
///
/// A class, like `ObjectSchema`: the checker passes formats and schemas around for
/// each of a repository's million scalars, and a reference is one retain where a
/// struct of strings and a closure is four.
public final class StringFormat: Sendable {
    /// Short name, used in messages ("capability id").
    public let name: String
    /// The same rule as an ECMA-262 regular expression, for JSON Schema.
    public let pattern: String?
    /// What a valid value looks like, for messages.
    public let expectation: String
    let isValid: @Sendable (UnsafeBufferPointer<UInt8>) -> Bool

    public init(
        name: String, pattern: String?, expectation: String,
        isValid: @escaping @Sendable (UnsafeBufferPointer<UInt8>) -> Bool
    ) {
        self.name = name
        self.pattern = pattern
        self.expectation = expectation
        self.isValid = isValid
    }

    public func accepts(_ value: String) -> Bool {
        if let result = value.utf8.withContiguousStorageIfAvailable(isValid) { return result }
        var value = value
        return value.withUTF8 { isValid($0) }
    }
}

/// The type of a field's value.
public indirect enum FieldType: Sendable {
    /// Text in a given format.
    case string(StringFormat)
    /// One of a fixed set of words.
    case oneOf([String])
    /// Exactly this text.
    case constant(String)
    /// A plain `true` or `false`; nothing else is a boolean (SPEC §2).
    case boolean
    /// A plain decimal integer in the range, without sign or leading zeros.
    case integer(ClosedRange<Int>)
    /// `YYYY-MM-DD`, a date that exists.
    case date
    /// A list of values.
    case list(FieldType)
    /// A nested object.
    case object(ObjectSchema)
    /// A mapping from a fixed set of keys to values.
    case dictionary(keys: [String], value: FieldType)
}

/// One field of an object.
public struct FieldSchema: Sendable {
    public var name: String
    public var type: FieldType
    public var required: Bool
    /// Shown in editors through the JSON Schema `description`.
    public var documentation: String

    public init(_ name: String, _ type: FieldType, required: Bool = false, _ documentation: String) {
        self.name = name
        self.type = type
        self.required = required
        self.documentation = documentation
    }
}

/// An object: its fields, and what to call it in messages ("a key").
public final class ObjectSchema: Sendable {
    public let name: String
    public let title: String
    public let documentation: String
    public let fields: [FieldSchema]
    /// The field names, for the checker's lookup without touching the rest of each field.
    let fieldNames: [String]

    public init(name: String, title: String, documentation: String, fields: [FieldSchema]) {
        self.name = name
        self.title = title
        self.documentation = documentation
        self.fields = fields
        fieldNames = fields.map(\.name)
    }

    /// The position of the field called `name`, trying `hint` first: documents usually list
    /// fields in schema order, so the field after the previous one is most often the match.
    @inline(__always)
    func position(of name: String, hint: Int) -> Int? {
        if hint < fieldNames.count, fieldNames[hint] == name { return hint }
        return fieldNames.firstIndex(of: name)
    }

    public func field(_ name: String) -> FieldSchema? {
        fields.first { $0.name == name }
    }
}
