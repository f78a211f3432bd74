import KeyscopeIO

/// Why a publish step failed. A struct with a code, as NIO's `FileSystemError`: publishing is where new failure kinds
/// will appear.
public struct PublishError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        /// The table does not verify against the trusted keys, or is expired.
        case rejectedTable
        /// The serial is not greater than the one already published.
        case serialNotIncreasing
        /// Another publisher holds the product's lock for longer than the timeout.
        case locked
        /// A file system call failed.
        case io
        /// The published state on disk is unreadable.
        case corruptState
        /// The table, or what is deployed, is not what the reviewed plan says (`publish --plan`).
        case notReviewed
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// A file operation's failure, in publishing's terms: something unexpected where the
    /// publish directory should hold a table is a corrupt state.
    init(_ error: FileError) {
        self.init(error.code == .unexpectedEntry ? .corruptState : .io, error.message)
    }

    public var description: String { message }
}
