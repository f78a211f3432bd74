import ArgumentParser

/// keyscope's exit codes (SPEC §9), in one place.
enum KeyscopeExit {
    static let success = ExitCode.success
    /// Policy errors, a refused operation, a denied check.
    static let failure = ExitCode(1)
    /// `diff --exit-code`: there are changes.
    static let changesPresent = ExitCode(2)
    /// `diff --fail-on`: a change at or above the threshold.
    static let severityThreshold = ExitCode(3)
    /// Bad command line (ArgumentParser's `ValidationError` exits with this too).
    static let usage = ExitCode(64)
}

/// An operation that failed for a named reason: printed as `keyscope: error: …` and exit 1.
struct CommandFailure: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
