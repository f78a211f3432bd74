import Foundation
import KeyscopeFuzzing
import KeyscopeTestSupport
import Testing

/// Every seed input and every crash a fuzzer found, replayed through its target: each must
/// return normally (a crash fixture that traps again fails the whole test run, loudly).
@Suite struct FuzzCorpusTests {
    @Test(arguments: FuzzTarget.allCases.map(\.rawValue))
    func seedsAndCrashesReplay(target name: String) throws {
        let target = try #require(FuzzTarget(rawValue: name))
        var replayed = 0
        for folder in ["Fuzz/corpus", "Fuzz/crashes"] {
            let directory = TestPaths.packageRoot.appendingPathComponent("\(folder)/\(name)")
            let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            for file in files.sorted() where !file.hasPrefix(".") {
                target.run(Array(try Data(contentsOf: directory.appendingPathComponent(file))))
                replayed += 1
            }
        }
        #expect(replayed > 0, "no seed corpus for \(name)")
    }
}
