import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One line of progress on stderr for a long run, redrawn in place.
///
/// Silent unless stderr is a terminal and the run has lasted a second: a quick run and any run
/// whose stderr is a file or a pipe (CI logs, pre-commit) see nothing. The line is erased
/// before the command prints its results, so it never mixes with them.
final class ProgressLine: Sendable {
    private struct State {
        var phase = ""
        var shown = false
        var finished = false
    }

    private let state = Mutex(State())
    private let enabled: Bool
    private let start = Date()

    /// Starts the display; `enabled` false (not a terminal, `--quiet`) makes every call a no-op.
    init(enabled: Bool = isatty(STDERR_FILENO) == 1) {
        self.enabled = enabled
        guard enabled else { return }
        // KEYSCOPE_PROGRESS_DELAY (seconds) lets the tests see the line on a small tree.
        let delay = Environment.variable("KEYSCOPE_PROGRESS_DELAY").flatMap(Double.init) ?? 1
        Thread.detachNewThread { [self] in
            Thread.sleep(forTimeInterval: delay)
            while self.redraw() { Thread.sleep(forTimeInterval: 0.25) }
        }
    }

    /// What the run is doing now: `reading policies/ (1,204 files)`.
    func phase(_ text: String) {
        guard enabled else { return }
        state.withLock { $0.phase = text }
    }

    /// Erases the line; later calls do nothing.
    func finish() {
        guard enabled else { return }
        state.withLock { state in
            if state.shown { Self.write("\r\u{1B}[2K") }
            state.finished = true
        }
    }

    /// Draws the current phase with the elapsed time; false once finished.
    private func redraw() -> Bool {
        let elapsed = Date().timeIntervalSince(start)
        return state.withLock { state in
            guard !state.finished else { return false }
            Self.write("\r\u{1B}[2K\(state.phase)… \(String(format: "%.0f", elapsed.rounded(.down))) s")
            state.shown = true
            return true
        }
    }

    private static func write(_ text: String) {
        var stderr = StandardError()
        stderr.write(text)
    }
}
