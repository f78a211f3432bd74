import Foundation
import KeyscopeTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Asserts the published state is the old table or the new one, and verifies.
func expectConsistent(
    _ fixture: PublishFixture, old: Data?, new: Data, sourceLocation: Testing.SourceLocation = #_sourceLocation
) throws {
    let current = fixture.read("published/support-bot/current.kst")
    #expect(
        current == old || current == new, "current.kst is neither the old nor the new table",
        sourceLocation: sourceLocation)
    if current != nil {
        let verify = try KeyscopeCommand.run(
            [
                "verify", "published/support-bot/current.kst", "--trusted-key", "signing-key.pub.pem", "--at",
                "1767225700",
            ], in: fixture.dir)
        #expect(verify.status == 0, "\(verify.stderr)", sourceLocation: sourceLocation)
    }
}

@Suite(.serialized) struct CrashConsistencyTests {
    /// Every named step of a publish, killed with SIGKILL exactly there.
    static let steps = [
        "locked",
        "written:2.kst", "synced:2.kst", "renamed:2.kst",
        "written:current.kst", "synced:current.kst", "renamed:current.kst",
        "written:current.json", "synced:current.json", "renamed:current.json",
        "pruned", "done",
    ]

    @Test(arguments: steps)
    func killedAtEveryStep(_ step: String) throws {
        let fixture = try PublishFixture()
        defer { fixture.remove() }
        #expect(try fixture.publish(try fixture.table(serial: 1), extra: ["--keep", "1"]).status == 0)
        let old = fixture.read("published/support-bot/current.kst")
        let newTable = try fixture.table(serial: 2)
        let new = try #require(fixture.read(newTable))
        let killed = try fixture.publish(
            newTable, extra: ["--keep", "1"], environment: ["KEYSCOPE_FAULT_INJECTION": step])
        #expect(killed.status != 0, "the process was killed at \(step)")
        try expectConsistent(fixture, old: old, new: new)
        // The next publish succeeds and cleans up whatever the crash left behind.
        let next = try fixture.publish(try fixture.table(serial: 3), extra: ["--keep", "1"])
        #expect(next.status == 0, "\(next.stderr)")
        let leftovers = fixture.snapshot().keys.filter { $0.contains(".keyscope-tmp-") }
        #expect(leftovers.isEmpty, "\(leftovers)")
        #expect(fixture.read("published/support-bot/current.kst") == fixture.read("tables/3/support-bot.kst"))
    }

    /// 200 publishes killed after a random delay: the state is always old or new, and verifies.
    @Test func randomKills() throws {
        let fixture = try PublishFixture()
        defer { fixture.remove() }
        #expect(try fixture.publish(try fixture.table(serial: 1)).status == 0)
        var tables: [UInt64: Data] = [:]
        for serial: UInt64 in 2...201 {
            let table = try fixture.table(serial: serial)
            let bytes: Data = try #require(fixture.read(table))
            tables[serial] = bytes
        }
        var rng = SystemRandomNumberGenerator()
        var killedMidway = 0
        for serial: UInt64 in 2...201 {
            let old = fixture.read("published/support-bot/current.kst")
            let process = Process()
            process.executableURL = TestPaths.keyscopeBinary
            process.arguments = [
                "publish", "tables/\(serial)/support-bot.kst", "--to", "published", "--trusted-key",
                "signing-key.pub.pem", "--at", "1767225700",
            ]
            process.currentDirectoryURL = fixture.dir
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32.random(in: 0...40_000, using: &rng))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            // Midway means it had started writing: a temporary file or this serial's history file is
            // on disk while current.kst is not yet the new table. A kill before `main` proves nothing.
            if process.terminationReason == .uncaughtSignal {
                let files = fixture.snapshot().keys
                let started =
                    files.contains { $0.contains(".keyscope-tmp-") } || files.contains("support-bot/\(serial).kst")
                if started && fixture.read("published/support-bot/current.kst") != tables[serial] { killedMidway += 1 }
            }
            try expectConsistent(fixture, old: old, new: try #require(tables[serial]))
        }
        #expect(killedMidway > 0, "some publishes must actually have been interrupted while writing")
        let last = try fixture.publish(try fixture.table(serial: 202))
        #expect(last.status == 0, "\(last.stderr)")
        #expect(fixture.snapshot().keys.filter { $0.contains(".keyscope-tmp-") }.isEmpty)
    }

    /// Eight publishers race on one product with distinct serials: the highest wins, every success is in history.
    @Test func concurrentPublishers() throws {
        let fixture = try PublishFixture()
        defer { fixture.remove() }
        let serials: [UInt64] = [11, 17, 12, 19, 13, 18, 14, 16]
        for serial in serials { try fixture.table(serial: serial) }
        let processes = serials.map { serial -> (UInt64, Process) in
            let process = Process()
            process.executableURL = TestPaths.keyscopeBinary
            process.arguments = [
                "publish", "tables/\(serial)/support-bot.kst", "--to", "published", "--trusted-key",
                "signing-key.pub.pem", "--at", "1767225700", "--keep", "100",
            ]
            process.currentDirectoryURL = fixture.dir
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            return (serial, process)
        }
        for (_, process) in processes { try process.run() }
        var succeeded: [UInt64] = []
        for (serial, process) in processes {
            process.waitUntilExit()
            if process.terminationStatus == 0 { succeeded.append(serial) }
        }
        #expect(succeeded.contains(19), "the highest serial always wins")
        #expect(fixture.read("published/support-bot/current.kst") == fixture.read("tables/19/support-bot.kst"))
        let history = Set(fixture.snapshot().keys.filter { $0.hasSuffix(".kst") && !$0.hasSuffix("current.kst") })
        #expect(history == Set(succeeded.map { "support-bot/\($0).kst" }))
        // Successes happened in increasing serial order (the lock serialises them and lower ones are
        // refused): their history files, written under the lock, are in serial order by write time.
        func modified(_ serial: UInt64) -> Int {
            var info = stat()
            _ = stat(fixture.dir.appendingPathComponent("published/support-bot/\(serial).kst").path, &info)
            return info.st_mtim.tv_sec * 1_000_000_000 + info.st_mtim.tv_nsec
        }
        let byTime = succeeded.sorted { modified($0) < modified($1) }
        #expect(byTime == byTime.sorted(), "successes by write time: \(byTime)")
    }
}
