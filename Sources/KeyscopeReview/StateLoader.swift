import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KeyscopeAccess
import KeyscopePolicy
import KeyscopeTable
import KeyscopeTableTools

/// Why a state could not be read. One line each, naming the source.
public struct StateError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Where an access state comes from (SPEC §6).
public enum StateSource: Sendable, Equatable, CustomStringConvertible {
    /// A policy directory, compiled in memory.
    case policy(String)
    /// The policy directory at a git revision: `git:REV` (read with `git archive`, never touching the working tree or index).
    case git(revision: String, policyRoot: String)
    /// A table file.
    case table(String)
    /// A publish directory: `DIR/<product>/current.kst` for each product.
    case published(String)
    /// An `http(s)://` URL of a table.
    case url(String)

    /// Parses `git:REV`, `http(s)://…`, an explicit `policy:`/`table:`/`published:` prefix, or a path.
    ///
    /// A directory given as a bare path is always a policy tree, never guessed from what it
    /// holds: in CI the pull request's author controls what the tree holds, and a table dropped
    /// into it must not turn the review into a comparison of tables. A publish directory is
    /// named as `published:DIR`. A bare path that is not a directory is a table file.
    public static func parse(_ text: String, policyRoot: String) -> StateSource {
        if text.hasPrefix("git:") { return .git(revision: String(text.dropFirst(4)), policyRoot: policyRoot) }
        if text.hasPrefix("http://") || text.hasPrefix("https://") { return .url(text) }
        if text.hasPrefix("policy:") { return .policy(String(text.dropFirst(7))) }
        if text.hasPrefix("table:") { return .table(String(text.dropFirst(6))) }
        if text.hasPrefix("published:") { return .published(String(text.dropFirst(10))) }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: text, isDirectory: &isDirectory) {
            return isDirectory.boolValue ? .policy(text) : .table(text)
        }
        // Missing: say so in the terms the name suggests.
        return text.hasSuffix(".kst") ? .table(text) : .policy(text)
    }

    /// A state read from tables (a file, a publish directory or a URL), not from policy sources.
    var isTable: Bool {
        switch self {
        case .table, .published, .url: true
        case .policy, .git: false
        }
    }

    public var description: String {
        switch self {
        case .policy(let path): path
        case .git(let revision, let root): "git:\(revision) (\(root))"
        case .table(let path): path
        case .published(let path): path
        case .url(let url): url
        }
    }
}

/// Reads access states from every kind of source.
public struct StateLoader: Sendable {
    public var trustedKeys: [TrustedKey]
    /// Read tables without checking signatures (explicit `--insecure-skip-verify` only).
    public var skipVerification: Bool
    public var checkDate: CalendarDate
    /// HTTP timeout in seconds.
    public var timeout: Double

    public init(trustedKeys: [TrustedKey], skipVerification: Bool = false, checkDate: CalendarDate, timeout: Double = 10) {
        self.trustedKeys = trustedKeys
        self.skipVerification = skipVerification
        self.checkDate = checkDate
        self.timeout = timeout
    }

    public func load(_ source: StateSource) throws(StateError) -> AccessState {
        switch source {
        case .policy, .git:
            let (label, validation) = try validatedPolicy(source)
            return AccessState(source: label, validation: validation)
        case .table, .published, .url:
            let (label, tables) = try openTables(source)
            return AccessState(source: label, tables: tables.map { $0.contents(keysSortedByName: false) })
        }
    }

