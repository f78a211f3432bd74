/// A reason the strict reader refused (part of) a file.
///
/// The policy layer turns each into a `yaml-syntax` diagnostic; the code is kept
/// so that tests and tools can tell the reasons apart without reading messages.
public struct YAMLProblem: Sendable, Hashable, Error {
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// libyaml could not parse the text.
        case syntax
        /// `&anchor` on a node.
        case anchor
        /// `*alias`: an alias can hide a grant from a reviewer.
        case alias
        /// `<<` merge key.
        case mergeKey
        /// `!tag` or `%TAG` directive.
        case explicitTag
        /// A mapping or sequence used as a mapping key.
        case complexKey
        /// The same key twice in one mapping.
        case duplicateKey
        /// UTF-8 byte-order mark at the start of the file.
        case byteOrderMark
        /// A tab character (YAML indentation must be spaces).
        case tab
        /// Bytes that are not valid UTF-8.
        case invalidUTF8
        /// A NUL byte.
        case nulByte
        /// File larger than `ReaderLimits.maxFileBytes`.
        case fileTooLarge
        /// Nesting deeper than `ReaderLimits.maxDepth`.
        case tooDeep
        /// More documents than `ReaderLimits.maxDocuments`.
        case tooManyDocuments
        /// More nodes than `ReaderLimits.maxNodes`.
        case tooManyNodes
        /// A file holding no document at all.
        case empty
    }

    public var code: Code
    public var message: String
    public var location: SourceLocation
    /// A second location ("first defined here").
    public var related: SourceLocation?
    public var help: String?

    public init(
        _ code: Code, _ message: String, at location: SourceLocation, related: SourceLocation? = nil,
        help: String? = nil
    ) {
        self.code = code
        self.message = message
        self.location = location
        self.related = related
        self.help = help
    }
}

/// Limits that keep hostile input from exhausting time or memory.
public struct ReaderLimits: Sendable, Hashable {
    /// Largest file read, in bytes. Checked before parsing.
    public var maxFileBytes: Int
    /// Deepest nesting of mappings and sequences.
    public var maxDepth: Int
    /// Most documents (`---`) in one file.
    public var maxDocuments: Int
    /// Most nodes in one file.
    public var maxNodes: Int
    /// Most problems reported for one file before the reader gives up on it.
    public var maxProblems: Int

    public init(
        maxFileBytes: Int = 16 << 20, maxDepth: Int = 64, maxDocuments: Int = 1_000, maxNodes: Int = 4_000_000,
        maxProblems: Int = 50
    ) {
        self.maxFileBytes = maxFileBytes
        self.maxDepth = maxDepth
        self.maxDocuments = maxDocuments
        self.maxNodes = maxNodes
        self.maxProblems = maxProblems
    }

    public static let `default` = ReaderLimits()
}
