@_exported import KeyscopeYAML

/// How serious a finding is.
public enum Severity: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case error
    case warning
    case note

    private var rank: Int {
        switch self {
        case .error: 0
        case .warning: 1
        case .note: 2
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// The stable identifier of a validation rule, such as `duplicate-name`.
///
/// Rule ids are API: they appear in JSON and SARIF output and in `Settings`
/// documents, and people filter on them. Message wording is not API.
public struct RuleID: RawRepresentable, Sendable, Hashable, Codable, Comparable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public init(_ value: String) { self.rawValue = value }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public static func < (lhs: RuleID, rhs: RuleID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { rawValue }
}

/// A second location attached to a finding, such as "first defined here".
public struct DiagnosticNote: Sendable, Hashable, Codable {
    public var message: String
    public var location: SourceLocation

    public init(_ message: String, at location: SourceLocation) {
        self.message = message
        self.location = location
    }
}

/// One finding about the policy. Every output format (text, JSON, GitHub, SARIF) renders these values.
public struct Diagnostic: Sendable, Hashable, Codable {
    public var severity: Severity
    public var rule: RuleID
    /// One line, lower case, no final period; user values in backticks.
    public var message: String
    /// Where the finding is; 1-based line and column, column in Unicode scalars.
    public var location: SourceLocation
    public var notes: [DiagnosticNote]
    /// A suggestion, such as "did you mean `cap_faq`?".
    public var help: String?

    public init(
        _ severity: Severity, _ rule: RuleID, _ message: String, at location: SourceLocation,
        notes: [DiagnosticNote] = [], help: String? = nil
    ) {
        self.severity = severity
        self.rule = rule
        self.message = message
        self.location = location
        self.notes = notes
        self.help = help
    }

    /// The order in which findings are printed: by position, then rule, then message.
    public static func sortKey(_ lhs: Diagnostic, _ rhs: Diagnostic) -> Bool {
        if lhs.location != rhs.location { return lhs.location < rhs.location }
        if lhs.rule != rhs.rule { return lhs.rule < rhs.rule }
        return lhs.message < rhs.message
    }
}

extension Array where Element == Diagnostic {
    /// Whether any finding is an error.
    public var hasErrors: Bool { contains { $0.severity == .error } }
    public var errorCount: Int { count { $0.severity == .error } }
    public var warningCount: Int { count { $0.severity == .warning } }
}
