import Foundation
import KeyscopeCompiler
import KeyscopePolicy
import KeyscopeRuntime
import KeyscopeTable
import KeyscopeTableTools
import KeyscopeTestSupport
import Synchronization
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

    /// Issue 14.3: decisions through the store take no lock, so swaps and decisions really overlap. Threads decide
    /// without pause while tables that flip one key's access are swapped in; decisions made while swaps were in
    /// progress are counted (they must be many), every answer is the old or the new table's, and every replaced
    /// table is freed once the readers are idle.
    @Test func swapsAndDecisionsOverlap() throws {
        let source = try files(in: TestPaths.fixtures.appendingPathComponent("table-vector/policies"))
        let flipped = source.map { file in
            SourceFile(
                path: file.path,
                text: String(decoding: file.bytes, as: UTF8.self).replacingOccurrences(
                    of: "capabilities: [cap_faq, cap_orders]", with: "capabilities: [cap_faq]"))
        }
        let variants = [try validated(source), try validated(flipped)]
        let swaps = 400
        let tables = try (0..<swaps).map { index in
            try ScopeTableCompiler.compile(
                variants[index % 2].resolved,
                options: CompileOptions(
                    serial: UInt64(index + 1), issuedAt: CoarseClock.systemNow() - 60, validFor: 86_400, revision: nil),
                signer: vectorKey)[0].bytes
        }
        let store = ScopeTableStore(path: "", options: TableOpenOptions(trustedKeys: [vectorKey.publicKey], now: nil))
        #expect(store.load(bytes: tables[0]) == .loaded(serial: 1))
        final class Flags: Sendable {
            let swapping = Atomic<Bool>(false)
            let stop = Atomic<Bool>(false)
            let overlapped = Atomic<Int>(0)
            let unexpected = Atomic<Int>(0)
            let allowed = Atomic<Int>(0)
            let denied = Atomic<Int>(0)
        }
        let flags = Flags()
        let group = DispatchGroup()
        for _ in 0..<2 {
            DispatchQueue.global().async(group: group) {
                var during = 0
                while !flags.stop.load(ordering: .relaxed) {
                    let active = flags.swapping.load(ordering: .relaxed)
                    switch store.decide(key: "customer-a", capability: "cap_orders") {
                    case .allow: flags.allowed.add(1, ordering: .relaxed)
                    case .deny(.notInScope): flags.denied.add(1, ordering: .relaxed)
                    case .deny: flags.unexpected.add(1, ordering: .relaxed)
                    }
                    if active && flags.swapping.load(ordering: .relaxed) { during += 1 }
                }
                flags.overlapped.add(during, ordering: .relaxed)
            }
        }
        // Let both deciders start before the first swap.
        while flags.allowed.load(ordering: .relaxed) < 1000 { usleep(100) }
        flags.swapping.store(true, ordering: .relaxed)
        for bytes in tables.dropFirst() { _ = store.load(bytes: bytes) }
        flags.swapping.store(false, ordering: .relaxed)
        flags.stop.store(true, ordering: .relaxed)
        group.wait()
        #expect(store.current?.header.serial == UInt64(swaps))
        #expect(flags.unexpected.load(ordering: .relaxed) == 0)
        #expect(flags.denied.load(ordering: .relaxed) > 0, "both tables answered")
        let during = flags.overlapped.load(ordering: .relaxed)
        #expect(during > 1000, "decisions made during the swaps: \(during)")
        store.reclaim()
        #expect(store.retiredCount == 0, "replaced tables are freed once no reader is inside")
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
