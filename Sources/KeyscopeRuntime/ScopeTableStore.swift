import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What happened when the store looked at its path.
public enum ReloadOutcome: Sendable, Equatable {
    /// A newer table was loaded and is now served.
    case loaded(serial: UInt64)
    /// The file did not change since the last look.
    case unchanged
    /// The file holds the table already served (same serial).
    case sameSerial(UInt64)
    /// The new table was refused; the last good one is still served.
    case rejected(ScopeTableError)
}

/// Serves decisions from the newest good table at a path, for a gateway.
///
/// - Each new file is opened and verified off the decision path; only a table
///   that passes every check replaces the current one.
/// - A failed load (bad signature, truncated file, expired table) keeps the
///   last good table serving.
/// - The serial never goes back: a table with a lower serial than the one
///   served is refused as a rollback.
/// - A decision takes no lock and writes no shared memory: the current table is
///   an atomic pointer, and a decision only announces, in a slot of its own
///   thread, the epoch it reads in (see `EpochSlots`). A replaced table is freed
///   once no thread can still be reading it. With N server threads there is no
///   cache line they all write, which a mutex and a shared reference count were.
public final class ScopeTableStore: @unchecked Sendable {
    // @unchecked: `current` is an opaque `Unmanaged<ScopeTable>` pointer owned by the store
    // (one retain), published and retired only under `state`'s lock, and read under the
    // epoch protocol of `EpochSlots`; every other stored property is Sendable.

    /// The table file this store loads and reloads (empty for a store fed by `install`).
    public let path: String
    private let options: TableOpenOptions
    private let clock: CoarseClock
    private let state: Mutex<State>
    private let watcher: Mutex<TimerHandle?> = Mutex(nil)
    /// The table in service: `Unmanaged<ScopeTable>` as a bit pattern, 0 for none.
    private let served = Atomic<UInt>(0)
    private let epochs = EpochSlots()

    private struct State: @unchecked Sendable {
        var fileIdentity: FileIdentity?
        var lastError: ScopeTableError?
        var serial: UInt64?
        /// Replaced tables with the epoch they were replaced in, freed by `reclaim`.
        var retired: [(pointer: UInt, epoch: UInt64)] = []
    }

    /// - Parameters:
    ///   - path: the table file (for example `DIR/<product>/current.kst`).
    ///   - options: trusted keys, expected product, minimum serial and size limit; `now` is ignored (the clock is
    /// used).
    ///   - clock: the time source for expiry.
    public init(path: String, options: TableOpenOptions, clock: CoarseClock = .shared) {
        self.path = path
        self.options = options
        self.clock = clock
        state = Mutex(State())
    }

    deinit {
        stopWatching()
        let bits = served.load(ordering: .acquiring)
        if bits != 0 { Self.unmanaged(bits).release() }
        state.withLock { state in
            for entry in state.retired { Self.unmanaged(entry.pointer).release() }
            state.retired = []
        }
    }

    @inline(__always)
    private static func unmanaged(_ bits: UInt) -> Unmanaged<ScopeTable> {
        Unmanaged.fromOpaque(UnsafeRawPointer(bitPattern: bits).unsafelyUnwrapped)
    }

    /// Runs `body` with the table in service (nil when none) as a reader of the epoch protocol:
    /// the table stays valid until `body` returns, and is neither locked nor retained.
    @inline(__always)
    private func withServedTable<Result>(_ body: (ScopeTable?) -> Result) -> Result {
        epochs.reading { () -> Result in
            let bits = served.load(ordering: .sequentiallyConsistent)
            guard bits != 0 else { return body(nil) }
            return Self.unmanaged(bits)._withUnsafeGuaranteedRef { body($0) }
        }
    }

    /// Runs `body` with the table being served (nil when none) and the coarse clock's now,
    /// without a lock: for a decision that needs more than `decide` (a key found by the
    /// fingerprint of its secret, a capability by route, names for the answer), read from one
    /// table even while another is swapped in.
    public func withCurrentTable<Result>(_ body: (ScopeTable?, Int64) -> Result) -> Result {
        let now = clock.now
        return withServedTable { body($0, now) }
    }

    /// The table being served, if any.
    public var current: ScopeTable? { withServedTable { $0 } }

    /// The serial of the table in service, if any, read without retaining the shared table
    /// object (for a response header on every allowed call, where `current` would).
    public var currentSerial: UInt64? { withServedTable { $0?.header.serial } }

    /// Why the last load failed, if it did.
    public var lastError: ScopeTableError? { state.withLock { $0.lastError } }

    /// Replaced tables not yet freed (a thread may still be reading them).
    public var retiredCount: Int { state.withLock { $0.retired.count } }

    /// Decides with the current table; with no table loaded yet, everything is denied as `tableExpired`.
    ///
    /// No lock, no reference count: the calling thread's epoch slot is written, the table
    /// pointer is read, and the table decides from its bytes.
    @inline(__always)
    public func decide(key: String, capability: String) -> Decision {
        let now = clock.now
        return withServedTable { $0?.decide(key: key, capability: capability, now: now) ?? .deny(.tableExpired) }
    }

