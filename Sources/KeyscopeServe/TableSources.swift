import Foundation
import KeyscopeIO
import KeyscopeRuntime
import Logging
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

/// Logs and counts what a look at the table source found.
func report(_ outcome: ReloadOutcome, source: String, metrics: ServeMetrics, logger: Logger) {
    switch outcome {
    case .loaded(let serial):
        metrics.reloads["loaded"]?.increment()
        logger.info("table loaded", metadata: ["source": "\(source)", "serial": "\(serial)"])
    case .rejected(let error):
        metrics.reloads["rejected"]?.increment()
        logger.warning(
            "table refused; the last good table stays in service",
            metadata: ["source": "\(source)", "reason": "\(error)"])
    case .unchanged, .sameSerial:
        break
    }
}

/// `--table FILE`: loaded at start, reloaded within milliseconds of a rename into place
/// (inotify on the file's directory: `keyscope publish` renames `current.kst` over the old
/// one), on SIGHUP, and on a stat poll every second as a fallback (file systems without
/// inotify, such as some network mounts).
public struct FileTableSource: Service {
    public var store: ScopeTableStore
    public var metrics: ServeMetrics
    public var logger: Logger
    public var pollMilliseconds = 1000

    public init(store: ScopeTableStore, metrics: ServeMetrics, logger: Logger) {
        self.store = store
        self.metrics = metrics
        self.logger = logger
    }

    /// The first load, before the server starts (a failure is logged; the service starts unready).
    public func loadNow() {
        report(store.reload(), source: store.path, metrics: metrics, logger: logger)
    }

    public func run() async throws {
        let store = self.store
        let metrics = self.metrics
        let logger = self.logger
        let onChange: @Sendable (ReloadOutcome) -> Void = {
            report($0, source: store.path, metrics: metrics, logger: logger)
        }
        store.startWatching(intervalMilliseconds: pollMilliseconds, onChange: onChange)
        defer { store.stopWatching() }
        let watcher = DirectoryWatcher(file: store.path)
        if watcher == nil {
            logger.warning("inotify unavailable; falling back to a stat poll", metadata: ["path": "\(store.path)"])
        }
        watcher?.start {
            let outcome = store.reload()
            store.reclaim()
            if outcome != .unchanged { onChange(outcome) }
        }
        defer { watcher?.stop() }
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await withGracefulShutdownHandler {
            for await _ in signals.cancelOnGracefulShutdown() {
                logger.info("SIGHUP: reloading", metadata: ["path": "\(store.path)"])
                onChange(store.reload())
            }
        } onGracefulShutdown: {
        }
    }
}

/// Watches one file's directory with inotify and calls back when an entry of the file's name is
/// renamed in, created or closed after writing. A thread of its own blocks in poll(2).
final class DirectoryWatcher: @unchecked Sendable {
    // @unchecked: `fd` and `name` are set once; `stopped` is only read by the thread after start.
    private let fd: Int32
    private let name: String
    private let stopPipe: (read: Int32, write: Int32)

    init?(file path: String) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        fd = inotify_init1(Int32(IN_CLOEXEC))
        guard fd >= 0 else { return nil }
        let mask = UInt32(IN_MOVED_TO) | UInt32(IN_CREATE) | UInt32(IN_CLOSE_WRITE)
        guard inotify_add_watch(fd, directory.isEmpty ? "/" : directory, mask) >= 0 else {
            close(fd)
            return nil
        }
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else {
            close(fd)
            return nil
        }
        stopPipe = (ends[0], ends[1])
    }

    func start(_ onChange: @escaping @Sendable () -> Void) {
        let fd = self.fd
        let name = self.name
        let stop = stopPipe.read
        Thread.detachNewThread {
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            var fds = [
                pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: stop, events: Int16(POLLIN), revents: 0),
            ]
            while true {
                guard poll(&fds, 2, -1) >= 0 || errno == EINTR else { return }
                if fds[1].revents != 0 { return }
                guard fds[0].revents != 0 else { continue }
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                guard count > 0 else { continue }
                // Events: struct inotify_event { int wd; uint32_t mask, cookie, len; char name[len]; }
                var offset = 0
                var matched = false
                while offset + 16 <= count {
                    let length = Int(
                        UInt32(buffer[offset + 12]) | UInt32(buffer[offset + 13]) << 8 | UInt32(buffer[offset + 14])
                            << 16
                            | UInt32(buffer[offset + 15]) << 24)
                    let end = min(count, offset + 16 + length)
                    let entry = buffer[(offset + 16)..<end].prefix { $0 != 0 }
                    if entry.elementsEqual(name.utf8) { matched = true }
                    offset = end
                }
                if matched { onChange() }
            }
        }
    }

    func stop() {
        var byte: UInt8 = 1
        _ = write(stopPipe.write, &byte, 1)
    }

    deinit {
        close(fd)
        close(stopPipe.read)
        close(stopPipe.write)
    }
}

