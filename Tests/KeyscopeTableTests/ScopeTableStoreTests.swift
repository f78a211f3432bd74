import Foundation
import KeyscopeCompiler
import KeyscopeRuntime
import KeyscopeTable
import KeyscopeTableTools
import KeyscopeTestSupport
import Testing

@Suite struct ScopeTableStoreTests {
    func table(serial: UInt64) throws -> [UInt8] {
        let result = try validated(try files(in: TestPaths.fixtures.appendingPathComponent("table-vector/policies")))
        let tables = try ScopeTableCompiler.compile(
            result.resolved,
            options: CompileOptions(
                serial: serial, issuedAt: CoarseClock.systemNow() - 60, validFor: 86_400, revision: nil),
            signer: vectorKey)
        return tables[0].bytes
    }

    func replace(_ path: URL, with bytes: [UInt8]) throws {
        let temporary = path.deletingLastPathComponent().appendingPathComponent(".tmp-\(UUID().uuidString)")
        try Data(bytes).write(to: temporary)
        _ = rename(temporary.path, path.path)
    }

    @Test func loadsNewerKeepsLastGoodNeverGoesBack() throws {
        let dir = try TestPaths.temporaryDirectory("keyscope-store")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("current.kst")
        let store = ScopeTableStore(
            path: path.path,
            options: TableOpenOptions(trustedKeys: [vectorKey.publicKey], expectedProduct: "demo", now: nil))
        #expect(store.decide(key: "public", capability: "cap_faq") == .deny(.tableExpired), "nothing loaded: deny")
        if case .rejected(.unreadable) = store.reload() {
        } else {
            Issue.record("missing file must be rejected as unreadable")
        }

        try replace(path, with: try table(serial: 5))
        #expect(store.reload() == .loaded(serial: 5))
        #expect(store.reload() == .unchanged)
        #expect(store.decide(key: "public", capability: "cap_faq") == .allow)

        var corrupt = try table(serial: 6)
        corrupt[300] ^= 0x10
        try replace(path, with: corrupt)
        if case .rejected(.badSignature) = store.reload() {} else { Issue.record("corrupt table must be rejected") }
        #expect(store.current?.header.serial == 5, "last good table keeps serving")
        #expect(store.decide(key: "public", capability: "cap_faq") == .allow)

        try replace(path, with: try table(serial: 4))
        #expect(store.reload() == .rejected(.serialBelowMinimum(serial: 4, minimum: 5)))
        #expect(store.current?.header.serial == 5)

        try replace(path, with: try table(serial: 9))
        #expect(store.reload() == .loaded(serial: 9))
        #expect(store.lastError == nil)
    }

    @Test func swapsNeverFailAConcurrentDecision() async throws {
        let dir = try TestPaths.temporaryDirectory("keyscope-store")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("current.kst")
        try replace(path, with: try table(serial: 1))
        let store = ScopeTableStore(
            path: path.path, options: TableOpenOptions(trustedKeys: [vectorKey.publicKey], now: nil))
        #expect(store.reload() == .loaded(serial: 1))
        let tables = try (2...30).map { try table(serial: UInt64($0)) }
        let failures = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var failures = 0
                    for _ in 0..<50_000 where store.decide(key: "customer-a", capability: "cap_orders") != .allow {
                        failures += 1
                    }
                    return failures
                }
            }
            group.addTask {
                for bytes in tables {
                    try? self.replace(path, with: bytes)
                    store.reload()
                }
                return 0
            }
            return await group.reduce(0, +)
        }
        #expect(failures == 0)
        #expect(store.current?.header.serial == 30)
    }

    @Test func watcherPicksUpNewTables() async throws {
        let dir = try TestPaths.temporaryDirectory("keyscope-store")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("current.kst")
        try replace(path, with: try table(serial: 1))
        let store = ScopeTableStore(
            path: path.path, options: TableOpenOptions(trustedKeys: [vectorKey.publicKey], now: nil))
        store.startWatching(intervalMilliseconds: 20)
        defer { store.stopWatching() }
        try replace(path, with: try table(serial: 2))
        var serial: UInt64 = 0
        for _ in 0..<250 {
            serial = store.current?.header.serial ?? 0
            if serial == 2 { break }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        #expect(serial == 2)
    }

    @Test func coarseClockTracksTheSystemClock() {
        let clock = CoarseClock(resolutionMilliseconds: 10)
        #expect(abs(clock.now - CoarseClock.systemNow()) <= 1)
    }
}

@Suite struct TableFileSnapshotTests {
    /// A table opened from a file is a private copy: rewriting the file in place afterwards
    /// (same inode, no rename) neither changes decisions nor crashes the reader.
    @Test func inPlaceWritesDoNotReachAnOpenTable() throws {
        let dir = try TestPaths.temporaryDirectory("keyscope-snapshot")
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try validated(try files(in: TestPaths.fixtures.appendingPathComponent("table-vector/policies")))
        let bytes = try compileOne(result).bytes
        let path = dir.appendingPathComponent("t.kst").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let table = try ScopeTable(path: path, options: trusting())
        #expect(table.decide(key: "customer-a", capability: "cap_admin", now: issuedAt + 60) == .deny(.notInScope))
        // Overwrite every byte in place with 0xFF, then truncate to a few bytes.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.write(contentsOf: Data(repeating: 0xFF, count: bytes.count))
        try handle.truncate(atOffset: 10)
        try handle.close()
        #expect(table.decide(key: "customer-a", capability: "cap_admin", now: issuedAt + 60) == .deny(.notInScope))
        #expect(table.decide(key: "customer-a", capability: "cap_orders", now: issuedAt + 60) == .allow)
    }
}
