/// A file below the root that the loader refuses to read (`PolicyLoader`).
/// Reported while reading, before any rule runs, so it has no `check` and cannot be configured.
enum UnsafeFileName: Rule {
    static let id: RuleID = "file-name"
    static let defaultSeverity = Severity.error
    static let summary =
        "A policy file is not read: its name, below the root, has characters outside `[A-Za-z0-9._/-]` or a segment starting with `.` or `-`, or it is a symbolic link leading outside the root, nowhere, or into a loop."
    static let configurable = false
}
