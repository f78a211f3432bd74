import Foundation
import KeyscopeTestSupport
import Testing

/// The benchmark command is not part of the timed suite, but it must keep working:
/// one repetition on the small preset, every group present. No timing is asserted.
@Suite struct BenchmarkSmokeTests {
    @Test func benchmarkRunsOnTheSmallPreset() throws {
        let bench = TestPaths.keyscopeBinary.deletingLastPathComponent().appendingPathComponent("keyscope-bench")
        try #require(FileManager.default.isExecutableFile(atPath: bench.path), "keyscope-bench is built with the tests")
        let process = Process()
        process.executableURL = bench
        process.arguments = ["--preset", "small", "--repetitions", "1", "--decisions", "20000"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        for row in [
            "libyaml event parse, 1 thread (reference)", "keyscope strict reader", "keyscope validate",
            "keyscope compile",
            "open + verify table", "table size", "[String: Set<Int>] lookup (reference)", "ScopeTable.decide",
            "diff policy vs policy", "diff table vs table", "`keyscope compile` process",
        ] {
            #expect(output.contains(row), "missing row \(row)")
        }
        #expect(output.contains(" 0 allocations in 20000 decisions"), "decisions allocate nothing")
        #expect(output.contains("machine: "))
        // Every command the process group times must succeed: a failing `keyscope compile` (a
        // benchmark key with mode 0644 after private keys had to be 0600) once went unnoticed.
        #expect(!output.contains("FAILED"), "a timed command failed: \(output)")
    }
}