    /// Decides from UTF-8 bytes (what an HTTP server has in its buffers), without making strings.
    @inline(__always)
    public func decide(keyUTF8: UnsafeRawBufferPointer, capabilityUTF8: UnsafeRawBufferPointer) -> Decision {
        let now = clock.now
        return withServedTable {
            $0?.decide(keyUTF8: keyUTF8, capabilityUTF8: capabilityUTF8, now: now) ?? .deny(.tableExpired)
        }
    }

    /// Looks at the file and loads it when it changed.
    @discardableResult
    public func reload() -> ReloadOutcome {
        let identity = FileIdentity(path: path)
        let (servedSerial, previousIdentity) = state.withLock { ($0.serial, $0.fileIdentity) }
        if let identity, identity == previousIdentity { return .unchanged }
        var options = self.options
        options.now = clock.now
        if let servedSerial { options.minimumSerial = max(options.minimumSerial, servedSerial) }
        do {
            let table = try ScopeTable(path: path, options: options)
            return install(table, identity: identity)
        } catch {
            state.withLock {
                $0.lastError = error
                $0.fileIdentity = identity
            }
            return .rejected(error)
        }
    }

    /// Verifies `bytes` (fetched over HTTP, say) with the store's options and serves them when
    /// they are newer than the table in service.
    @discardableResult
    public func load(bytes: [UInt8]) -> ReloadOutcome {
        var options = self.options
        options.now = clock.now
        if let servedSerial = state.withLock({ $0.serial }) {
            options.minimumSerial = max(options.minimumSerial, servedSerial)
        }
        do {
            return install(try ScopeTable(bytes: bytes, options: options), identity: nil)
        } catch {
            state.withLock { $0.lastError = error }
            return .rejected(error)
        }
    }

    /// Serves `table` unless one with the same or a higher serial is served; decided under the
    /// lock against what is served *now*, since another load may have installed a newer table
    /// while this one was being verified.
    private func install(_ table: ScopeTable, identity: FileIdentity?) -> ReloadOutcome {
        state.withLock { state -> ReloadOutcome in
            if let identity { state.fileIdentity = identity }
            if let serial = state.serial {
                if table.header.serial == serial { return .sameSerial(serial) }
                if table.header.serial < serial {
                    let error = ScopeTableError.serialBelowMinimum(serial: table.header.serial, minimum: serial)
                    state.lastError = error
                    return .rejected(error)
                }
            }
            let bits = UInt(bitPattern: Unmanaged.passRetained(table).toOpaque())
            let old = served.exchange(bits, ordering: .sequentiallyConsistent)
            if old != 0 { state.retired.append((old, epochs.advance())) }
            state.serial = table.header.serial
            state.lastError = nil
            reclaim(&state)
            return .loaded(serial: table.header.serial)
        }
    }

    /// Frees replaced tables that no thread can still be reading. Runs after every swap and on
    /// each tick of the watcher; call it from a timer when loading with `load(bytes:)`.
    public func reclaim() {
        state.withLock { reclaim(&$0) }
    }

    private func reclaim(_ state: inout State) {
        guard !state.retired.isEmpty else { return }
        let oldest = epochs.oldestActive()
        state.retired.removeAll { entry in
            guard entry.epoch < oldest else { return false }
            Self.unmanaged(entry.pointer).release()
            return true
        }
    }

    /// Polls the path every `intervalMilliseconds` and calls `onChange` after each load or refusal.
    public func startWatching(
        intervalMilliseconds: Int = 1000, onChange: @escaping @Sendable (ReloadOutcome) -> Void = { _ in }
    ) {
        let source = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "keyscope.store-watch"))
        source.schedule(deadline: .now(), repeating: .milliseconds(max(1, intervalMilliseconds)))
        source.setEventHandler { [weak self] in
            guard let self else { return }
            let outcome = self.reload()
            self.reclaim()
            if outcome != .unchanged { onChange(outcome) }
        }
        let handle = TimerHandle(source)
        let previous = watcher.withLock { existing -> TimerHandle? in
            let previous = existing
            existing = handle
            return previous
        }
        previous?.source.cancel()
        source.activate()
    }

    /// Stops reloading on changes to `path`; the table in service stays.
    public func stopWatching() {
        let previous = watcher.withLock { existing -> TimerHandle? in
            let previous = existing
            existing = nil
            return previous
        }
        previous?.source.cancel()
    }

}

/// Device, inode, size and modification time: a changed file (or a file replaced by rename) differs.
struct FileIdentity: Sendable, Equatable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modified: Int64
    var modifiedNanoseconds: Int64

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        #if canImport(Glibc)
        modified = Int64(info.st_mtim.tv_sec)
        modifiedNanoseconds = Int64(info.st_mtim.tv_nsec)
        #else
        modified = Int64(info.st_mtimespec.tv_sec)
        modifiedNanoseconds = Int64(info.st_mtimespec.tv_nsec)
        #endif
    }
}
