/// A YAML scalar, kept as text. Types come later, from the schema (SPEC §2):
/// `yes`, `on` and `0755` stay strings until a field says otherwise.
public struct YAMLScalar: Sendable, Hashable {
    /// How the scalar was written. Only plain scalars can be `true`/`false` booleans.
    public enum Style: Sendable, Hashable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    public var value: String
    public var style: Style
    public var location: SourceLocation

    public init(value: String, style: Style = .plain, location: SourceLocation) {
        self.value = value
        self.style = style
        self.location = location
    }

    /// A plain `null`, `~` or empty scalar, which the schema treats as an absent value.
    public var isNull: Bool {
        // Most scalars are longer than four bytes: decided by the length alone.
        guard style == .plain, value.utf8.count <= 4 else { return false }
        return value.isEmpty || value == "~" || value == "null" || value == "Null" || value == "NULL"
    }
}

/// One `key: value` pair of a mapping. Keys are always scalars: complex keys are rejected.
public struct YAMLMappingEntry: Sendable {
    public var key: YAMLScalar
    public var value: YAMLNode

    public init(key: YAMLScalar, value: YAMLNode) {
        self.key = key
        self.value = value
    }
}

/// A mapping in source order. Duplicate keys have already been reported and dropped.
public struct YAMLMapping: Sendable {
    public var entries: [YAMLMappingEntry]
    public var location: SourceLocation

    public init(entries: [YAMLMappingEntry], location: SourceLocation) {
        self.entries = entries
        self.location = location
    }

    /// The entry with the given key, if any.
    public subscript(key: String) -> YAMLMappingEntry? {
        entries.first { $0.key.value == key }
    }
}

/// A sequence in source order.
public struct YAMLSequence: Sendable {
    public var items: [YAMLNode]
    public var location: SourceLocation

    public init(items: [YAMLNode], location: SourceLocation) {
        self.items = items
        self.location = location
    }
}

/// A node of a strictly read YAML document.
public enum YAMLNode: Sendable {
    case scalar(YAMLScalar)
    case mapping(YAMLMapping)
    case sequence(YAMLSequence)

    /// Where the node starts.
    public var location: SourceLocation {
        switch self {
        case .scalar(let s): s.location
        case .mapping(let m): m.location
        case .sequence(let s): s.location
        }
    }

    /// A word for the node's shape, for messages such as "expected a list, found a mapping".
    public var kindName: String {
        switch self {
        case .scalar(let s): s.isNull ? "null" : "a scalar"
        case .mapping: "a mapping"
        case .sequence: "a list"
        }
    }
}

/// One document of a (possibly multi-document) file.
public struct YAMLDocument: Sendable {
    public var root: YAMLNode
    /// 1-based index of the document within its file.
    public var index: Int

    public init(root: YAMLNode, index: Int) {
        self.root = root
        self.index = index
    }
}
