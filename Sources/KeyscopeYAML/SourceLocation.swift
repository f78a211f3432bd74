import Synchronization

/// A position in a source file, as shown to people.
///
/// Lines and columns are 1-based. Columns count Unicode scalars, not bytes or
/// grapheme clusters: that is what libyaml's marks count (they are 0-based; the
/// reader adds 1), and it is what SARIF calls `unicodeCodePoints`.
///
/// Every node of every document carries one, so it is kept plain data (no
/// reference counting): the file is a small id into `FileRegistry`.
public struct SourceLocation: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public let fileID: FileID
    /// 1-based line number.
    public var line: Int
    /// 1-based column, in Unicode scalars.
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.init(fileID: FileRegistry.id(for: file), line: line, column: column)
    }

    public init(fileID: FileID, line: Int, column: Int) {
        self.fileID = fileID
        self.line = line
        self.column = column
    }

    /// The file's path as the user named it (relative to the working directory where possible).
    public var file: String { FileRegistry.name(of: fileID) }

    /// The start of a file, for findings that concern the file as a whole.
    public static func startOf(_ file: String) -> SourceLocation {
        SourceLocation(file: file, line: 1, column: 1)
    }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        if lhs.fileID != rhs.fileID {
            return lhs.file.utf8.lexicographicallyPrecedes(rhs.file.utf8)
        }
        return (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }

    public var description: String { "\(file):\(line):\(column)" }

    private enum CodingKeys: String, CodingKey { case file, line, column }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            file: try container.decode(String.self, forKey: .file), line: try container.decode(Int.self, forKey: .line),
            column: try container.decode(Int.self, forKey: .column))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(file, forKey: .file)
        try container.encode(line, forKey: .line)
        try container.encode(column, forKey: .column)
    }
}

/// The id of a file name in `FileRegistry`.
public struct FileID: Sendable, Hashable {
    public let rawValue: UInt32
}

/// File names, interned once per process so that locations stay plain data.
///
/// Append-only: a process reads a bounded set of policy files, and an id must
/// stay valid for as long as any location that holds it.
public enum FileRegistry {
    private struct State {
        var names: [String] = []
        var ids: [String: FileID] = [:]
    }

    private static let state = Mutex(State())

    /// The id of `name`, registering it on first use.
    public static func id(for name: String) -> FileID {
        state.withLock { state in
            if let id = state.ids[name] { return id }
            let id = FileID(rawValue: UInt32(state.names.count))
            state.names.append(name)
            state.ids[name] = id
            return id
        }
    }

    public static func name(of id: FileID) -> String {
        state.withLock { $0.names[Int(id.rawValue)] }
    }
}

/// The bytes of one policy file and the path used to name it in diagnostics.
public struct SourceFile: Sendable {
    /// Path used in diagnostics.
    public var path: String
    /// The raw bytes, exactly as read from disk.
    public var bytes: [UInt8]

    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }

    public init(path: String, text: String) {
        self.init(path: path, bytes: Array(text.utf8))
    }

    /// Whether the file is JSON (read with the same strict reader; JSON is a subset of YAML's flow style).
    public var isJSON: Bool { path.hasSuffix(".json") }
}