    /// Loads two states side by side (each on its own core when it is a table; policy trees use both cores anyway).
    ///
    /// The states are for diffing. When both are tables, or both are policy sources, keys held
    /// alike by both (see `ScopeTable.identicalKeys` and `ResolvedProduct.alikeKeys`) are left
    /// out of both states, since they cannot change the diff: a 1% change of 100,000 keys then
    /// builds 2,000 keys instead of 200,000. Keys that a catalog change can still reach are kept:
    /// unscoped keys when capabilities were added, customer and partner keys when a capability
    /// became `internal`.
    public func loadPair(_ first: StateSource, _ second: StateSource) throws(StateError) -> (AccessState, AccessState) {
        if first.isTable && second.isTable { return try loadTablePair(first, second) }
        if !first.isTable && !second.isTable { return try loadPolicyPair(first, second) }
        let results = PairResults<AccessState>()
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let result = Result { () throws(StateError) -> AccessState in try load(index == 0 ? first : second) }
            results.set(index, result)
        }
        let (a, b) = results.get()
        return (try a.get(), try b.get())
    }

    func loadTablePair(_ first: StateSource, _ second: StateSource) throws(StateError) -> (AccessState, AccessState) {
        let results = PairResults<(String, [ScopeTable])>()
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            results.set(index, Result { () throws(StateError) -> (String, [ScopeTable]) in try openTables(index == 0 ? first : second) })
        }
        let (a, b) = results.get()
        return Self.statePair(try a.get(), try b.get())
    }

    /// Two table states for diffing, keys held alike by both left out (see `loadPair`).
    public static func statePair(_ first: (label: String, tables: [ScopeTable]), _ second: (label: String, tables: [ScopeTable])) -> (AccessState, AccessState) {
        let (firstLabel, firstTables) = first
        let (secondLabel, secondTables) = second
        var firstOmitted = [[Bool]?](repeating: nil, count: firstTables.count)
        var secondOmitted = [[Bool]?](repeating: nil, count: secondTables.count)
        for (i, old) in firstTables.enumerated() {
            guard let j = secondTables.firstIndex(where: { $0.header.productID == old.header.productID }) else { continue }
            let new = secondTables[j]
            let delta = CatalogDelta(old: Self.catalog(of: old), new: Self.catalog(of: new))
            let alike = old.identicalKeys(in: new) { audience, unscoped in
                !delta.mayChangeAccess(unscoped: unscoped, external: AccessVocabulary.isExternal(audience: audience.name))
            }
            firstOmitted[i] = alike.first
            secondOmitted[j] = alike.second
        }
        return (
            AccessState(source: firstLabel, tables: zip(firstTables, firstOmitted).map { $0.contents(keysSortedByName: false, omitting: $1) }),
            AccessState(source: secondLabel, tables: zip(secondTables, secondOmitted).map { $0.contents(keysSortedByName: false, omitting: $1) })
        )
    }

    func loadPolicyPair(_ first: StateSource, _ second: StateSource) throws(StateError) -> (AccessState, AccessState) {
        // One after the other: each validation already keeps every core busy.
        let old = try validatedPolicy(first)
        let new = try validatedPolicy(second)
        return Self.statePair(old, new)
    }

    /// Two policy states for diffing, keys held alike by both left out (see `loadPair`).
    public static func statePair(_ first: (label: String, validation: ValidationResult), _ second: (label: String, validation: ValidationResult)) -> (AccessState, AccessState) {
        let (firstLabel, old) = first
        let (secondLabel, new) = second
        var firstOmitted: [String: [Bool]] = [:]
        var secondOmitted: [String: [Bool]] = [:]
        for oldProduct in old.resolved.products {
            guard let newProduct = new.resolved.products.first(where: { $0.id == oldProduct.id }) else { continue }
            let delta = CatalogDelta(old: oldProduct.catalog, new: newProduct.catalog)
            let alike = oldProduct.alikeKeys(in: newProduct) { key in
                !delta.mayChangeAccess(unscoped: key.unscoped, external: key.audience.isExternal)
            }
            firstOmitted[oldProduct.id] = alike.first
            secondOmitted[newProduct.id] = alike.second
        }
        return (
            AccessState(source: firstLabel, validation: old, omitting: firstOmitted),
            AccessState(source: secondLabel, validation: new, omitting: secondOmitted)
        )
    }

    /// The validated policy of a policy-directory or git state, and its label; a policy with errors is refused.
    func validatedPolicy(_ source: StateSource) throws(StateError) -> (String, ValidationResult) {
        switch source {
        case .policy(let path):
            return (path, try validatedPolicy(root: path, label: path))
        case .git(let revision, let root):
            return ("git:\(revision)", try gitPolicy(revision: revision, policyRoot: root))
        case .table, .published, .url:
            throw StateError("\(source) is not a policy")
        }
    }

    /// The verified tables of a table, publish-directory or URL state, and its label.
    func openTables(_ source: StateSource) throws(StateError) -> (String, [ScopeTable]) {
        switch source {
        case .table(let path):
            return (path, [try openFile(path)])
        case .published(let directory):
            let products = Self.publishedProducts(in: directory)
            guard !products.isEmpty else { throw StateError("\(directory) is not a publish directory: no \(directory)/<product>/current.kst") }
            var tables: [ScopeTable] = []
            for product in products {
                let path = "\(directory)/\(product)/current.kst"
                // A publish directory holds regular files: a FIFO there would hang the diff.
                var info = stat()
                guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
                    throw StateError("\(path) is not a regular file; a publish directory holds table files only")
                }
                let table = try openFile(path)
                // A publish directory is named by product: a table filed under another product's
                // name would make the state ambiguous (two tables for one product) or mislabelled.
                guard table.header.productID == product else {
                    throw StateError("\(path) holds a table for product `\(Quote.sanitized(table.header.productID))`, not `\(product)`")
                }
                tables.append(table)
            }
            return (directory, tables)
        case .url(let url):
            let bytes = try fetch(url)
            return (url, [try open(label: url) { options throws(ScopeTableError) in
                skipVerification ? try ScopeTable.openUnverified(bytes: bytes) : try ScopeTable(bytes: bytes, options: options)
            }])
        case .policy, .git:
            throw StateError("\(source) is not a table")
        }
    }

    /// Opens one table, verified unless `skipVerification`. Expiry is not checked: an expired
    /// deployed table is still the state being replaced.
    func open(label: String, _ opening: (TableOpenOptions) throws(ScopeTableError) -> ScopeTable) throws(StateError) -> ScopeTable {
        do {
            return try opening(TableOpenOptions(trustedKeys: trustedKeys, now: nil))
        } catch .unreadable(let path, let reason) {
            throw StateError(ScopeTableError.unreadable(path: path, reason: reason).description)
        } catch {
            throw StateError("\(label): \(error)")
        }
    }

    /// Opens a table file: a regular file is read straight into the table's memory; anything
    /// else (a pipe, `/dev/stdin`, `<(…)` in a shell) is read to its end first, within the size limit.
    func openFile(_ path: String) throws(StateError) -> ScopeTable {
        var info = stat()
        if stat(path, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG {
            let bytes = try readStream(path, limit: TableOpenOptions(trustedKeys: [], now: nil).maximumSize)
            return try open(label: path) { options throws(ScopeTableError) in
                skipVerification ? try ScopeTable.openUnverified(bytes: bytes) : try ScopeTable(bytes: bytes, options: options)
            }
        }
        return try open(label: path) { options throws(ScopeTableError) in
            skipVerification ? try ScopeTable.openUnverified(path: path, maximumSize: options.maximumSize) : try ScopeTable(path: path, options: options)
        }
    }

    /// Reads a non-regular file to its end, refusing more than `limit` bytes.
    func readStream(_ path: String, limit: Int) throws(StateError) -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw StateError("cannot read table \(path)") }
        defer { try? handle.close() }
        var bytes: [UInt8] = []
        while true {
            let chunk: Data?
            do {
                chunk = try handle.read(upToCount: 1 << 20)
            } catch {
                throw StateError("cannot read table \(path): \(Self.reason(error))")
            }
            guard let chunk, !chunk.isEmpty else { return bytes }
            bytes += chunk
            if bytes.count > limit { throw StateError("\(path): \(ScopeTableError.tooLarge(size: bytes.count, limit: limit))") }
        }
    }

    func validatedPolicy(root: String, label: String) throws(StateError) -> ValidationResult {
        let result: ValidationResult
        do {
            result = try PolicyValidator.validate(root: root, checkDate: checkDate)
        } catch {
            throw StateError(error.description)
        }
        // Rule errors do not hide a state from review: a pull request that breaks a rule is
        // exactly the one a reviewer must see. Files that do not read as policy do.
        let unreadable = result.diagnostics.filter { $0.severity == .error && $0.rule.isReadingFailure }
        guard unreadable.isEmpty else {
            throw StateError("policy \(label) has \(unreadable.count) YAML or schema error(s), first \(unreadable[0].location): run `keyscope validate \(root)` to see them")
        }
        return result
    }

    /// Extracts the policy directory at `revision` into a temporary directory with `git archive | tar`, and reads it there.
    func gitPolicy(revision: String, policyRoot: String) throws(StateError) -> ValidationResult {
        let directory = policyRoot.isEmpty ? "." : policyRoot
        let top = try git(["-C", directory, "rev-parse", "--show-toplevel"], what: "\(directory) is not in a git repository")
        let prefix = try git(["-C", directory, "rev-parse", "--show-prefix"], what: "cannot locate \(directory) in its repository")
        _ = try git(["-C", directory, "rev-parse", "--verify", "--quiet", "\(revision)^{commit}"], what: "unknown git revision `\(Quote.sanitized(revision))`")
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("keyscope-git-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: temporary) }
        do {
            try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        } catch {
            throw StateError("cannot create a temporary directory: \(Self.reason(error))")
        }
        let archive = temporary.appendingPathComponent("policy.tar")
        let pathInRepo = prefix.isEmpty ? "." : String(prefix.dropLast(prefix.hasSuffix("/") ? 1 : 0))
        _ = try git(["-C", top, "archive", "--format=tar", "-o", archive.path, revision, "--", pathInRepo], what: "`git archive \(revision)` failed (does \(pathInRepo) exist at that revision?)")
        let extracted = temporary.appendingPathComponent("tree")
        do {
            try FileManager.default.createDirectory(at: extracted, withIntermediateDirectories: true)
        } catch {
            throw StateError("cannot create a temporary directory: \(Self.reason(error))")
        }
        let tar = Self.run("/usr/bin/env", ["tar", "-x", "-f", archive.path, "-C", extracted.path])
        guard tar.status == 0 else { throw StateError("cannot unpack the archive of \(revision): \(tar.stderr)") }
        let root = pathInRepo == "." ? extracted.path : extracted.appendingPathComponent(pathInRepo).path
        guard FileManager.default.fileExists(atPath: root) else { throw StateError("\(pathInRepo) does not exist at git revision \(revision)") }
        return try validatedPolicy(root: root, label: "git:\(revision)")
    }

    func git(_ arguments: [String], what: String) throws(StateError) -> String {
        let result = Self.run("/usr/bin/env", ["git"] + arguments)
        guard result.status == 0 else { throw StateError(what) }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// GET with a timeout; any failure is one clear line.
    func fetch(_ url: String) throws(StateError) -> [UInt8] {
        guard let target = URL(string: url) else { throw StateError("invalid URL \(url)") }
        let limit = TableOpenOptions(trustedKeys: [], now: nil).maximumSize
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        var request = URLRequest(url: target)
        // A table is incompressible signed bytes: asking for none keeps a small compressed
        // body from inflating into gigabytes; the size limit is counted on what arrives.
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        let fetch = BoundedFetch(limit: limit)
        let session = URLSession(configuration: configuration, delegate: fetch, delegateQueue: nil)
        defer { session.invalidateAndCancel() }
        let task = session.dataTask(with: request)
        task.resume()
        if fetch.done.wait(timeout: .now() + timeout + 1) == .timedOut {
            task.cancel()
            throw StateError("GET \(url): timed out after \(Int(timeout)) s")
        }
        let result = fetch.result()
        if result.tooLarge { throw StateError("GET \(url): \(ScopeTableError.tooLarge(size: result.received, limit: limit))") }
        if let error = result.error { throw StateError("GET \(url): \(error.localizedDescription)") }
        guard let status = result.status, (200..<300).contains(status) else { throw StateError("GET \(url): HTTP \(result.status.map(String.init) ?? "error")") }
        guard !result.data.isEmpty else { throw StateError("GET \(url): empty response") }
        return result.data
    }

    /// A table's capabilities as the access model sees them (owners are not needed to compare catalogs).
    static func catalog(of table: ScopeTable) -> AccessCatalog {
        AccessCatalog(table.decodedCapabilities().map { AccessCatalog.Entry(id: $0.id, owner: "", tags: $0.tags) })
    }

    /// Product directories holding a `current.kst`, sorted.
    public static func publishedProducts(in directory: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return entries.filter { !$0.hasPrefix(".") && FileManager.default.fileExists(atPath: "\(directory)/\($0)/current.kst") }.sorted()
    }

    static func run(_ executable: String, _ arguments: [String]) -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return (127, "", "cannot run \(arguments.first ?? executable): \(error)")
        }
        let errorData = ErrorCollector(err.fileHandleForReading)
        let output = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self), errorData.text())
    }

    static func reason(_ error: any Error) -> String {
        (error as NSError).localizedDescription
    }
}