/// `--url BASE --product P`: polls `BASE/P/current.json` with `If-None-Match` and fetches
/// `BASE/P/current.kst` only when the metadata changed and names a higher serial, within the
/// table size limit, verifying before use. SIGHUP polls at once.
public struct URLTableSource: Service {
    public var base: String
    public var product: String
    public var store: ScopeTableStore
    public var metrics: ServeMetrics
    public var logger: Logger
    public var intervalSeconds: Double
    public var timeoutSeconds: Double = 10

    public init(
        base: String, product: String, store: ScopeTableStore, metrics: ServeMetrics, logger: Logger,
        intervalSeconds: Double
    ) {
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
        self.product = product
        self.store = store
        self.metrics = metrics
        self.logger = logger
        self.intervalSeconds = intervalSeconds
    }

    /// One poll: returns the ETag to send next time.
    public func poll(etag: String?) -> String? {
        let metadataURL = "\(base)/\(product)/current.json"
        let metadata: HTTPFetch.Conditional
        do {
            metadata = try HTTPFetch.conditionalGet(metadataURL, etag: etag, limit: 64 << 10, timeout: timeoutSeconds)
        } catch {
            logger.warning(
                "poll failed; the last good table stays in service",
                metadata: ["url": "\(metadataURL)", "reason": "\(error)"])
            return etag
        }
        guard case .body(let bytes, let newTag) = metadata else { return etag }
        // `serial` is a string in current.json (a u64 does not fit a JSON number exactly).
        let serial = (try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])?["serial"]
            .flatMap { ($0 as? String).flatMap(UInt64.init) }
        if let serial, let served = store.currentSerial, serial <= served { return newTag }
        let tableURL = "\(base)/\(product)/current.kst"
        do {
            let table = try HTTPFetch.get(
                tableURL, limit: TableOpenOptions(trustedKeys: [], now: nil).maximumSize, timeout: timeoutSeconds)
            let outcome = store.load(bytes: table)
            report(outcome, source: tableURL, metrics: metrics, logger: logger)
            // A refused table is fetched again only when the metadata changes again.
            return newTag
        } catch {
            logger.warning(
                "fetch failed; the last good table stays in service",
                metadata: ["url": "\(tableURL)", "reason": "\(error)"])
            return etag
        }
    }

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        let source = self
        let (wakes, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let signalTask = Task {
            for await _ in signals { wake.yield() }
        }
        defer { signalTask.cancel() }
        let interval = Duration.milliseconds(Int(intervalSeconds * 1000))
        await withGracefulShutdownHandler {
            var etag: String?
            var iterator = wakes.makeAsyncIterator()
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let previous = etag
                etag = await Task.detached { source.poll(etag: previous) }.value
                source.store.reclaim()
                // Sleep for the interval, or until SIGHUP (or shutdown).
                let sleeper = Task {
                    try? await Task.sleep(for: interval)
                    wake.yield()
                }
                _ = await iterator.next()
                sleeper.cancel()
            }
        } onGracefulShutdown: {
            wake.yield()
        }
    }
}
