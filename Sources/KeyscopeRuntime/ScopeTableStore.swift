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
/// - The swap is a pointer exchange under a lock held for a few instructions;
///   a decision copies the current reference and decides outside the lock, so
///   a reload never fails or stalls a concurrent decision.
public final class ScopeTableStore: Sendable {
    /// The table file this store loads and reloads.
    public let path: String
    private let options: TableOpenOptions
    private let clock: CoarseClock
    private let state: Mutex<State>
    private let watcher: Mutex<TimerHandle?> = Mutex(nil)

    private struct State: Sendable {
        var table: ScopeTable?
        var fileIdentity: FileIdentity?
        var lastError: ScopeTableError?
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

    /// The table being served, if any.
    public var current: ScopeTable? { state.withLock { $0.table } }

    /// Why the last load failed, if it did.
    public var lastError: ScopeTableError? { state.withLock { $0.lastError } }

    /// Decides with the current table; with no table loaded yet, everything is denied as `tableExpired`.
    @inline(__always)
    public func decide(key: String, capability: String) -> Decision {
        guard let table = state.withLock({ $0.table }) else { return .deny(.tableExpired) }
        return table.decide(key: key, capability: capability, now: clock.now)
    }

    /// Looks at the file and loads it when it changed.
    @discardableResult
    public func reload() -> ReloadOutcome {
        let identity = FileIdentity(path: path)
        let (served, previousIdentity) = state.withLock { ($0.table, $0.fileIdentity) }
        if let identity, identity == previousIdentity { return .unchanged }
        var options = self.options
        options.now = clock.now
        if let served { options.minimumSerial = max(options.minimumSerial, served.header.serial) }
        do {
            let table = try ScopeTable(path: path, options: options)
            // Decide under the lock against what is served *now*: another reload may have
            // installed a newer table while this one was being verified.
            return state.withLock { state -> ReloadOutcome in
                state.fileIdentity = identity
                if let current = state.table {
                    if table.header.serial == current.header.serial { return .sameSerial(table.header.serial) }
                    if table.header.serial < current.header.serial {
                        let error = ScopeTableError.serialBelowMinimum(
                            serial: table.header.serial, minimum: current.header.serial)
                        state.lastError = error
                        return .rejected(error)
                    }
                }
                state.table = table
                state.lastError = nil
                return .loaded(serial: table.header.serial)
            }
        } catch {
            state.withLock {
                $0.lastError = error
                $0.fileIdentity = identity
            }
            return .rejected(error)
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

    deinit { stopWatching() }
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