/// Reads a pipe on a background queue, so a full stderr pipe cannot block the child.
private final class ErrorCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        DispatchQueue.global().async {
            let all = handle.readDataToEndOfFile()
            self.lock.lock()
            self.data = all
            self.lock.unlock()
            self.done.signal()
        }
    }

    func text() -> String {
        done.wait()
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Collects a response body up to a limit, cancelling the transfer as soon as more arrives.
private final class BoundedFetch: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let limit: Int
    let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var data: [UInt8] = []
    private var received = 0
    private var tooLarge = false
    private var status: Int?
    private var error: (any Error)?

    init(limit: Int) { self.limit = limit }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse, completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        lock.lock()
        status = (response as? HTTPURLResponse)?.statusCode
        let declared = response.expectedContentLength
        lock.unlock()
        if declared > Int64(limit) {
            lock.lock()
            tooLarge = true
            received = Int(declared)
            lock.unlock()
            completionHandler(.cancel)
            return
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive chunk: Data) {
        lock.lock()
        received += chunk.count
        let over = received > limit
        if over { tooLarge = true } else { data += chunk }
        lock.unlock()
        if over { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        lock.lock()
        self.error = error
        lock.unlock()
        done.signal()
    }

    func result() -> (data: [UInt8], status: Int?, error: (any Error)?, tooLarge: Bool, received: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (data, status, error, tooLarge, received)
    }
}

/// The two results of `loadPair`, filled by concurrent workers.
private final class PairResults<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var first: Result<Value, StateError>?
    private var second: Result<Value, StateError>?

    func set(_ index: Int, _ result: Result<Value, StateError>) {
        lock.lock()
        if index == 0 { first = result } else { second = result }
        lock.unlock()
    }

    func get() -> (Result<Value, StateError>, Result<Value, StateError>) {
        lock.lock()
        defer { lock.unlock() }
        return (first!, second!)
    }
}
