import Foundation

/// Golden-file comparison. Set `RECORD_SNAPSHOTS=1` to write the actual output as the new golden file.
public enum Snapshot {
    public static var recording: Bool { ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" }

    /// Compares `actual` with the golden file; returns a failure description, or nil when they match.
    public static func compare(_ actual: String, golden: URL) -> String? {
        if recording {
            // Recording compares nothing: in CI it would let any output pass.
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                return "RECORD_SNAPSHOTS=1 is set while CI=true: golden files are not compared"
            }
            try? FileManager.default.createDirectory(
                at: golden.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? Data(actual.utf8).write(to: golden)
            return nil
        }
        guard let data = try? Data(contentsOf: golden) else {
            return "missing golden file \(golden.path); run with RECORD_SNAPSHOTS=1 to record it"
        }
        let expected = String(decoding: data, as: UTF8.self)
        if expected == actual { return nil }
        let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
        var line = 0
        while line < min(expectedLines.count, actualLines.count), expectedLines[line] == actualLines[line] { line += 1 }
        let want = line < expectedLines.count ? String(expectedLines[line]) : "<end>"
        let got = line < actualLines.count ? String(actualLines[line]) : "<end>"
        return
            "output differs from \(golden.lastPathComponent) at line \(line + 1):\n  expected: \(want)\n  actual:   \(got)\n(RECORD_SNAPSHOTS=1 re-records)"
    }
}
